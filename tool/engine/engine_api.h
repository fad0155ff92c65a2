// The boundary between the light front end (CLI parsing, no libtorch, no
// Python) and the engine library, which embeds Python and is only loaded
// when there is real work to do. Both sides are built together, so passing
// C++ types across is safe.
#pragma once

#include <string>
#include <vector>

#include "options/convert_options.h"

namespace pt2ts {

// Name of the engine's entry point, looked up with dlsym.
constexpr const char* kEngineConvertSymbol = "pt2ts_engine_convert";

// What a successful conversion reports back to the front end.
struct ConvertResult {
  // Every file the conversion read: the user's Python files (not the Python
  // installation's), the weights, the example inputs file and the --depends
  // files, sorted by path.
  std::vector<NamedFile> inputs;  // kind "module" for the Python files
  // Whether check_path was written (example inputs were given).
  bool wrote_check = false;
  // The libtorch_cpu library Python's torch loaded: the artifact is checked
  // in this process only if pt2ts's own LibTorch is that same file.
  std::string python_libtorch_path;
  // The files that stand for the Python environment (the interpreter,
  // torch's version file): the conversion cache's key includes them.
  std::vector<std::string> environment_files;
};

// Runs the conversion and writes the artifact to options.staging_path.
// Returns an exit code (exit_codes.h) and has printed its own diagnostics.
using EngineConvertFunction = int (*)(const ConvertOptions& options, ConvertResult* result);

}  // namespace pt2ts
