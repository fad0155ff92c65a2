// The engine library's entry point: starts the embedded interpreter, loads
// pt2ts's Python code and hands it the parsed options.
#include <pybind11/embed.h>
#include <pybind11/stl.h>

#include <string>

#include "diagnostics.h"
#include "embedded_python.h"
#include "engine_api.h"
#include "exit_codes.h"
#include "literal.h"
#include "pt2ts_build_info.h"
#include "pt2ts_version.h"
#include "python_runtime.h"
#include "value_to_python.h"

namespace py = pybind11;

namespace pt2ts {
namespace {

// Creates the _pt2ts package from the embedded sources. Their file names
// start with "<pt2ts>" so error reports can leave pt2ts's own frames out.
py::module_ LoadEmbeddedPackage() {
  py::module_ sys = py::module_::import("sys");
  py::module_ types = py::module_::import("types");
  py::dict modules = sys.attr("modules");
  py::object package = types.attr("ModuleType")("_pt2ts");
  package.attr("__path__") = py::list();
  modules["_pt2ts"] = package;
  py::module_ builtins = py::module_::import("builtins");
  for (size_t i = 0; i < kEmbeddedPythonModuleCount; ++i) {
    const std::string name = kEmbeddedPythonModules[i].name;
    py::object module = types.attr("ModuleType")("_pt2ts." + name);
    module.attr("__file__") = "<pt2ts>/" + name + ".py";
    modules[py::str("_pt2ts." + name)] = module;
    package.attr(name.c_str()) = module;
    py::object code = builtins.attr("compile")(kEmbeddedPythonModules[i].source,
                                               "<pt2ts>/" + name + ".py", "exec");
    builtins.attr("exec")(code, module.attr("__dict__"));
  }
  return py::reinterpret_borrow<py::module_>(modules["_pt2ts.driver"]);
}

// The export options recorded in the artifact's metadata: only what changes
// the result, never paths (artifacts must not depend on the machine).
py::dict OptionsText(const ConvertOptions& options) {
  py::dict text;
  py::list args;
  for (const Value& value : options.args) args.append(ToPythonLiteral(value));
  text["args"] = args;
  py::dict kwargs;
  for (const auto& [key, value] : options.kwargs) kwargs[py::str(key)] = ToPythonLiteral(value);
  text["kwargs"] = kwargs;
  return text;
}

py::dict OptionsToPython(const ConvertOptions& options, const std::string& python_executable) {
  py::dict result;
  result["module_path"] = options.module_path;
  result["model_name"] = options.model_name;
  result["save_path"] = options.save_path;
  result["staging_path"] = options.staging_path;
  result["state_dict_path"] = options.state_dict_path;
  result["state_key"] = options.state_key;
  py::list args;
  for (const Value& value : options.args) args.append(ValueToPython(value));
  result["args"] = args;
  py::dict kwargs;
  for (const auto& [key, value] : options.kwargs) kwargs[py::str(key)] = ValueToPython(value);
  result["kwargs"] = kwargs;
  result["python_paths"] = options.python_paths;
  result["python_executable"] = python_executable;
  result["trust_weights"] = options.trust_weights;
  result["non_strict"] = options.non_strict;
  result["train"] = options.train;
  result["verbose"] = options.verbose;
  result["start_time"] = options.start_time;
  py::list example_inputs;
  for (const InputSpec& spec : options.example_inputs) {
    example_inputs.append(py::make_tuple(py::cast(spec.shape), spec.dtype));
  }
  result["example_inputs"] = example_inputs;
  result["example_inputs_path"] = options.example_inputs_path;
  result["check_path"] = options.check_path;
  result["allow_torch_version_mismatch"] = options.allow_torch_version_mismatch;
  result["libtorch_version"] = kLibTorchVersion;
  result["pt2ts_version"] = kPt2tsVersion;
  result["options_text"] = OptionsText(options);
  return result;
}

int RunDriver(const ConvertOptions& options, const std::string& python_executable,
              ConvertResult* result) {
  // Python errors are caught and formatted inside the interpreter's lifetime:
  // formatting them later deadlocks (docs/stack-notes.md, "Embedding").
  try {
    py::module_ driver = LoadEmbeddedPackage();
    const int exit_code =
        driver.attr("main")(OptionsToPython(options, python_executable)).cast<int>();
    if (exit_code == kExitSuccess) {
      result->dependencies = driver.attr("dependencies").cast<std::vector<std::string>>();
      result->wrote_check = driver.attr("wrote_check").cast<bool>();
      result->python_libtorch_path = driver.attr("python_libtorch_path").cast<std::string>();
    }
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
