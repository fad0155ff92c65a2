# pt2ts_torch_library_files(<variable>)
#
# Sets <variable> to the files (symbolic links resolved) of every libtorch*
# and libc10* library the found Torch package links, from TORCH_LIBRARIES
# and its imported targets. Call it after find_package(Torch).
#
# Used to check that they are one LibTorch: TorchConfig finds some of them
# with plain find_library() calls, which search the system folders before
# the package's own, so on a machine with Debian's libtorch-dev a pip
# wheel's package can come back with Debian's libtorch.so or libc10.so in it.
function(pt2ts_torch_library_files variable)
  set(files "")
  foreach(item IN LISTS TORCH_LIBRARIES ITEMS torch_cpu)
    set(location "${item}")
    if(TARGET "${item}")
      get_target_property(location "${item}" IMPORTED_LOCATION)
      if(NOT location)
        get_target_property(configurations "${item}" IMPORTED_CONFIGURATIONS)
        if(configurations)
          list(GET configurations 0 configuration)
          get_target_property(location "${item}" IMPORTED_LOCATION_${configuration})
        endif()
      endif()
    endif()
    get_filename_component(name "${location}" NAME)
    if(IS_ABSOLUTE "${location}" AND name MATCHES "^lib(torch|c10)")
      file(REAL_PATH "${location}" location)
      list(APPEND files "${location}")
    endif()
  endforeach()
  list(REMOVE_DUPLICATES files)
  set(${variable} "${files}" PARENT_SCOPE)
endfunction()

# pt2ts_torch_library_folders(<variable>): the folders of those files; more
# than one means two LibTorch builds are mixed.
function(pt2ts_torch_library_folders variable)
  pt2ts_torch_library_files(files)
  set(folders "")
  foreach(file IN LISTS files)
    get_filename_component(folder "${file}" DIRECTORY)
    list(APPEND folders "${folder}")
  endforeach()
  list(REMOVE_DUPLICATES folders)
  set(${variable} "${folders}" PARENT_SCOPE)
endfunction()
