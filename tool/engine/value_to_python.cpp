#include "engine/value_to_python.h"

namespace py = pybind11;

namespace pt2ts {
namespace {

py::list ItemsToList(const Value& value) {
  py::list list;
  for (const Value& item : value.items) list.append(ValueToPython(item));
  return list;
}

}  // namespace

py::object ValueToPython(const Value& value) {
  const py::module_ builtins = py::module_::import("builtins");
  switch (value.kind) {
    case Value::Kind::kNone:
      return py::none();
    case Value::Kind::kBool:
      return py::bool_(value.boolean);
    case Value::Kind::kInt:
      // Python parses the text: arbitrary size, and 0x/0o/0b prefixes.
      return builtins.attr("int")(value.text, 0);
    case Value::Kind::kFloat:
      return builtins.attr("float")(value.text);
    case Value::Kind::kString:
      return py::str(value.text);
    case Value::Kind::kList:
      return ItemsToList(value);
    case Value::Kind::kTuple:
      return py::tuple(ItemsToList(value));
    case Value::Kind::kSet:
      return builtins.attr("set")(ItemsToList(value));
    case Value::Kind::kDict: {
      py::dict dict;
      for (size_t i = 0; i + 1 < value.items.size(); i += 2) {
        dict[ValueToPython(value.items[i])] = ValueToPython(value.items[i + 1]);
      }
      return dict;
    }
  }
  return py::none();
}

}  // namespace pt2ts
