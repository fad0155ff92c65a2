// The engine library's entry point: starts the embedded interpreter, loads
// pt2ts's Python code and hands it the parsed options.
#include <pybind11/embed.h>
#include <pybind11/stl.h>

#include <string>

#include "base/diagnostics.h"
#include "base/exit_codes.h"
#include "engine/embedded_package.h"
#include "engine/engine_api.h"
#include "engine/options_to_python.h"
#include "engine/python_runtime.h"

namespace py = pybind11;

namespace pt2ts {
namespace {

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
