// The engine library's entry point: starts the embedded interpreter, loads
// pt2ts's Python code and hands it the parsed options.
#include <pybind11/embed.h>
#include <pybind11/stl.h>

#include <string>

#include "base/diagnostics.h"
#include "base/exit_codes.h"
#include "embedded_python.h"
#include "engine/engine_api.h"
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

// Each option type of convert_options.def as Python gets it (the types
// options.py's record checks).
py::object ToPython(const std::string& value) { return py::str(value); }
py::object ToPython(bool value) { return py::bool_(value); }
py::object ToPython(double value) { return py::float_(value); }
py::object ToPython(const Value& value) { return ValueToPython(value); }

// ((shape...), dtype)
py::object ToPython(const InputSpec& spec) {
  return py::make_tuple(py::tuple(py::cast(spec.shape)), spec.dtype);
}

// (input, dim, min, max), with None for a bound not given.
py::object ToPython(const DynamicDim& dim) {
  const bool bounded = dim.min >= 0;
  return py::make_tuple(dim.input, dim.dim, bounded ? py::cast(dim.min) : py::none(),
                        bounded ? py::cast(dim.max) : py::none());
}

// (kind, path, sha256 or "")
py::object ToPython(const NamedFile& file) {
  return py::make_tuple(file.kind, file.path, file.sha256);
}

py::object ToPython(const KeywordArguments& kwargs) {
  py::dict dict;
  for (const auto& [key, value] : kwargs) dict[py::str(key)] = ValueToPython(value);
  return dict;
}

template <typename T>
py::object ToPython(const std::vector<T>& values) {
  py::list list;
  for (const T& value : values) list.append(ToPython(value));
  return py::tuple(list);
}

// The options as driver.main() takes them: one entry per row of
// convert_options.def (options.Options checks them against the schema
// below), plus what the engine itself knows.
py::dict OptionsToPython(const ConvertOptions& options, const std::string& python_executable) {
  py::dict result;
#define PT2TS_OPTION(type, field, default_value, names, env, check, cmake, key, help) \
  result[#field] = ToPython(options.field);
#include "options/convert_options.def"
#undef PT2TS_OPTION
  result["python_executable"] = python_executable;  // the one the engine runs
  result["libtorch_version"] = kLibTorchVersion;
  result["pt2ts_version"] = kPt2tsVersion;
  return result;
}

// The Python type of each entry of OptionsToPython: {name: type name}.
py::dict OptionSchema() {
  py::dict schema;
#define PT2TS_OPTION(cpp_type, field, default_value, names, env, check, cmake, key, help) \
  schema[#field] = py::type::of(ToPython(cpp_type{})).attr("__name__");
#include "options/convert_options.def"
#undef PT2TS_OPTION
  schema["libtorch_version"] = "str";
  schema["pt2ts_version"] = "str";
  return schema;
}

void ResultFromPython(const py::handle& python, ConvertResult* result) {
  for (const py::handle entry : python.attr("inputs")) {
    result->inputs.push_back({entry.attr("kind").cast<std::string>(),
                              entry.attr("path").cast<std::string>(),
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
    py::object outcome = driver.attr("main")(OptionsToPython(options, python_executable), OptionSchema());
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
