// Turns command-line values (value.h) into the Python objects a constructor
// receives.
#pragma once

#include <pybind11/pybind11.h>

#include "options/value.h"

namespace pt2ts {

pybind11::object ValueToPython(const Value& value);

}  // namespace pt2ts
