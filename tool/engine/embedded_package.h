// pt2ts's Python code as the package the engine runs: the modules of
// tool/engine/python/, compiled into the library (embedded_python.h),
// imported as _pt2ts through their own import hook (embedded_import.py).
#pragma once

#include <pybind11/pybind11.h>

namespace pt2ts {

// Creates the _pt2ts package in the running interpreter (holding the GIL)
// and returns its driver module, _pt2ts.driver.
pybind11::module_ LoadEmbeddedPackage();

}  // namespace pt2ts
