// The boundary between the light front end (CLI parsing, no libtorch, no
// Python) and the engine library, which embeds Python and is only loaded
// when there is real work to do. Both sides are built together, so passing
// C++ types across is safe.
#pragma once

#include "convert_options.h"

namespace pt2ts {

// Name of the engine's entry point, looked up with dlsym.
constexpr const char* kEngineConvertSymbol = "pt2ts_engine_convert";

// Runs the conversion and writes the artifact to options.staging_path.
// Returns an exit code (exit_codes.h) and has printed its own diagnostics.
using EngineConvertFunction = int (*)(const ConvertOptions& options);

}  // namespace pt2ts
