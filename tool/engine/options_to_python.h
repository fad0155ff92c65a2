// The engine boundary's Python side: the options as driver.main() takes
// them, one entry per row of options/convert_options.def, and the schema of
// their Python types that options.Options checks them against.
#pragma once

#include <pybind11/pybind11.h>

#include <string>

#include "options/convert_options.h"

namespace pt2ts {

// python_executable: the interpreter the engine runs (--python, or the
// built-in one), which replaces options.python_executable.
pybind11::dict OptionsToPython(const ConvertOptions& options, const std::string& python_executable);

// {option name: Python type name} for every entry of OptionsToPython.
pybind11::dict OptionSchema();

}  // namespace pt2ts
