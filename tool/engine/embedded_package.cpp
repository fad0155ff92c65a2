#include "engine/embedded_package.h"

#include "engine/embedded_python.h"

namespace py = pybind11;

namespace pt2ts {

// Creates the _pt2ts package over the embedded sources: their import hook
// (embedded_import.py) runs first, then imports resolve themselves.
py::module_ LoadEmbeddedPackage() {
  py::dict sources;
  for (size_t i = 0; i < kEmbeddedPythonModuleCount; ++i) {
    sources[py::str(kEmbeddedPythonModules[i].name)] = py::str(kEmbeddedPythonModules[i].source);
  }
  py::module_ types = py::module_::import("types");
  py::object package = types.attr("ModuleType")("_pt2ts");
  package.attr("__path__") = py::list();
  py::module_::import("sys").attr("modules")["_pt2ts"] = package;
  py::object hook = types.attr("ModuleType")("_pt2ts.embedded_import");
  hook.attr("__file__") = "<pt2ts>/embedded_import.py";
  py::module_ builtins = py::module_::import("builtins");
  builtins.attr("exec")(builtins.attr("compile")(sources["embedded_import"],
                                                  hook.attr("__file__"), "exec"),
                        hook.attr("__dict__"));
  hook.attr("install")("_pt2ts", sources);
  return py::module_::import("_pt2ts.driver");
}

}  // namespace pt2ts
