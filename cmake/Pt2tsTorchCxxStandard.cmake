# pt2ts_torch_cxx_standard(<variable>)
#
# Sets <variable> to the C++ standard that code including the found LibTorch's
# headers needs: 17, or more where LibTorch demands it (LibTorch 2.14's
# <ATen/ATen.h> stops with "C++20 or later compatible compiler is required").
# Call it after find_package(Torch) and use the result, e.g.
#   target_compile_features(app PRIVATE cxx_std_${standard})
#
# Read from the Torch package itself, never from a release name: its `torch`
# target records the standard it was built with as the CXX_STANDARD property
# (14 in LibTorch 1.13, 17 in 2.6, 20 in 2.14). That is a plain property, not
# a usage requirement, so linking torch does not raise a consumer's standard
# by itself. A cxx_std_NN compile feature, where a package declares one, is
# honoured too. Never below 17, which pt2ts's own code needs.
function(pt2ts_torch_cxx_standard variable)
  if(NOT TARGET torch)
    message(FATAL_ERROR "pt2ts_torch_cxx_standard(): no 'torch' target; call "
                        "find_package(Torch) first")
  endif()
  set(required 17)
  get_target_property(declared torch CXX_STANDARD)
  get_target_property(features torch INTERFACE_COMPILE_FEATURES)
  set(candidates "")
  if(declared)
    list(APPEND candidates "${declared}")
  endif()
  foreach(feature IN LISTS features)
    if(feature MATCHES "^cxx_std_([0-9]+)$")
      list(APPEND candidates "${CMAKE_MATCH_1}")
    endif()
  endforeach()
  foreach(candidate IN LISTS candidates)
    # 98 is the oldest standard despite its number.
    if(candidate MATCHES "^[0-9]+$" AND NOT candidate EQUAL 98 AND candidate GREATER required)
      set(required "${candidate}")
    endif()
  endforeach()
  set(${variable} "${required}" PARENT_SCOPE)
endfunction()
