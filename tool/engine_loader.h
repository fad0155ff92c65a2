// Finds and loads the engine library (Python + torch) at run time, so that
// --help, --version and usage errors never pay for loading them.
#pragma once

#include <string>

#include "engine_api.h"

namespace pt2ts {

// Returns the engine's entry point, or nullptr with *error set.
EngineConvertFunction LoadEngine(std::string* error);

}  // namespace pt2ts
