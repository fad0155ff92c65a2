# pt2ts_link_models() and pt2ts_install_models(): a program uses the models
# pt2ts_add_model() builds in one line, by path or embedded in the binary,
# and an installed (and moved) program finds its installed models.
#
# Included by Pt2tsConfig.cmake (find_package(Pt2ts)) and by pt2ts's own
# CMakeLists.txt (add_subdirectory / FetchContent); both provide the
# interface target Pt2ts::runtime (<pt2ts/runtime.h>, <pt2ts/model_path.h>)
# and set PT2TS_TORCH_DIR, the LibTorch pt2ts was built against.

include_guard(GLOBAL)
include("${CMAKE_CURRENT_LIST_DIR}/Pt2tsFunctions.cmake")  # pt2ts_add_model()
include("${CMAKE_CURRENT_LIST_DIR}/Pt2tsTorchCxxStandard.cmake")

cmake_policy(PUSH)
cmake_policy(VERSION 3.20)

#[=======================================================================[
pt2ts_link_models(<target> <model>... [EMBED])

Lets <target> (an executable or a library of this project) use the models
made by pt2ts_add_model() / pt2ts_add_torchscript() calls named <model>...
(made before this call):

- <target> is built after the models; with EMBED its object holding the
  bytes is rebuilt, and <target> relinked, whenever a model is reconverted.
- <target> links LibTorch, with the C++ standard its headers need: the
  project's own (find_package(Torch) before this call), else the one pt2ts
  was built against (found here; a project needs no find_package(Torch)).
  A LibTorch of another version than pt2ts converts with is a configure
  warning naming both. Also links Pt2ts::runtime (<pt2ts/runtime.h>).
- <target> gets one generated header per model,
  #include <pt2ts_models/<model>.h>, declaring in namespace
  pt2ts_models::<identifier>:
    const char* path();           // the artifact: the build tree's, or the
                                  // installed one (pt2ts_install_models())
    const char* format();         // "torchscript", "lite" or "aoti" (the
                                  // model's PT2TS_FORMAT property)
    std::string_view bytes();     // EMBED only: the artifact, linked in
  <identifier> is the model's name with every character other than a
  letter, digit or '_' replaced by '_', a '_' put before a leading digit
  (string(MAKE_C_IDENTIFIER)), and a '_' after a C++ keyword: model
  `pattern-net` is pt2ts_models::pattern_net, `3d` is pt2ts_models::_3d,
  `new` is pt2ts_models::new_.

EMBED puts the bytes in through the assembler (.incbin in a generated
source, read-only section, 64-byte alignment), never as a C array: a
50 MB model costs about as much build time as copying it. AOTInductor
packages (.pt2) cannot be embedded: upstream's loader
(AOTIModelPackageLoader) reads packages from a file only, and extracts the
compiled library from it to load it with dlopen(); EMBED of a model of
FORMAT aoti is a configure error. Per-configuration artifacts of multi-config generators
get per-configuration headers and embedded bytes.

