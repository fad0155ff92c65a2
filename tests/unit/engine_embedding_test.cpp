// The engine's Python in this process, as pybind11's own embedding tests run
// theirs: the interpreter started the way the engine starts it, the _pt2ts
// package loaded from the sources compiled into the library, and the
// options crossing the boundary as the engine hands them over.
#include <gtest/gtest.h>
#include <pybind11/embed.h>
#include <pybind11/stl.h>

#include <cstdio>
#include <cstdlib>
#include <string>

#include "engine/embedded_package.h"
#include "engine/embedded_python.h"
#include "engine/options_to_python.h"
#include "engine/python_runtime.h"

namespace py = pybind11;

namespace pt2ts {
namespace {

// The engine never finalizes Python: pt2ts ends with _exit (main.cpp), the
// interpreter keeping its memory until then, on purpose. This process ends
// the same way once its tests have run (with their verdict as exit code), so
// that LeakSanitizer's exit-time check (.ci/sanitize.sh) does not report the
// interpreter's memory as leaked.
class EndLikeTheEngine : public ::testing::Environment {
 public:
  void TearDown() override {
    std::fflush(nullptr);
    std::_Exit(::testing::UnitTest::GetInstance()->Failed() ? 1 : 0);
  }
};
const ::testing::Environment* const kEndLikeTheEngine =
    ::testing::AddGlobalTestEnvironment(new EndLikeTheEngine);

class EngineEmbeddingTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    std::string error;
    // Never finalized, as in the engine: the process ends after the tests.
    if (!Py_IsInitialized()) {
      ASSERT_TRUE(StartPython(BuiltInPythonExecutable(), &error)) << error;
    }
  }
};

TEST_F(EngineEmbeddingTest, EveryModuleImportsFromTheLibrary) {
  const py::module_ driver = LoadEmbeddedPackage();
  EXPECT_EQ(driver.attr("__file__").cast<std::string>(), "<pt2ts>/driver.py");
  EXPECT_TRUE(py::hasattr(driver, "main"));
  const py::module_ importlib = py::module_::import("importlib");
  ASSERT_GT(kEmbeddedPythonModuleCount, 20U);
  for (size_t i = 0; i < kEmbeddedPythonModuleCount; ++i) {
    const std::string name = kEmbeddedPythonModules[i].name;
    const py::object module = importlib.attr("import_module")("_pt2ts." + name);
    EXPECT_EQ(module.attr("__file__").cast<std::string>(), "<pt2ts>/" + name + ".py");
  }
}

ConvertOptions SomeOptions() {
  ConvertOptions options;
  options.module_path = "model.py";
  options.model_name = "Net";
  options.args.push_back(Value{Value::Kind::kInt, false, "3", {}});
  options.kwargs.emplace_back("hidden", Value{Value::Kind::kString, false, "relu", {}});
  options.example_inputs.push_back({{2, 3}, "float32"});
  options.dynamic_dims.push_back(DynamicDim{0, 0, 1, 16});
  options.named_files.push_back({"weights", "/w.pt", "abc"});
  options.freeze = true;
  return options;
}

TEST_F(EngineEmbeddingTest, TheOptionsCrossTheBoundaryTyped) {
  LoadEmbeddedPackage();
  const py::object options_type = py::module_::import("_pt2ts.options").attr("Options");
  const py::object options = options_type.attr("from_front_end")(
      OptionsToPython(SomeOptions(), "/venv/bin/python"), OptionSchema());
  EXPECT_EQ(options.attr("model_name").cast<std::string>(), "Net");
  EXPECT_EQ(options.attr("python_executable").cast<std::string>(), "/venv/bin/python");
  EXPECT_TRUE(options.attr("freeze").cast<bool>());
  EXPECT_EQ(py::repr(options.attr("args")).cast<std::string>(), "(3,)");
  EXPECT_EQ(py::repr(options.attr("kwargs")).cast<std::string>(), "{'hidden': 'relu'}");
  EXPECT_EQ(py::repr(options.attr("example_inputs")).cast<std::string>(),
            "(((2, 3), 'float32'),)");
  EXPECT_EQ(py::repr(options.attr("dynamic_dims")).cast<std::string>(), "((0, 0, 1, 16),)");
  EXPECT_EQ(py::repr(options.attr("named_files")).cast<std::string>(),
            "(('weights', '/w.pt', 'abc'),)");
  EXPECT_EQ(options.attr("rtol").cast<double>(), 1e-5);
}

TEST_F(EngineEmbeddingTest, AValueOfTheWrongTypeIsRefusedAtTheBoundary) {
  LoadEmbeddedPackage();
  const py::object options_type = py::module_::import("_pt2ts.options").attr("Options");
  py::dict values = OptionsToPython(SomeOptions(), "/venv/bin/python");
  values["freeze"] = "yes";
  try {
    options_type.attr("from_front_end")(values, OptionSchema());
    FAIL() << "a str for a bool option was accepted";
  } catch (py::error_already_set& error) {
    EXPECT_TRUE(error.matches(PyExc_TypeError));
    EXPECT_NE(std::string(error.what()).find("option 'freeze' must be bool"), std::string::npos)
        << error.what();
  }
}

}  // namespace
}  // namespace pt2ts
