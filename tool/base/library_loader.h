// Loads pt2ts's own libraries at run time, so that --help, --version and
// usage errors never pay for loading Python or LibTorch: the engine (embeds
// Python) for conversions, the LibTorch library for checks and inspect.
#pragma once

#include <string>

namespace pt2ts {

enum class PtLibrary { kEngine, kTorch, kRemote };

// Returns the address of `symbol` in the library, or nullptr with *error set.
void* LoadLibrarySymbol(PtLibrary library, const char* symbol, std::string* error);

// The folder of the running executable.
std::string ExecutableDirectory();

}  // namespace pt2ts
