# pt2ts_find_torch()
#
# Finds the LibTorch pt2ts links: the one of the interpreter chosen by
# pt2ts_select_python(), so that the library that checks artifacts in C++ and
# the torch the engine imports are the same files (two different libtorch
# builds in one process crash). Call it after pt2ts_select_python().
#
# - With no LibTorch location given, a pip wheel's own CMake package
#   (torch.utils.cmake_prefix_path, which exists in wheels and not in
#   Debian's python3-torch) is searched first; Debian's libtorch-dev is found
#   where it is installed, as before.
# - A Torch_DIR or CMAKE_PREFIX_PATH of the user's comes first. When it names
#   another LibTorch than the interpreter's torch loads, the configure stops
#   naming both and the ways out.
# The comparison is between files: the libtorch_cpu the package's imported
# target names and the one `import torch` mapped into memory, both resolved
# through their symbolic links; and between the package's version (its
# headers) and torch's.
include(Pt2tsTorchLibraries)

macro(pt2ts_find_torch)
  set(PT2TS_TORCH_PREFIXES "")  # the wheel's, for the package config
  if(PT2TS_PYTHON_TORCH_CMAKE_PREFIX AND EXISTS "${PT2TS_PYTHON_TORCH_CMAKE_PREFIX}/Torch/TorchConfig.cmake")
    # Appended: a user's own CMAKE_PREFIX_PATH entries are searched first.
    # The package's root (the folder holding lib/libtorch_cpu.so) goes in
    # too: TorchConfig looks for libtorch.so with a plain find_library(),
    # which would otherwise take a system libtorch-dev's before the wheel's.
    # Not where the user names another package with Torch_DIR: that
    # package's own find_library() calls would then take the wheel's files.
    get_filename_component(_pt2ts_torch_root "${PT2TS_PYTHON_LIBTORCH_CPU}" DIRECTORY)
    get_filename_component(_pt2ts_torch_root "${_pt2ts_torch_root}" DIRECTORY)
    set(PT2TS_TORCH_PREFIXES "${PT2TS_PYTHON_TORCH_CMAKE_PREFIX}" "${_pt2ts_torch_root}")
    set(_pt2ts_other_torch_dir OFF)
    if(Torch_DIR)
      file(REAL_PATH "${Torch_DIR}" _pt2ts_theirs)
      file(REAL_PATH "${PT2TS_PYTHON_TORCH_CMAKE_PREFIX}/Torch" _pt2ts_ours)
      if(NOT _pt2ts_theirs STREQUAL _pt2ts_ours)
        set(_pt2ts_other_torch_dir ON)
      endif()
    endif()
    if(NOT _pt2ts_other_torch_dir)
      list(APPEND CMAKE_PREFIX_PATH ${PT2TS_TORCH_PREFIXES})
      _pt2ts_find_cuda_toolkit()
    endif()
  endif()
  find_package(Torch REQUIRED)
  _pt2ts_check_torch_is_pythons()
  message(STATUS "pt2ts: LibTorch ${Torch_VERSION} from ${Torch_DIR} (${PT2TS_LIBTORCH_CPU})")
endmacro()

# Sets PT2TS_LIBTORCH_CPU to the libtorch_cpu file pt2ts links (symbolic
# links resolved), or leaves it empty when the package names none.
function(_pt2ts_check_torch_is_pythons)
  set(PT2TS_LIBTORCH_CPU "" PARENT_SCOPE)
  if(NOT TARGET torch_cpu)
    return()
  endif()
  pt2ts_torch_library_files(files)
  list(FILTER files INCLUDE REGEX "/libtorch_cpu[.]")
  if(NOT files)
    return()
  endif()
  list(GET files 0 linked_real)
  set(PT2TS_LIBTORCH_CPU "${linked_real}" PARENT_SCOPE)
  if(NOT PT2TS_PYTHON_LIBTORCH_CPU)
    message(STATUS "pt2ts: cannot tell which libtorch_cpu ${Python_EXECUTABLE} loads; "
                   "not comparing it with LibTorch ${Torch_VERSION}")
    return()
  endif()
  file(REAL_PATH "${PT2TS_PYTHON_LIBTORCH_CPU}" python_real)
  # The package's other libraries must come from the same folder.
  pt2ts_torch_library_folders(folders)
  list(LENGTH folders count)
  if(count GREATER 1)
    pt2ts_torch_library_files(files)
    list(JOIN files ", " files)
    set(linked_real "${files}")
  endif()
  # And the headers: the package's version is the torch version's release
  # (1.13.0 of Debian's 1.13.0a0, 2.13.0 of 2.13.0+cpu).
  string(REGEX MATCH "^[0-9]+[.][0-9]+[.][0-9]+" python_release "${PT2TS_PYTHON_TORCH_VERSION}")
  string(REGEX MATCH "^[0-9]+[.][0-9]+[.][0-9]+" package_release "${Torch_VERSION}")
  if(linked_real STREQUAL python_real AND python_release STREQUAL package_release)
    return()
  endif()
  set(hint "")
  if(PT2TS_PYTHON_TORCH_CMAKE_PREFIX AND EXISTS "${PT2TS_PYTHON_TORCH_CMAKE_PREFIX}/Torch/TorchConfig.cmake")
    set(hint "  -DTorch_DIR=${PT2TS_PYTHON_TORCH_CMAKE_PREFIX}/Torch (the interpreter's own LibTorch)\n")
  endif()
  message(FATAL_ERROR
    "pt2ts: LibTorch and the Python interpreter's torch are different builds:\n"
    "  LibTorch ${Torch_VERSION}: ${linked_real} (from ${Torch_DIR})\n"
    "  torch ${PT2TS_PYTHON_TORCH_VERSION} of ${Python_EXECUTABLE}: ${python_real}\n"
    "pt2ts loads both into one process, so they must be the same files. Either configure a "
    "fresh build folder without a Torch_DIR or CMAKE_PREFIX_PATH naming another LibTorch:\n"
    "${hint}"
    "  or pick the interpreter whose torch is that LibTorch with -DPython_EXECUTABLE=...")
