# Chooses the Python interpreter pt2ts embeds: the first candidate that can
# `import torch`. On Debian machines with another python3 first on PATH (pyenv,
# a venv without torch) the plain find_package(Python) would pick that one and
# the converter would fail at run time, so we try candidates ourselves.
#
# Honours -DPython_EXECUTABLE=... when given; stops with a clear message when
# the chosen interpreter cannot import torch.

# What the interpreter's torch is, one line each: its version, Python's
# major and minor version, torch.utils.cmake_prefix_path (where a pip wheel
# keeps its LibTorch CMake package; Debian's python3-torch names a folder
# that does not exist), and the libtorch_cpu file `import torch` loaded
# (read from the process's own memory map: the file, not a guess at a path),
# the folder of the base interpreter (what a virtual environment's
# pyvenv.cfg calls `home`), and 1 when torch comes from a virtual environment.
# The last line, "end", keeps empty values from being stripped.
set(_pt2ts_torch_probe [=[
import os, sys, torch
print(torch.__version__)
print(sys.version_info[0], sys.version_info[1])
print(getattr(torch.utils, "cmake_prefix_path", ""))
with open("/proc/self/maps") as maps:
    print(next((l.split(None, 5)[5].strip() for l in maps if "/libtorch_cpu." in l), ""))
print(os.path.dirname(os.path.realpath(getattr(sys, "_base_executable", sys.executable))))
print(int(sys.prefix != sys.base_prefix))
print("end")
]=])

function(_pt2ts_python_imports_torch python out_var)
  execute_process(
    COMMAND "${python}" -c "${_pt2ts_torch_probe}"
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
  list(GET _pt2ts_torch_info 2 PT2TS_PYTHON_TORCH_CMAKE_PREFIX)
  list(GET _pt2ts_torch_info 3 PT2TS_PYTHON_LIBTORCH_CPU)
  list(GET _pt2ts_torch_info 4 PT2TS_PYTHON_HOME)
  list(GET _pt2ts_torch_info 5 PT2TS_PYTHON_IS_VENV)
  # How a user makes another environment pt2ts can embed (--python): from
  # the same base interpreter, seeing the same torch.
  if(PT2TS_PYTHON_IS_VENV)
    # pip pins the public version: 2.13.0 of 2.13.0+cpu.
    string(REGEX REPLACE "[+].*" "" _pt2ts_torch_public "${PT2TS_PYTHON_TORCH_VERSION}")
    set(PT2TS_VENV_RECIPE "${PT2TS_PYTHON_HOME}/python3 -m venv DIR, then DIR/bin/pip install torch==${_pt2ts_torch_public}")
  else()
    set(PT2TS_VENV_RECIPE "${PT2TS_PYTHON_HOME}/python3 -m venv --system-site-packages DIR")
  endif()
  message(STATUS "pt2ts: Python ${Python_VERSION} at ${Python_EXECUTABLE}, torch ${PT2TS_PYTHON_TORCH_VERSION}")
endmacro()