Mistakes are configure errors: <target> not a target, or not an executable
or library; a <model> that is not a target made by pt2ts_add_model(); no
model; a model linked twice into <target>; EMBED given twice; EMBED of a .pt2.
#]=======================================================================]
function(pt2ts_link_models target)
  list(APPEND CMAKE_MESSAGE_CONTEXT "pt2ts_link_models(${target})")
  set(models "")
  set(embed OFF)
  foreach(argument IN LISTS ARGN)
    if(argument STREQUAL "EMBED")
      if(embed)
        message(FATAL_ERROR "EMBED is given twice")
      endif()
      set(embed ON)
    else()
      list(APPEND models "${argument}")
    endif()
  endforeach()
  if(NOT TARGET "${target}")
    message(FATAL_ERROR "'${target}' is not a target: create it with add_executable() or "
                        "add_library() before linking models into it")
  endif()
  get_target_property(type "${target}" TYPE)
  get_target_property(imported "${target}" IMPORTED)
  if(imported)
    message(FATAL_ERROR "'${target}' is an imported target: models link into an executable or "
                        "a library built by this project")
  endif()
  if(NOT type MATCHES "^(EXECUTABLE|STATIC_LIBRARY|SHARED_LIBRARY|MODULE_LIBRARY|OBJECT_LIBRARY)$")
    message(FATAL_ERROR "'${target}' is a target of type ${type}: models link into an "
                        "executable or a library built by this project")
  endif()
  if(NOT models)
    message(FATAL_ERROR "no model given: name targets made by pt2ts_add_model()")
  endif()
  # Every mistake is reported before anything is added to the target.
  string(MAKE_C_IDENTIFIER "${target}" target_id)
  get_target_property(linked "${target}" _PT2TS_LINKED_MODELS)
  if(NOT linked)
    set(linked "")
  endif()
  foreach(model IN LISTS models)
    _pt2ts_require_model("${model}")
    _pt2ts_model_identifier("${model}" id)
    if(id IN_LIST linked)
      message(FATAL_ERROR "model '${model}' (pt2ts_models::${id}) is already linked into "
                          "'${target}'")
    endif()
    list(APPEND linked "${id}")
    get_target_property(output "${model}" PT2TS_OUTPUT)
    get_target_property(format "${model}" PT2TS_FORMAT)
    if(embed AND format STREQUAL "aoti")
      message(FATAL_ERROR "model '${model}' is an AOTInductor package (.pt2), which cannot be "
                          "embedded: upstream's AOTIModelPackageLoader loads packages from a file "
                          "only (it extracts the compiled library and dlopen()s it). Link it "
                          "without EMBED and install it with pt2ts_install_models().")
    endif()
    if(embed AND output MATCHES "[\"\\\\]")
      message(FATAL_ERROR "model '${model}': EMBED cannot name '${output}' to the assembler "
                          "(a path with '\"' or '\\'); give it another OUTPUT")
    endif()
  endforeach()

  _pt2ts_link_libtorch("${target}")
  get_property(multi_config GLOBAL PROPERTY GENERATOR_IS_MULTI_CONFIG)
  set(generated "${CMAKE_CURRENT_BINARY_DIR}/pt2ts_models/${target}")
  set(include_dir "${generated}/include")
  if(multi_config)
    set(include_dir "${generated}/$<CONFIG>/include")
  endif()
  target_include_directories("${target}" PRIVATE "${include_dir}")
  target_link_libraries("${target}" PRIVATE Pt2ts::runtime)
  foreach(model IN LISTS models)
    _pt2ts_model_identifier("${model}" id)
    add_dependencies("${target}" "${model}")
    get_target_property(output "${model}" PT2TS_OUTPUT)
    get_target_property(format "${model}" PT2TS_FORMAT)
    set(symbol "pt2ts_embedded_${target_id}_${id}")
    if(embed)
      _pt2ts_embed_model("${target}" "${model}" "${symbol}" "${output}" "${generated}"
                         ${multi_config})
    endif()
    _pt2ts_model_header("${target}" "${model}" "${id}" "${symbol}" "${format}" ${embed}
                        "${include_dir}")
  endforeach()
  set_target_properties("${target}" PROPERTIES _PT2TS_LINKED_MODELS "${linked}")
endfunction()

#[=======================================================================[
pt2ts_install_models(<model>... DESTINATION <dir> [COMPONENT <component>])

