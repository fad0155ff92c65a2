// Checks of the command line against the file system, done before any
// Python or libtorch is loaded so that mistakes are reported instantly.
#pragma once

#include <string>

#include "options/convert_options.h"

namespace pt2ts {

// Returns an empty string when the inputs are usable, else the error message
// (a usage error: exit code 2).
std::string CheckInputs(const ConvertOptions& options);

}  // namespace pt2ts
