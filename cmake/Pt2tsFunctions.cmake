# pt2ts_add_torchscript() (and its other name, pt2ts_add_model()): TorchScript
# files and AOTInductor packages as ordinary build outputs.
#
# Included by Pt2tsConfig.cmake (find_package(Pt2ts)) and by pt2ts's own
# CMakeLists.txt (add_subdirectory / FetchContent); both provide the
# executable target Pt2ts::pt2ts.

include_guard(GLOBAL)
include("${CMAKE_CURRENT_LIST_DIR}/Pt2tsTorchLibraries.cmake")

# DEPFILE under Unix Makefiles and policy CMP0116 (below) first exist in
# CMake 3.20. Older versions would misbuild silently; stop instead.
if(CMAKE_VERSION VERSION_LESS 3.20)
  message(FATAL_ERROR "pt2ts_add_torchscript() needs CMake 3.20 or newer (DEPFILE with "
                      "Unix Makefiles, policy CMP0116); this is CMake ${CMAKE_VERSION}")
endif()

# Functions record the policies in effect where they are defined. CMP0116 NEW
# makes Ninja read the depfile's paths correctly; with it OLD, Ninja would
# reconvert on every build (see docs/stack-notes.md, "CMake").
# The function body also gets every policy of 3.20 (IN_LIST, quoted
# arguments never read as variables), whatever version the caller declares.
cmake_policy(PUSH)
cmake_policy(VERSION 3.20)
cmake_policy(SET CMP0116 NEW)

#[=======================================================================[
pt2ts_add_torchscript(<name>
  MODULE <file.py | package-folder | dotted.module>
  MODEL <ClassOrFactory>
  [WEIGHTS <file>] [STATE_KEY <key>]
  [ARGS <value>...] [KWARGS <key> <value>...]
  [OUTPUT <file.pt | file.ptl | file.pt2>]
  [PYTHONPATH <dir>...] [DEPENDS <file | target>...]
  [EXAMPLE_INPUTS <spec>... | EXAMPLE_INPUTS_FILE <file>] [RTOL <r>] [ATOL <a>]
  [METHOD <script|trace|auto>] [CHECK_INPUTS <spec>...] [CHECK_INPUTS_FILE <file>]
  [FREEZE] [PRESERVE <name>...] [FORMAT <torchscript|lite|aoti>]
  [DYNAMIC_DIMS <input:dim[:min:max]>...] [DTYPE <float32|float64|float16|bfloat16>]
  [OPTIONS <more pt2ts flags>...])
pt2ts_add_model(<name> ...): the same function under a name that fits every
format; it takes the same arguments.

