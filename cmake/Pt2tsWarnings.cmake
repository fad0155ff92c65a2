# The warning flags of every target pt2ts compiles from its own sources (the
# front end, the engine, the LibTorch library, unit tests, fuzzers): one
# place to change them.
function(pt2ts_set_warnings target)
  target_compile_options(${target} PRIVATE -Wall -Wextra)
endfunction()
