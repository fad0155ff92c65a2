# Chooses the Python interpreter pt2ts embeds: the first candidate that can
# `import torch`. On Debian machines with another python3 first on PATH (pyenv,
# a venv without torch) the plain find_package(Python) would pick that one and
# the converter would fail at run time, so we try candidates ourselves.
#
# Honours -DPython_EXECUTABLE=... when given; stops with a clear message when
# the chosen interpreter cannot import torch.

function(_pt2ts_python_imports_torch python out_var)
  execute_process(
    COMMAND "${python}" -c "import torch, sys; print(torch.__version__); print(sys.version_info[0], sys.version_info[1])"
    RESULT_VARIABLE result
    OUTPUT_VARIABLE output
    ERROR_VARIABLE error
    OUTPUT_STRIP_TRAILING_WHITESPACE)
  if(result EQUAL 0)
    set(${out_var} TRUE PARENT_SCOPE)
    set(${out_var}_OUTPUT "${output}" PARENT_SCOPE)
  else()
    set(${out_var} FALSE PARENT_SCOPE)
    string(STRIP "${error}" error)
    set(${out_var}_OUTPUT "${error}" PARENT_SCOPE)
  endif()
endfunction()

macro(pt2ts_select_python)
  if(NOT Python_EXECUTABLE)
    set(_pt2ts_candidates)
    find_program(_pt2ts_path_python NAMES python3 NO_CACHE)
    if(_pt2ts_path_python)
      list(APPEND _pt2ts_candidates "${_pt2ts_path_python}")
    endif()
    list(APPEND _pt2ts_candidates /usr/bin/python3 /usr/local/bin/python3)
    list(REMOVE_DUPLICATES _pt2ts_candidates)
    foreach(_pt2ts_candidate IN LISTS _pt2ts_candidates)
      if(EXISTS "${_pt2ts_candidate}")
        _pt2ts_python_imports_torch("${_pt2ts_candidate}" _pt2ts_ok)
        if(_pt2ts_ok)
          set(Python_EXECUTABLE "${_pt2ts_candidate}" CACHE FILEPATH
              "Python interpreter pt2ts embeds (must be able to import torch)")
          message(STATUS "pt2ts: using ${_pt2ts_candidate} (imports torch)")
          break()
        else()
          message(STATUS "pt2ts: skipping ${_pt2ts_candidate}: cannot import torch")
        endif()
      endif()
    endforeach()
  endif()

  find_package(Python 3.8 REQUIRED COMPONENTS Interpreter Development.Embed)

  _pt2ts_python_imports_torch("${Python_EXECUTABLE}" _pt2ts_ok)
  if(NOT _pt2ts_ok)
    message(FATAL_ERROR
      "pt2ts: the Python interpreter ${Python_EXECUTABLE} cannot `import torch`:\n"
      "  ${_pt2ts_ok_OUTPUT}\n"
      "Install torch for it (Debian: apt-get install python3-torch) or point the "
      "build at an interpreter that has it, e.g.\n"
      "  cmake -DPython_EXECUTABLE=/usr/bin/python3 ...")
  endif()
  string(REPLACE "\n" ";" _pt2ts_torch_info "${_pt2ts_ok_OUTPUT}")
  list(GET _pt2ts_torch_info 0 PT2TS_PYTHON_TORCH_VERSION)
  message(STATUS "pt2ts: Python ${Python_VERSION} at ${Python_EXECUTABLE}, torch ${PT2TS_PYTHON_TORCH_VERSION}")
endmacro()
