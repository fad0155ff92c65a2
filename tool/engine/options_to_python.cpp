#include "engine/options_to_python.h"

#include <pybind11/stl.h>

#include "engine/value_to_python.h"
#include "pt2ts_build_info.h"
#include "pt2ts_version.h"

namespace py = pybind11;

namespace pt2ts {
namespace {

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

}  // namespace

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
  schema[#field] = py::type::of(ToPython(cpp_type{})).attr("__name__");  // NOLINT(bugprone-macro-parentheses): a type
#include "options/convert_options.def"
#undef PT2TS_OPTION
  schema["libtorch_version"] = "str";
  schema["pt2ts_version"] = "str";
  return schema;
}

}  // namespace pt2ts
