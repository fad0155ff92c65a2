// The engine library's entry point: starts the embedded interpreter, loads
// pt2ts's Python code and hands it the parsed options.
#include <pybind11/embed.h>
#include <pybind11/stl.h>

#include <string>

#include "diagnostics.h"
#include "embedded_python.h"
#include "engine_api.h"
#include "exit_codes.h"
#include "pt2ts_build_info.h"
#include "pt2ts_version.h"
#include "python_runtime.h"
#include "value_to_python.h"

namespace py = pybind11;

namespace pt2ts {
namespace {

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

py::list ValuesToPython(const std::vector<Value>& values) {
  py::list list;
  for (const Value& value : values) list.append(ValueToPython(value));
  return list;
}

// ((shape...), dtype) pairs.
py::tuple SpecsToPython(const std::vector<InputSpec>& specs) {
  py::list list;
  for (const InputSpec& spec : specs) {
    list.append(py::make_tuple(py::tuple(py::cast(spec.shape)), spec.dtype));
  }
  return py::tuple(list);
}

// (input, dim, min, max) per --dynamic-dim, with None for a bound not given.
py::tuple DynamicDimsToPython(const std::vector<DynamicDim>& dims) {
  py::list list;
  for (const DynamicDim& dim : dims) {
    const bool bounded = dim.min >= 0;
    list.append(py::make_tuple(dim.input, dim.dim, bounded ? py::cast(dim.min) : py::none(),
                               bounded ? py::cast(dim.max) : py::none()));
  }
  return py::tuple(list);
}

// The options as driver.main() takes them (options.Options checks the keys
// and types): each value converted once, here.
py::dict OptionsToPython(const ConvertOptions& options, const std::string& python_executable) {
  py::dict result;
  result["module_path"] = options.module_path;
  result["model_name"] = options.model_name;
  result["save_path"] = options.save_path;
  result["staging_path"] = options.staging_path;
  result["check_path"] = options.check_path;
  result["state_dict_path"] = options.state_dict_path;
  result["state_key"] = options.state_key;
  result["args"] = py::tuple(ValuesToPython(options.args));
  py::dict kwargs;
  for (const auto& [key, value] : options.kwargs) kwargs[py::str(key)] = ValueToPython(value);
  result["kwargs"] = kwargs;
  result["python_paths"] = py::tuple(py::cast(options.python_paths));
  result["python_executable"] = python_executable;
  result["trust_weights"] = options.trust_weights;
  result["non_strict"] = options.non_strict;
  result["train"] = options.train;
  result["verbose"] = options.verbose;
  result["start_time"] = options.start_time;
  result["example_inputs"] = SpecsToPython(options.example_inputs);
  result["example_inputs_path"] = options.example_inputs_path;
  result["check_inputs"] = SpecsToPython(options.check_inputs);
  result["check_inputs_path"] = options.check_inputs_path;
  result["method"] = options.method;
  result["freeze"] = options.freeze;
  result["preserve"] = py::tuple(py::cast(options.preserve));
  result["format"] = options.format;
  result["dynamic_dims"] = DynamicDimsToPython(options.dynamic_dims);
  result["depends"] = py::tuple(py::cast(options.depends));
  result["allow_torch_version_mismatch"] = options.allow_torch_version_mismatch;
  result["libtorch_version"] = kLibTorchVersion;
  result["pt2ts_version"] = kPt2tsVersion;
  result["path_prefix_maps"] = py::tuple(py::cast(options.path_prefix_maps));
  return result;
}

void ResultFromPython(const py::handle& python, ConvertResult* result) {
  for (const py::handle entry : python.attr("inputs")) {
    result->inputs.push_back({entry.attr("path").cast<std::string>(),
                              entry.attr("kind").cast<std::string>(),
                              entry.attr("sha256").cast<std::string>()});
  }
  result->wrote_check = python.attr("wrote_check").cast<bool>();
  result->python_libtorch_path = python.attr("python_libtorch_path").cast<std::string>();
  for (const py::handle path : python.attr("environment")) {
    result->environment_files.push_back(path.cast<std::string>());
  }
}

int RunDriver(const ConvertOptions& options, const std::string& python_executable,
              ConvertResult* result) {
  // Python errors are caught and formatted inside the interpreter's lifetime:
  // formatting them later deadlocks (docs/stack-notes.md, "Embedding").
  try {
    py::module_ driver = LoadEmbeddedPackage();
    py::object outcome = driver.attr("main")(OptionsToPython(options, python_executable));
    const int exit_code = outcome.attr("exit_code").cast<int>();
    if (exit_code == kExitSuccess) ResultFromPython(outcome, result);
    return exit_code;
  } catch (py::error_already_set& e) {
    PrintError(std::string("internal error in pt2ts, please report it: ") + e.what());
  } catch (const std::exception& e) {
    PrintError(std::string("internal error in pt2ts, please report it: ") + e.what());
  }
  return kExitConversionFailed;
}

}  // namespace
}  // namespace pt2ts

extern "C" __attribute__((visibility("default"))) int pt2ts_engine_convert(
    const pt2ts::ConvertOptions& options, pt2ts::ConvertResult* result) {
  const std::string python_executable = options.python_executable.empty()
                                            ? pt2ts::BuiltInPythonExecutable()
                                            : options.python_executable;
  std::string error;
  if (!pt2ts::StartPython(python_executable, &error)) {
    pt2ts::PrintError(error);
    return pt2ts::kExitConversionFailed;
  }
  int exit_code = pt2ts::RunDriver(options, python_executable, result);
  {
    py::gil_scoped_acquire gil;
    PyRun_SimpleString("import sys\nfor s in (sys.stdout, sys.stderr):\n    s.flush()\n");
  }
  return exit_code;
}