endfunction()

# A CUDA build of the wheel (libtorch_cuda beside libtorch_cpu): its CMake
# package asks for a CUDA toolkit even to link for the CPU (pytorch#73427).
# Its old FindCUDA guesses the toolkit from the folder above the first nvcc
# on PATH, which is wrong for a wrapper script or a symbolic link, so the
# toolkit is located with CMake's FindCUDAToolkit (which asks nvcc itself)
# and handed over. A toolkit without libnvrtc.so (only the development
# symbolic link is missing, or the whole library) gets the wheel's own
# libnvrtc, the file libtorch_cuda loads anyway.
function(_pt2ts_find_cuda_toolkit)
  get_filename_component(torch_lib "${PT2TS_PYTHON_LIBTORCH_CPU}" DIRECTORY)
  if(NOT EXISTS "${torch_lib}/libtorch_cuda.so")
    return()
  endif()
  execute_process(COMMAND "${Python_EXECUTABLE}" -c "import torch; print(torch.version.cuda or '')"
                  OUTPUT_VARIABLE wheel_cuda OUTPUT_STRIP_TRAILING_WHITESPACE ERROR_QUIET)
  if(NOT CUDA_TOOLKIT_ROOT_DIR)
    find_package(CUDAToolkit QUIET)
    if(NOT CUDAToolkit_FOUND)
      message(FATAL_ERROR
        "pt2ts: torch ${PT2TS_PYTHON_TORCH_VERSION} of ${Python_EXECUTABLE} is a CUDA build "
        "(CUDA ${wheel_cuda}), and its LibTorch CMake package needs a CUDA toolkit even to build "
        "for the CPU: no nvcc was found. Install the CUDA ${wheel_cuda} toolkit (nvcc, headers, "
        "libcudart) and put its bin/ on PATH or pass -DCUDA_TOOLKIT_ROOT_DIR=<toolkit>, or use a "
        "CPU wheel (pip install torch --index-url https://download.pytorch.org/whl/cpu).")
    endif()
    get_filename_component(root "${CUDAToolkit_BIN_DIR}" DIRECTORY)
    set(CUDA_TOOLKIT_ROOT_DIR "${root}" CACHE PATH "CUDA toolkit for the CUDA build of LibTorch")
    message(STATUS "pt2ts: torch is a CUDA ${wheel_cuda} build; CUDA toolkit ${CUDAToolkit_VERSION} at ${root}")
  endif()
  find_library(CUDA_nvrtc_LIBRARY nvrtc HINTS "${CUDA_TOOLKIT_ROOT_DIR}" PATH_SUFFIXES lib64 lib lib/x64)
  if(NOT CUDA_nvrtc_LIBRARY)
    get_filename_component(site_packages "${torch_lib}/../.." ABSOLUTE)
    file(GLOB nvrtc "${site_packages}/nvidia/*/lib/libnvrtc.so.[0-9]*")
    list(FILTER nvrtc EXCLUDE REGEX "builtins|alt")
    if(NOT nvrtc)
      message(FATAL_ERROR
        "pt2ts: torch ${PT2TS_PYTHON_TORCH_VERSION} is a CUDA build; its CMake package needs "
        "libnvrtc.so, which neither the CUDA toolkit at ${CUDA_TOOLKIT_ROOT_DIR} nor the wheel's "
        "nvidia-* packages in ${site_packages} have: install the toolkit's NVRTC (cuda-nvrtc-dev) "
        "or pass -DCUDA_nvrtc_LIBRARY=<libnvrtc.so>.")
    endif()
    list(GET nvrtc 0 nvrtc)
    set(CUDA_nvrtc_LIBRARY "${nvrtc}" CACHE FILEPATH "libnvrtc for the CUDA build of LibTorch" FORCE)
    message(STATUS "pt2ts: the CUDA toolkit has no libnvrtc.so; using the wheel's ${nvrtc}")
  endif()
endfunction()