Installs the artifacts of the models made by pt2ts_add_model() into <dir>
(relative to the install prefix, as install(FILES) takes it; each
configuration's own artifact under multi-config generators), and records
where they go relative to the installed executables, which are taken to be
in ${CMAKE_INSTALL_BINDIR} (bin when GNUInstallDirs is not included). path()
of a program linked with pt2ts_link_models() then finds an installed model
from the running executable's folder, also after the install tree is moved.
An absolute <dir> is recorded as it is (not relocatable).

Mistakes are configure errors: no model, a <model> that is not a target made
by pt2ts_add_model(), DESTINATION missing or empty, a model installed twice.
#]=======================================================================]
function(pt2ts_install_models)
  list(APPEND CMAKE_MESSAGE_CONTEXT "pt2ts_install_models")
  cmake_parse_arguments(PARSE_ARGV 0 arg "" "DESTINATION;COMPONENT" "")
  if(NOT DEFINED arg_DESTINATION OR arg_DESTINATION STREQUAL "")
    message(FATAL_ERROR "DESTINATION <dir> is required: the folder, relative to the install "
                        "prefix, that receives the models (e.g. share/<project>)")
  endif()
  if(NOT arg_UNPARSED_ARGUMENTS)
    message(FATAL_ERROR "no model given: name targets made by pt2ts_add_model()")
  endif()
  set(component "")
  if(DEFINED arg_COMPONENT)
    set(component COMPONENT "${arg_COMPONENT}")
  endif()
  set(bindir bin)
  if(CMAKE_INSTALL_BINDIR)
    set(bindir "${CMAKE_INSTALL_BINDIR}")
  endif()
  foreach(model IN LISTS arg_UNPARSED_ARGUMENTS)
    _pt2ts_require_model("${model}")
    get_target_property(installed "${model}" PT2TS_INSTALLED_PATH)
    if(installed)
      message(FATAL_ERROR "model '${model}' is already installed (to ${installed}, relative to "
                          "the executables' folder)")
    endif()
    get_target_property(output "${model}" PT2TS_OUTPUT)
    get_filename_component(name "${output}" NAME)
    install(FILES "$<TARGET_GENEX_EVAL:${model},$<TARGET_PROPERTY:${model},PT2TS_OUTPUT>>"
            DESTINATION "${arg_DESTINATION}" ${component})
    if(IS_ABSOLUTE "${arg_DESTINATION}")
      set(installed "${arg_DESTINATION}/${name}")
    else()
      # Both relative to the prefix: the path from one to the other.
      file(RELATIVE_PATH installed "/prefix/${bindir}" "/prefix/${arg_DESTINATION}/${name}")
    endif()
    set_target_properties("${model}" PROPERTIES PT2TS_INSTALLED_PATH "${installed}")
  endforeach()
endfunction()

# Fails unless name is a model target (it has PT2TS_OUTPUT).
function(_pt2ts_require_model name)
  if(TARGET "${name}")
    get_target_property(output "${name}" PT2TS_OUTPUT)
  endif()
  if(NOT TARGET "${name}" OR NOT output)
    message(FATAL_ERROR "'${name}' is not a model: name a target made by pt2ts_add_model() or "
                        "pt2ts_add_torchscript(), called before this")
  endif()
endfunction()

# The C++ identifier of a model's namespace (see pt2ts_link_models()).
function(_pt2ts_model_identifier name out_var)
  string(MAKE_C_IDENTIFIER "${name}" id)
  set(keywords alignas alignof and and_eq asm auto bitand bitor bool break case catch char
      char8_t char16_t char32_t class compl concept const consteval constexpr constinit
      const_cast continue co_await co_return co_yield decltype default delete do double
      dynamic_cast else enum explicit export extern false float for friend goto if inline int
      long mutable namespace new noexcept not not_eq nullptr operator or or_eq private
      protected public register reinterpret_cast requires return short signed sizeof static
      static_assert static_cast struct switch template this thread_local throw true try
      typedef typeid typename union unsigned using virtual void volatile wchar_t while xor
      xor_eq)
  if(id IN_LIST keywords)
    string(APPEND id "_")
  endif()
  set(${out_var} "${id}" PARENT_SCOPE)
endfunction()

# Links LibTorch into target with the standard its headers need: the
# project's (a `torch` target visible here), else the one pt2ts was built
# against, found here (its imported targets then belong to this folder).
function(_pt2ts_link_libtorch target)
  if(NOT TARGET torch)
    set(hints "")
    if(PT2TS_TORCH_DIR)
      set(hints HINTS "${PT2TS_TORCH_DIR}")
    endif()
    find_package(Torch REQUIRED ${hints})
    # Its variables end with this function: later calls in this folder
    # read the libraries from here.
    set_property(DIRECTORY PROPERTY _PT2TS_TORCH_LIBRARIES "${TORCH_LIBRARIES}")
  endif()
  if(DEFINED Torch_VERSION)
    pt2ts_check_consumer_torch()
  endif()
  set(libraries ${TORCH_LIBRARIES})
  if(NOT libraries)
    get_property(libraries DIRECTORY PROPERTY _PT2TS_TORCH_LIBRARIES)
  endif()
  if(NOT libraries)
    set(libraries torch)
  endif()
  target_link_libraries("${target}" PRIVATE ${libraries})
  pt2ts_torch_cxx_standard(standard)
  target_compile_features("${target}" PRIVATE cxx_std_${standard})
  # An installed program still finds a LibTorch outside the system folders
  # (a pip wheel's torch/lib): its folder goes in the install RPATH.
  get_target_property(rpath_set "${target}" INSTALL_RPATH_USE_LINK_PATH)
  if(NOT rpath_set)
    set_target_properties("${target}" PROPERTIES INSTALL_RPATH_USE_LINK_PATH ON)
  endif()
endfunction()

# Writes <include_dir>/pt2ts_models/<model>.h (one per configuration under
# multi-config generators, as include_dir holds $<CONFIG>).
function(_pt2ts_model_header target model id symbol format embed include_dir)
  set(build_folder "")
  get_target_property(type "${target}" TYPE)
  if(type STREQUAL "EXECUTABLE")
    set(build_folder "$<TARGET_FILE_DIR:${target}>")
  endif()
  set(artifact "$<TARGET_GENEX_EVAL:${model},$<TARGET_PROPERTY:${model},PT2TS_OUTPUT>>")
  set(installed "$<TARGET_PROPERTY:${model},PT2TS_INSTALLED_PATH>")
  set(embedded_declarations "")
  set(embedded_functions "")
  if(embed)
    string(CONCAT embedded_declarations
      "#include <cstddef>\n#include <string_view>\n\n"
      "extern \"C\" const char ${symbol}_begin[];\n"
      "extern \"C\" const char ${symbol}_end[];\n")
    string(CONCAT embedded_functions
      "\n// The artifact's bytes, linked into the program (pt2ts_link_models(... EMBED)).\n"
      "inline std::string_view bytes() {\n"
      "  return std::string_view(${symbol}_begin,\n"
      "                          static_cast<std::size_t>(${symbol}_end - ${symbol}_begin));\n"
      "}\n")
  endif()
  string(CONCAT content
    "// Generated by pt2ts_link_models(${target} ...) for model '${model}'. Do not edit.\n"
    "#pragma once\n\n"
    "#include <string>\n\n"
    "#include <pt2ts/model_path.h>\n"
    "${embedded_declarations}"
    "\nnamespace pt2ts_models {\nnamespace ${id} {\n\n"
    "// The artifact: the build tree's, or for an installed program the one\n"
    "// pt2ts_install_models() put beside it (docs/cmake.md, \"Where path() looks\").\n"
    "inline const char* path() {\n"
    "  static const std::string resolved = ::pt2ts::detail::ResolveModelPath(\n"
    "      R\"pt2ts(${artifact})pt2ts\",\n"
    "      R\"pt2ts(${build_folder})pt2ts\",\n"
    "      R\"pt2ts(${installed})pt2ts\");\n"
    "  return resolved.c_str();\n"
    "}\n\n"
    "// \"torchscript\" (torch::jit::load), \"lite\" (torch::jit::_load_for_mobile) or\n"
    "// \"aoti\" (torch::inductor::AOTIModelPackageLoader).\n"
    "inline const char* format() { return \"${format}\"; }\n"
    "${embedded_functions}"
    "\n}  // namespace ${id}\n}  // namespace pt2ts_models\n")
  file(GENERATE OUTPUT "${include_dir}/pt2ts_models/${model}.h" CONTENT "${content}")
endfunction()

# EMBED: a generated C++ source whose top-level asm() .incbin's the artifact
# (one per configuration under multi-config generators), added to target and
# recompiled when the artifact changes. A C++ source rather than a .S file:
# enable_language(ASM) cannot be called from a function, and the consumer
# need not enable it. ccache refuses to cache sources using .incbin.
function(_pt2ts_embed_model target model symbol output generated multi_config)
  set(configurations "")
  if(multi_config)
    set(configurations ${CMAKE_CONFIGURATION_TYPES})
  endif()
  set(source_template "${generated}/$<CONFIG>/${symbol}.cpp")
  if(NOT multi_config)
    set(source_template "${generated}/${symbol}.cpp")
  endif()
  set(artifact "$<TARGET_GENEX_EVAL:${model},$<TARGET_PROPERTY:${model},PT2TS_OUTPUT>>")
  string(CONCAT content
    "// Generated by pt2ts_link_models(${target} ... EMBED): the bytes of model\n"
    "// '${model}', put into a read-only section by the assembler. Do not edit.\n"
    "__asm__(\n"
    "    \".section .rodata.${symbol},\\\"a\\\"\\n\"\n"
    "    \".balign 64\\n\"\n"
    "    \".globl ${symbol}_begin\\n\"\n"
    "    \".hidden ${symbol}_begin\\n\"\n"
    "    \"${symbol}_begin:\\n\"\n"
    "    \".incbin \\\"${artifact}\\\"\\n\"\n"
    "    \".globl ${symbol}_end\\n\"\n"
    "    \".hidden ${symbol}_end\\n\"\n"
    "    \"${symbol}_end:\\n\"\n"
    "    \".byte 0\\n\"\n"
    "    \".previous\\n\");\n")
  file(GENERATE OUTPUT "${source_template}" CONTENT "${content}")
  if(NOT multi_config)
    set(configurations "-")
  endif()
  foreach(configuration IN LISTS configurations)
    if(multi_config)
      set(source "${generated}/${configuration}/${symbol}.cpp")
      string(REPLACE "$<CONFIG>" "${configuration}" artifact "${output}")
      target_sources("${target}" PRIVATE "$<$<CONFIG:${configuration}>:${source}>")
    else()
      set(source "${generated}/${symbol}.cpp")
      set(artifact "${output}")
      target_sources("${target}" PRIVATE "${source}")
    endif()
    if(artifact MATCHES "\\$<")
      message(FATAL_ERROR "model '${model}': EMBED needs an OUTPUT without generator "
                          "expressions, not '${output}'")
    endif()
    # The object (and so the program) is rebuilt when the model is reconverted.
    set_source_files_properties("${source}" TARGET_DIRECTORY "${target}" PROPERTIES
      GENERATED TRUE OBJECT_DEPENDS "${artifact}")
  endforeach()
endfunction()

cmake_policy(POP)