Adds a custom target <name>, built by default, that converts the model with
pt2ts into a TorchScript file, or with FORMAT aoti into an AOTInductor
package (torch >= 2.6). The output's path (see OUTPUT) is readable as
$<TARGET_PROPERTY:<name>,PT2TS_OUTPUT>, its format (torchscript, lite or
aoti: FORMAT, else OUTPUT's extension) as property PT2TS_FORMAT.

Keywords (relative paths are taken from the current source folder, except
OUTPUT's, which is taken from the current binary folder):

``<name>``
  The custom target's name (required). It must not name an existing target.
  Also names the default output file and the files kept in
  <current binary dir>/pt2ts/: <name>.d (the depfile; <config>/<name>.d with
  multi-config generators) and <name>.settings (the pt2ts arguments).

``MODULE <file.py | package-folder | dotted.module>``
  Required. Where the model's code is: a Python file, a package folder, or
  a dotted module name (importable from PYTHONPATH or the Python
  environment). Becomes pt2ts's first positional argument (MODULE_PATH); a
  file or folder is made absolute, and a file is also a dependency.

``MODEL <ClassOrFactory>``
  Required. The class or factory function in MODULE that returns the
  torch.nn.Module (it may be dotted, e.g. Outer.Inner). pt2ts's second
  positional argument (MODEL_NAME); it is called as MODEL(*ARGS, **KWARGS).

``WEIGHTS <file>``
  Weights loaded into the model after it is built: a state dict or a training
  checkpoint saved with torch.save. Default: none (the constructor's own
  weights). Maps to ``--state_dict <file>`` (-w); the file is a dependency.

``STATE_KEY <key>``
  Takes the state dict from checkpoint[<key>] of WEIGHTS. Default: the file
  itself if it is a state dict, else its first entry named state_dict,
  model_state_dict, model_state, model, net, network, module, weights or
  params. Maps to ``--state_key <key>``.

``ARGS <value>...``
  Positional arguments for MODEL, each an int, a float, a Python literal
  (True, None, 'text', [1, 2], {'a': 1}) or else a plain string. Default: none.
  Maps to ``--args <value>...``.

``KWARGS <key> <value>...``
  Keyword arguments for MODEL, as pairs (an odd count is an error); values as
  for ARGS. Default: none. Maps to ``--kwargs <key> <value>...``.

``OUTPUT <file.pt | file.ptl | file.pt2>``
  The artifact to write. Its extension chooses the format when FORMAT is not
  given (.ptl: lite, .pt2: aoti, else torchscript). Default:
  <current binary dir>/<name>.pt (.ptl with FORMAT lite, .pt2 with FORMAT
  aoti), or <current binary dir>/<config>/<name>.pt with multi-config
  generators. Maps to ``--save_path <file>`` (always passed, absolute). Two
  calls must not write the same file.

``PYTHONPATH <dir>...``
  Import roots added to sys.path, in order, before MODULE is imported (e.g.
  the folder a dotted MODULE or the model's own imports live in). Default:
  none. Maps to one ``--pythonpath <dir>`` per folder (made absolute).

``DEPENDS <file | target>...``
  More things the output depends on: files the model reads at run time or
  imports in a way the depfile cannot see (each is also passed as
  ``--depends <file>``: recorded with its SHA-256 in the artifact's metadata
  and listed in the depfile), or targets built before the conversion (not
  passed to pt2ts). Default: none.

``EXAMPLE_INPUTS <spec>...``
  One input shape per forward argument, in order, such as 1x3x224x224,
  2x20x80:float32 or 2x16:int64 (floats standard normal, integers in
  [0, 10), from a fixed seed). The artifact is run in LibTorch and compared
  with the eager model on them; METHOD trace traces on them, FORMAT aoti
  compiles for their shapes. Default: none (the artifact is only loaded, not
  run). Maps to one ``--example-input <spec>`` per value. Not with
  EXAMPLE_INPUTS_FILE; must not be empty.

``EXAMPLE_INPUTS_FILE <file>``
  The same, with the inputs read from a file saved with torch.save (a tensor
  or a tuple/list of tensors), for inputs that must hold valid values such
  as token ids. Default: none. Maps to ``--example-inputs <file>``; the file
  is a dependency.

``RTOL <r>``, ``ATOL <a>``
  Relative and absolute tolerance of the comparison with the eager model.
  Default: 1e-5 each. Map to ``--rtol <r>`` and ``--atol <a>``; they need
  EXAMPLE_INPUTS, EXAMPLE_INPUTS_FILE, CHECK_INPUTS or CHECK_INPUTS_FILE.

``METHOD <script | trace | auto>``
  How a TorchScript model is captured: script (torch.jit.script; keeps
  Python control flow), trace (torch.jit.trace on the example inputs; records
  one path through the model; needs EXAMPLE_INPUTS or EXAMPLE_INPUTS_FILE)
  or auto (script, and trace when scripting fails and example inputs are
  given). Default: script. Maps to ``--method <method>``. Not with FORMAT aoti.

``CHECK_INPUTS <spec>...``
  One more input set, same grammar as EXAMPLE_INPUTS (one spec per forward
  argument), used only to check the artifact against the eager model, e.g.
  with another batch size; for traces also torch's own trace check. Default:
  none. Maps to one ``--check-input <spec>`` per value; must not be empty.

``CHECK_INPUTS_FILE <file>``
  More input sets to check on, from a file saved with torch.save: a tensor or
  a tuple of tensors (one set), or a list of tuples (several sets). Default:
  none. Maps to ``--check-inputs <file>``; the file is a dependency.

``FREEZE``
  Option without a value: torch.jit.freeze the captured model (parameters
  become constants, batch norms fold into convolutions; eval mode only).
  Default: off. Maps to ``--freeze``. Not with FORMAT aoti.

``PRESERVE <name>...``
  With FREEZE: attributes or methods freezing keeps. Default: none. Maps to
  one ``--preserve <name>`` per value.

``FORMAT <torchscript | lite | aoti>``
  What to write: torchscript (an archive for torch::jit::load), lite (a
  lite-interpreter file for torch::jit::_load_for_mobile) or aoti (an
  AOTInductor package for torch::inductor::AOTIModelPackageLoader, captured
  with torch.export on the example inputs and compiled; needs torch >= 2.6
  and EXAMPLE_INPUTS or EXAMPLE_INPUTS_FILE). Default: from OUTPUT's
  extension, else torchscript. Maps to ``--format <format>`` (only when
  given).

``DYNAMIC_DIMS <input:dim[:min:max]>...``
  For FORMAT aoti (or an OUTPUT ending in .pt2): dimension <dim> of forward
  argument <input> (both from 0) takes any size (within <min>..<max>)
  instead of the example input's only, e.g. 0:0:1:16 for a batch of 1 to 16.
  Default: none (the package accepts the example inputs' shapes only). Maps
  to one ``--dynamic-dim <spec>`` per value; must not be empty.

``DTYPE <float32 | float64 | float16 | bfloat16>``
  Convert the model in this precision: its floating parameters and buffers
  are cast after the weights load, and the floating example and check inputs
  with them; the check's default tolerances follow it (tighter for float64,
  looser for float16 and bfloat16). Default: the model's own precision. Maps
  to ``--dtype <dtype>``; pt2ts rejects a precision it does not know.

``OPTIONS <more pt2ts flags>...``
  Any other pt2ts options, passed as given after those of the keywords above
  (e.g. --train, --non-strict, --trust-weights, --python <venv/bin/python>,
  --path-prefix-map OLD=NEW); changing them reconverts, like any argument.
  Default: none.

Always passed, whatever the keywords: ``--path-prefix-map=<top-level source
dir>=.`` (first, so a --path-prefix-map in OPTIONS wins), ``--cache-dir
<dir>`` when the PT2TS_CACHE_DIR cache variable is set, ``--save_path
<output>`` and ``--depfile <current binary dir>/pt2ts/<name>.d``.

With Ninja the conversions run in the job pool ``pt2ts_convert``, so that a
``-j64`` build does not start 64 processes that each hold torch (and, for a
.pt2 package, a C++ compile). Its size is the variable PT2TS_JOB_POOL_SIZE
when set (0: no pool), else the host's available memory at configure time
divided by 1.5 GB, at most its number of physical cores, at least 1. A
``pt2ts_convert`` pool the project defines itself in the global JOB_POOLS
property is used as it is. Other generators ignore job pools.

The model is reconverted exactly when something it was made from changes:
every Python file the conversion imported from outside the Python
installation (recorded by pt2ts in a depfile), the weights, the DEPENDS
files, the pt2ts tool, or the arguments of this call.

Every artifact is loaded by LibTorch before it is kept. With EXAMPLE_INPUTS
(shapes such as 1x3x224x224 or 2x16:int64, one per forward argument) or
EXAMPLE_INPUTS_FILE (tensors saved with torch.save), pt2ts also runs the
artifact in LibTorch and the eager model in Python on the same inputs and
fails the build when they differ beyond RTOL/ATOL. Files the model reads at
run time, or modules it imports dynamically later, are invisible to the
depfile: list them in DEPENDS.
#]=======================================================================]
function(pt2ts_add_torchscript name)
  if(NOT DEFINED _pt2ts_called_as)
    set(_pt2ts_called_as pt2ts_add_torchscript)
  endif()
  list(APPEND CMAKE_MESSAGE_CONTEXT "${_pt2ts_called_as}(${name})")
  set(one_value_keywords MODULE MODEL WEIGHTS STATE_KEY OUTPUT EXAMPLE_INPUTS_FILE RTOL ATOL
                         METHOD CHECK_INPUTS_FILE FORMAT DTYPE)
  set(multi_value_keywords ARGS KWARGS PYTHONPATH DEPENDS OPTIONS EXAMPLE_INPUTS CHECK_INPUTS
                           PRESERVE DYNAMIC_DIMS)
  cmake_parse_arguments(PARSE_ARGV 1 arg "FREEZE" "${one_value_keywords}" "${multi_value_keywords}")

  if(arg_UNPARSED_ARGUMENTS)
    message(FATAL_ERROR "unknown arguments: ${arg_UNPARSED_ARGUMENTS}")
  endif()
  pt2ts_check_consumer_torch()
  # A keyword without a value fails, naming it: `WEIGHTS` at the end of the
  # call or before another keyword (KEYWORDS_MISSING_VALUES), or an empty
  # one-value argument, which cmake_parse_arguments() drops silently before
  # CMake 3.31 (CMP0174). Of the multi-value keywords only EXAMPLE_INPUTS,
  # CHECK_INPUTS and DYNAMIC_DIMS must not be empty: an empty ARGS, DEPENDS...
  # means "none", as a ${list} that happens to be empty does, but an empty
  # EXAMPLE_INPUTS would silently skip the check the call asks for, and an
  # empty DYNAMIC_DIMS silently make a package that takes one shape only.
  foreach(keyword IN LISTS arg_KEYWORDS_MISSING_VALUES)
    if(NOT keyword IN_LIST multi_value_keywords
       OR keyword MATCHES "^((EXAMPLE|CHECK)_INPUTS|DYNAMIC_DIMS)$")
      message(FATAL_ERROR "${keyword} is given without a value")
    endif()
  endforeach()
  math(EXPR last_value "${ARGC} - 1")
  if(last_value GREATER_EQUAL 2)
    foreach(index RANGE 2 ${last_value})  # ARGV1 is the first keyword
      math(EXPR keyword_index "${index} - 1")
      if("${ARGV${keyword_index}}" IN_LIST one_value_keywords AND "${ARGV${index}}" STREQUAL "")
        message(FATAL_ERROR "${ARGV${keyword_index}} is given an empty value")
      endif()
    endforeach()
  endif()
  # DEFINED and STREQUAL, not if(arg_X): values such as 0 or OFF are valid.
  foreach(keyword IN ITEMS MODULE MODEL)
    if(NOT DEFINED arg_${keyword} OR arg_${keyword} STREQUAL "")
      message(FATAL_ERROR "${keyword} is required")
    endif()
  endforeach()
  if(TARGET "${name}")
    message(FATAL_ERROR "a target named '${name}' already exists")
  endif()
  list(LENGTH arg_KWARGS kwargs_count)
  math(EXPR kwargs_odd "${kwargs_count} % 2")
  if(kwargs_odd)
    message(FATAL_ERROR "KWARGS takes <key> <value> pairs, got ${kwargs_count} values: ${arg_KWARGS}")
  endif()

  # MODULE: a file or folder (resolved like the other paths) or a dotted name.
  set(module "${arg_MODULE}")
  set(module_file "")
  if(module MATCHES "(\\.py$|/)" OR EXISTS "${CMAKE_CURRENT_SOURCE_DIR}/${module}")
    get_filename_component(module "${module}" ABSOLUTE BASE_DIR "${CMAKE_CURRENT_SOURCE_DIR}")
    if(NOT EXISTS "${module}")
      message(FATAL_ERROR "MODULE file '${arg_MODULE}' does not exist (looked for ${module})")
    endif()
    if(NOT IS_DIRECTORY "${module}")
      set(module_file "${module}")
    endif()
  elseif(NOT module MATCHES "^[A-Za-z_][A-Za-z0-9_]*(\\.[A-Za-z_][A-Za-z0-9_]*)*$")
    message(FATAL_ERROR "MODULE '${module}' is neither an existing file nor a dotted module name")
  endif()

  set(command_args "${module}" "${arg_MODEL}")
  set(file_dependencies ${module_file})

  if(DEFINED arg_WEIGHTS)
    _pt2ts_input_file("WEIGHTS file" "${arg_WEIGHTS}" --state_dict command_args file_dependencies)
  endif()
  if(arg_EXAMPLE_INPUTS AND DEFINED arg_EXAMPLE_INPUTS_FILE)
    message(FATAL_ERROR "give EXAMPLE_INPUTS or EXAMPLE_INPUTS_FILE, not both")
  endif()
  foreach(spec IN LISTS arg_EXAMPLE_INPUTS)
    list(APPEND command_args --example-input "${spec}")
  endforeach()
  if(DEFINED arg_EXAMPLE_INPUTS_FILE)
    _pt2ts_input_file(EXAMPLE_INPUTS_FILE "${arg_EXAMPLE_INPUTS_FILE}" --example-inputs
                      command_args file_dependencies)
  endif()
  foreach(tolerance IN ITEMS RTOL ATOL)
    if(DEFINED arg_${tolerance})
      if(NOT arg_EXAMPLE_INPUTS AND NOT DEFINED arg_EXAMPLE_INPUTS_FILE AND NOT arg_CHECK_INPUTS
         AND NOT DEFINED arg_CHECK_INPUTS_FILE)
        message(FATAL_ERROR "${tolerance} needs EXAMPLE_INPUTS or EXAMPLE_INPUTS_FILE")
      endif()
      string(TOLOWER "${tolerance}" flag)
      list(APPEND command_args --${flag} "${arg_${tolerance}}")
    endif()
  endforeach()
  if(DEFINED arg_STATE_KEY)
    list(APPEND command_args --state_key "${arg_STATE_KEY}")
  endif()
  if(DEFINED arg_DTYPE)
    list(APPEND command_args --dtype "${arg_DTYPE}")
  endif()
  _pt2ts_capture_options(command_args file_dependencies aoti)
  foreach(dir IN LISTS arg_PYTHONPATH)
    get_filename_component(dir "${dir}" ABSOLUTE BASE_DIR "${CMAKE_CURRENT_SOURCE_DIR}")
    list(APPEND command_args --pythonpath "${dir}")
  endforeach()
  foreach(dependency IN LISTS arg_DEPENDS)
    if(TARGET "${dependency}")
      list(APPEND file_dependencies "${dependency}")  # a target to build first, not a file
      continue()
    endif()
    get_filename_component(dependency "${dependency}" ABSOLUTE BASE_DIR "${CMAKE_CURRENT_SOURCE_DIR}")
    list(APPEND file_dependencies "${dependency}")
    # pt2ts records it (SHA-256 in the metadata, listed in the depfile).
    list(APPEND command_args --depends "${dependency}")
  endforeach()
  list(LENGTH arg_ARGS args_count)
  if(args_count GREATER 0)
    list(APPEND command_args --args ${arg_ARGS})
  endif()
  if(kwargs_count GREATER 0)
    list(APPEND command_args --kwargs ${arg_KWARGS})
  endif()
  list(APPEND command_args ${arg_OPTIONS})

  # Per-configuration outputs under multi-config generators: one shared file
  # would be reconverted at every configuration switch.
  get_property(multi_config GLOBAL PROPERTY GENERATOR_IS_MULTI_CONFIG)
  set(state_dir "${CMAKE_CURRENT_BINARY_DIR}/pt2ts")
  _pt2ts_artifact_format("${arg_FORMAT}" "${arg_OUTPUT}" format extension exported)
  if(DEFINED arg_OUTPUT)
    get_filename_component(output "${arg_OUTPUT}" ABSOLUTE BASE_DIR "${CMAKE_CURRENT_BINARY_DIR}")
  elseif(multi_config)
    set(output "${CMAKE_CURRENT_BINARY_DIR}/$<CONFIG>/${name}${extension}")
  else()
    set(output "${CMAKE_CURRENT_BINARY_DIR}/${name}${extension}")
  endif()
  if(multi_config)
    set(depfile "${state_dir}/$<CONFIG>/${name}.d")
  else()
    set(depfile "${state_dir}/${name}.d")
  endif()

  get_property(known_outputs GLOBAL PROPERTY _PT2TS_OUTPUTS)
  if("${output}" IN_LIST known_outputs)
    message(FATAL_ERROR "another pt2ts_add_torchscript() call already writes ${output}; "
                        "give this one a different name or OUTPUT")
  endif()
  set_property(GLOBAL APPEND PROPERTY _PT2TS_OUTPUTS "${output}")

  # CMake 3.25's Ninja generator mis-escapes '$' in depfile paths: the model
  # would be reconverted on every build. Say so instead of failing silently.
  if(CMAKE_GENERATOR MATCHES "Ninja" AND "${CMAKE_CURRENT_BINARY_DIR};${module};${file_dependencies}" MATCHES "\\$")
    message(WARNING "a path of this model contains '$', which CMake's Ninja generator does not "
                    "escape in depfiles: the model will be reconverted on every build. Move the "
                    "project or build folder to a path without '$'.")
  endif()

  # Make does not rerun a rule whose command changed; a settings file that
  # changes with the arguments makes both generators reconvert.
  # Written verbatim (no @VAR@ substitution: it must record exactly what the
  # command passes) and only when it changes, so its time stamp moves only then.
  string(REPLACE ";" "\n" settings "${command_args}")
  _pt2ts_write_if_different("${state_dir}/${name}.settings" "${settings}\n")

  if(aoti)
    set(comment "Compiling ${arg_MODEL} into an AOTInductor package (${name})")
  else()
    set(comment "Converting ${arg_MODEL} to TorchScript (${name})")
  endif()
  _pt2ts_cache_options(cache_args)
  _pt2ts_job_pool(job_pool_args)
  add_custom_command(
    OUTPUT "${output}"
    COMMAND Pt2ts::pt2ts ${cache_args} ${command_args} --save_path "${output}" --depfile "${depfile}"
    DEPENDS Pt2ts::pt2ts "${state_dir}/${name}.settings" ${file_dependencies}
    DEPFILE "${depfile}"
    COMMENT "${comment}"
    ${job_pool_args}
    VERBATIM)
  add_custom_target("${name}" ALL DEPENDS "${output}")
  # What the target makes: the artifact's path, and its format (FORMAT, else
  # OUTPUT's extension), which pt2ts_link_models() reads.
  set_target_properties("${name}" PROPERTIES PT2TS_OUTPUT "${output}" PT2TS_FORMAT "${format}")
endfunction()

# The JOB_POOL arguments of a conversion's custom command (empty when
# PT2TS_JOB_POOL_SIZE is 0): the pool pt2ts_convert, defined in the global
# JOB_POOLS property unless the project defines it there itself. A
# conversion holds torch (300-600 MB); a .pt2 package adds a C++ compile
# (~1.5 GB in all, docs/cmake.md and BENCHMARKS.md).
function(_pt2ts_job_pool args_var)
  set(${args_var} "" PARENT_SCOPE)
  if(DEFINED PT2TS_JOB_POOL_SIZE AND PT2TS_JOB_POOL_SIZE EQUAL 0)
    return()
  endif()
  get_property(pools GLOBAL PROPERTY JOB_POOLS)
  if(NOT pools MATCHES "(^|;)pt2ts_convert=")
    if(DEFINED PT2TS_JOB_POOL_SIZE)
      if(NOT PT2TS_JOB_POOL_SIZE MATCHES "^[0-9]+$")
        message(FATAL_ERROR "PT2TS_JOB_POOL_SIZE must be a number of conversions (0: no pool), "
                            "not '${PT2TS_JOB_POOL_SIZE}'")
      endif()
      set(size ${PT2TS_JOB_POOL_SIZE})
    else()
      cmake_host_system_information(RESULT memory_mib QUERY AVAILABLE_PHYSICAL_MEMORY)
      cmake_host_system_information(RESULT cores QUERY NUMBER_OF_PHYSICAL_CORES)
      math(EXPR size "${memory_mib} / 1536")
      if(size GREATER cores)
        set(size ${cores})
      endif()
      if(size LESS 1)
        set(size 1)
      endif()
    endif()
    set_property(GLOBAL APPEND PROPERTY JOB_POOLS "pt2ts_convert=${size}")
  endif()
  set(${args_var} JOB_POOL pt2ts_convert PARENT_SCOPE)
endfunction()

# An input file named by a keyword (`what` in messages): made absolute from
# the current source folder, checked, passed to pt2ts as `flag <path>` and
# added to the dependencies.
function(_pt2ts_input_file what value flag args_var dependencies_var)
  get_filename_component(path "${value}" ABSOLUTE BASE_DIR "${CMAKE_CURRENT_SOURCE_DIR}")
  if(NOT EXISTS "${path}" OR IS_DIRECTORY "${path}")
    message(FATAL_ERROR "${what} '${value}' does not exist (looked for ${path})")
  endif()
  list(APPEND ${args_var} ${flag} "${path}")
  list(APPEND ${dependencies_var} "${path}")
  set(${args_var} "${${args_var}}" PARENT_SCOPE)
  set(${dependencies_var} "${${dependencies_var}}" PARENT_SCOPE)
endfunction()

# The artifact formats, "NAME EXTENSION CAPTURE" each, the default first: as
# tool/options/artifact_formats.def declares them (NAME, EXTENSION, EXPORTED),
# which tests/unit/option_schema_test.cpp checks this table against.
function(_pt2ts_artifact_formats out_var)
  set(${out_var} "torchscript .pt scripted" "lite .ptl scripted" "aoti .pt2 exported" PARENT_SCOPE)
endfunction()

# _pt2ts_artifact_format(<FORMAT> <OUTPUT> <name_var> <extension_var>
#                        <exported_var>): the format a call writes, as pt2ts
# chooses it: FORMAT when given (an unknown one is an error), else the one
# OUTPUT's extension names, else the default; its extension, and whether it
# is captured with torch.export (ON) or TorchScript (OFF).
function(_pt2ts_artifact_format format output name_var extension_var exported_var)
  _pt2ts_artifact_formats(formats)
  set(chosen "")
  set(names "")
  foreach(entry IN LISTS formats)
    string(REPLACE " " ";" fields "${entry}")
    list(GET fields 0 name)
    list(GET fields 1 extension)
    list(APPEND names "${name}")
    if(chosen STREQUAL "" AND (format STREQUAL name OR (format STREQUAL "" AND output MATCHES "\\${extension}$")))
      set(chosen "${entry}")
    endif()
  endforeach()
  if(chosen STREQUAL "" AND NOT format STREQUAL "")
    list(JOIN names ", " names)
    message(FATAL_ERROR "FORMAT must be one of ${names}, not '${format}'")
  endif()
  if(chosen STREQUAL "")
    list(GET formats 0 chosen)
  endif()
  string(REPLACE " " ";" fields "${chosen}")
  list(GET fields 0 name)
  list(GET fields 1 extension)
  list(GET fields 2 capture)
  set(exported OFF)
  if(capture STREQUAL "exported")
    set(exported ON)
  endif()
  set(${name_var} "${name}" PARENT_SCOPE)
  set(${extension_var} "${extension}" PARENT_SCOPE)
  set(${exported_var} "${exported}" PARENT_SCOPE)
endfunction()

# METHOD, CHECK_INPUTS(_FILE), FREEZE, PRESERVE, FORMAT and DYNAMIC_DIMS of
# the calling pt2ts_add_torchscript() (its arg_* variables, which a function
# sees): checked, and appended as pt2ts options to the lists named by
# args_var and dependencies_var; the variable named by aoti_var is set to ON
# when the output is an AOTInductor package, else OFF. Nothing else reaches
# the caller's scope.
function(_pt2ts_capture_options args_var dependencies_var aoti_var)
  if(DEFINED arg_METHOD)
    if(NOT arg_METHOD MATCHES "^(script|trace|auto)$")
      message(FATAL_ERROR "METHOD must be script, trace or auto, not '${arg_METHOD}'")
    endif()
    if(arg_METHOD STREQUAL "trace" AND NOT arg_EXAMPLE_INPUTS AND NOT DEFINED arg_EXAMPLE_INPUTS_FILE)
      message(FATAL_ERROR "METHOD trace records the model on example inputs: add EXAMPLE_INPUTS "
                          "<spec>... or EXAMPLE_INPUTS_FILE <file>")
    endif()
    list(APPEND ${args_var} --method "${arg_METHOD}")
  endif()
  foreach(spec IN LISTS arg_CHECK_INPUTS)
    list(APPEND ${args_var} --check-input "${spec}")
  endforeach()
  if(DEFINED arg_CHECK_INPUTS_FILE)
    _pt2ts_input_file(CHECK_INPUTS_FILE "${arg_CHECK_INPUTS_FILE}" --check-inputs
                      ${args_var} ${dependencies_var})
  endif()
  if(arg_PRESERVE AND NOT arg_FREEZE)
    message(FATAL_ERROR "PRESERVE names what FREEZE keeps: add FREEZE")
  endif()
  if(arg_FREEZE)
    list(APPEND ${args_var} --freeze)
  endif()
  foreach(kept IN LISTS arg_PRESERVE)
    list(APPEND ${args_var} --preserve "${kept}")
  endforeach()
  if(DEFINED arg_FORMAT)
    list(APPEND ${args_var} --format "${arg_FORMAT}")
  endif()
  # AOTInductor packages: captured by torch.export for the example inputs.
  _pt2ts_artifact_format("${arg_FORMAT}" "${arg_OUTPUT}" format extension aoti)
  if(aoti)
    if(NOT arg_EXAMPLE_INPUTS AND NOT DEFINED arg_EXAMPLE_INPUTS_FILE)
      message(FATAL_ERROR "FORMAT aoti compiles the model for the shapes of example inputs: add "
                          "EXAMPLE_INPUTS <spec>... or EXAMPLE_INPUTS_FILE <file>")
    endif()
    if(DEFINED arg_METHOD OR arg_FREEZE)
      message(FATAL_ERROR "METHOD and FREEZE apply to TorchScript files; FORMAT aoti is always "
                          "captured with torch.export and compiled by AOTInductor")
    endif()
  elseif(arg_DYNAMIC_DIMS)
    message(FATAL_ERROR "DYNAMIC_DIMS applies to AOTInductor packages: add FORMAT aoti")
  endif()
  foreach(spec IN LISTS arg_DYNAMIC_DIMS)
    # The grammar only; pt2ts checks the rest against the example inputs.
    if(NOT spec MATCHES "^[0-9]+:[0-9]+(:[0-9]+:[0-9]+)?$")
      message(FATAL_ERROR "DYNAMIC_DIMS '${spec}' is not INPUT:DIM or INPUT:DIM:MIN:MAX (e.g. "
                          "0:0:1:16: dimension 0 of argument 0 takes sizes 1 to 16)")
    endif()
    list(APPEND ${args_var} --dynamic-dim "${spec}")
  endforeach()
  set(${args_var} "${${args_var}}" PARENT_SCOPE)
  set(${dependencies_var} "${${dependencies_var}}" PARENT_SCOPE)
  set(${aoti_var} ${aoti} PARENT_SCOPE)
endfunction()

#[=======================================================================[
pt2ts_add_model(<name> ...): pt2ts_add_torchscript() under a name that fits
AOTInductor packages too; every argument is passed on unchanged.
#]=======================================================================]
function(pt2ts_add_model)
  if(ARGC EQUAL 0)
    message(FATAL_ERROR "pt2ts_add_model() needs a target name and MODULE, MODEL")
  endif()
  set(_pt2ts_called_as pt2ts_add_model)
  # Bracket arguments pass every value on exactly (empty ones, semicolons).
  set(call "pt2ts_add_torchscript(")
  math(EXPR last "${ARGC} - 1")
  foreach(index RANGE 0 ${last})
    if("${ARGV${index}}" MATCHES "\\]==\\]")
      message(FATAL_ERROR "pt2ts_add_model(): argument '${ARGV${index}}' contains ]==]")
    endif()
    string(APPEND call " [==[${ARGV${index}}]==]")
  endforeach()
  cmake_language(EVAL CODE "${call})")
endfunction()
# The conversion cache and path mapping (docs/cache.md), as
# options placed before the others (outside the settings file: they do not
# change what is converted): the top-level source folder is recorded as "."
# in artifacts, so checkouts in different folders build identical files and
# share cache entries (a --path-prefix-map in OPTIONS comes later and wins);
# the PT2TS_CACHE_DIR cache variable, when set, becomes --cache-dir (the
# environment variable works too: custom commands inherit the build's
# environment).
set(PT2TS_CACHE_DIR "" CACHE PATH "Folder of pt2ts's conversion cache (empty: the PT2TS_CACHE_DIR environment variable, or no cache)")
macro(_pt2ts_cache_options args_var)
  set(${args_var} "--path-prefix-map=${CMAKE_SOURCE_DIR}=.")
  if(NOT PT2TS_CACHE_DIR STREQUAL "")
    list(APPEND ${args_var} --cache-dir "${PT2TS_CACHE_DIR}")
  endif()
endmacro()

# Writes content to path unless the file already holds exactly that: build
# tools compare time stamps, so an unchanged file must keep its own.
function(_pt2ts_write_if_different path content)
  if(EXISTS "${path}")
    file(READ "${path}" previous)
    if(previous STREQUAL content)
      return()
    endif()
  endif()
  file(WRITE "${path}" "${content}")
endfunction()

cmake_policy(POP)

# pt2ts_check_consumer_torch(): warnings, once per configure, about the
# LibTorch the project found (find_package(Torch)): its libraries coming from
# two LibTorch builds (see Pt2tsTorchLibraries.cmake), or its version being
# another than the torch pt2ts converts with (PT2TS_TORCH_VERSION, recorded
# by pt2ts's build): an artifact written by a newer torch may not load in an
# older LibTorch. Called by find_package(Pt2ts) (then and at the end of the
# top-level CMakeLists.txt) and by every pt2ts_add_torchscript().
function(pt2ts_check_consumer_torch)
  if(NOT DEFINED Torch_VERSION)
    return()
  endif()
  get_property(checked GLOBAL PROPERTY _PT2TS_CHECKED_CONSUMER_TORCH)
  if(checked)
    return()
  endif()
  set_property(GLOBAL PROPERTY _PT2TS_CHECKED_CONSUMER_TORCH ON)
  pt2ts_torch_library_folders(folders)
  list(LENGTH folders count)
  if(count GREATER 1)
    pt2ts_torch_library_files(files)
    list(JOIN files "\n  " files)
    message(WARNING "this project's LibTorch (${Torch_DIR}) mixes the libraries of two LibTorch "
                    "builds; the program will not link or will crash:\n  ${files}\n"
                    "Call find_package(Pt2ts) before find_package(Torch), or put the folder that "
                    "holds the wheel's lib/libtorch_cpu.so first in CMAKE_PREFIX_PATH.")
  endif()
  if(NOT DEFINED PT2TS_TORCH_VERSION OR Torch_VERSION VERSION_EQUAL PT2TS_TORCH_VERSION)
    return()
  endif()
  message(WARNING "pt2ts converts with torch ${PT2TS_TORCH_VERSION}, but this project links "
                  "LibTorch ${Torch_VERSION} (${Torch_DIR}): an artifact written by a newer torch "
                  "may not load in an older LibTorch. Point CMAKE_PREFIX_PATH or Torch_DIR at the "
                  "LibTorch of the torch pt2ts was built with, or build pt2ts against this one.")
endfunction()
