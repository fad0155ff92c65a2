// Loads pt2ts's own libraries at run time, so that --help, --version and
// usage errors never pay for loading Python or LibTorch: the engine (embeds
// Python) for conversions, the LibTorch library for checks and inspect.
#pragma once

#include <string>
#include <utility>

#include "base/diagnostics.h"
#include "base/exit_codes.h"

namespace pt2ts {

enum class PtLibrary { kEngine, kTorch, kRemote };

// Returns the address of `symbol` in the library, or nullptr with *error set.
void* LoadLibrarySymbol(PtLibrary library, const char* symbol, std::string* error);

// The function `symbol` of the library as a `Function` pointer, or nullptr
// with *error set.
template <typename Function>
Function LoadLibraryFunction(PtLibrary library, const char* symbol, std::string* error) {
  return reinterpret_cast<Function>(LoadLibrarySymbol(library, symbol, error));
}

// Calls the library's function `symbol`, which returns an exit code; when
// the library cannot be loaded, prints why and returns kExitConversionFailed.
template <typename Function, typename... Arguments>
int RunLibraryFunction(PtLibrary library, const char* symbol, Arguments&&... arguments) {
  std::string error;
  const Function function = LoadLibraryFunction<Function>(library, symbol, &error);
  if (function == nullptr) {
    PrintError(error);
    return kExitConversionFailed;
  }
  return function(std::forward<Arguments>(arguments)...);
}

// The folder of the running executable.
std::string ExecutableDirectory();

}  // namespace pt2ts
