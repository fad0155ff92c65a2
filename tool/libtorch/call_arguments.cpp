#include "call_arguments.h"

#include <ATen/core/Dict.h>
#include <ATen/core/List.h>
#include <ATen/core/jit_type.h>

#include <stdexcept>
#include <string>
#include <utility>

namespace pt2ts {
namespace {

// The type a container holding `value` needs: plain Tensor for tensors (a
// value's own type would name its sizes, and List types are invariant).
c10::TypePtr ElementTypeOf(const c10::IValue& value) {
  if (value.isTensor()) return c10::TensorType::get();
  return value.type();
}

c10::TypePtr CommonType(const std::vector<c10::IValue>& values) {
  if (values.empty()) return c10::TensorType::get();
  c10::TypePtr common = ElementTypeOf(values[0]);
  for (const c10::IValue& value : values) {
    c10::optional<c10::TypePtr> unified = c10::unifyTypes(common, ElementTypeOf(value));
    common = unified ? *unified : c10::AnyType::get();
  }
  return common;
}

std::vector<c10::IValue> DecodedItems(const c10::IValue& items) {
  std::vector<c10::IValue> decoded;
  for (const c10::IValue& item : items.toTupleRef().elements()) {
    decoded.push_back(DecodeInput(item));
  }
  return decoded;
}

void AppendTensors(const c10::IValue& value, std::vector<at::Tensor>* tensors) {
  if (value.isTensor()) {
    tensors->push_back(value.toTensor());
  } else if (value.isTuple()) {
    for (const c10::IValue& item : value.toTupleRef().elements()) AppendTensors(item, tensors);
  } else if (value.isList()) {
    for (const c10::IValue& item : value.toListRef()) AppendTensors(item, tensors);
  } else if (value.isGenericDict()) {
    for (const auto& entry : value.toGenericDict()) AppendTensors(entry.value(), tensors);
  }
}

}  // namespace

c10::IValue DecodeInput(const c10::IValue& encoded) {
  if (!encoded.isTuple()) return encoded;
  const auto& parts = encoded.toTupleRef().elements();
  const std::string& kind = parts.at(0).toStringRef();
  if (kind == "tuple") return c10::ivalue::Tuple::create(DecodedItems(parts.at(1)));
  if (kind == "list") {
    const std::vector<c10::IValue> items = DecodedItems(parts.at(1));
    c10::impl::GenericList list(CommonType(items));
    for (const c10::IValue& item : items) list.push_back(item);
    return list;
  }
  if (kind == "dict") {
    const std::vector<c10::IValue> keys = parts.at(1).toTupleRef().elements().vec();
    const std::vector<c10::IValue> values = DecodedItems(parts.at(2));
    c10::impl::GenericDict dict(CommonType(keys), CommonType(values));
    for (size_t i = 0; i < keys.size(); ++i) dict.insert(keys[i], values.at(i));
    return dict;
  }
  throw std::invalid_argument("internal error: unknown input encoding '" + kind + "'");
}

std::vector<c10::IValue> PositionalArguments(const c10::FunctionSchema& schema,
                                             std::vector<c10::IValue> args,
                                             const KeywordArguments& kwargs) {
  const std::vector<c10::Argument>& parameters = schema.arguments();  // [0] is self
  size_t used = 0;
  for (size_t i = args.size() + 1; i < parameters.size(); ++i) {
    const c10::Argument& parameter = parameters[i];
    bool given = false;
    for (const auto& [name, value] : kwargs) {
      if (name != parameter.name()) continue;
      args.push_back(value);
      given = true;
      ++used;
    }
    if (given) continue;
    if (!parameter.default_value()) {
      throw std::invalid_argument("forward() is missing argument '" + parameter.name() + "'");
    }
    args.push_back(*parameter.default_value());
  }
  if (used == kwargs.size()) return args;
  for (const auto& [name, value] : kwargs) {
    bool known = false;
    for (size_t i = 1; i < parameters.size(); ++i) known = known || parameters[i].name() == name;
    if (!known) throw std::invalid_argument("forward() has no parameter '" + name + "'");
  }
  throw std::invalid_argument("forward() got a positional argument twice, by keyword too");
}

std::vector<at::Tensor> FlatTensors(const std::vector<c10::IValue>& args,
                                    const KeywordArguments& kwargs) {
  std::vector<at::Tensor> tensors;
  for (const c10::IValue& arg : args) AppendTensors(arg, &tensors);
  for (const auto& [name, value] : kwargs) AppendTensors(value, &tensors);
  return tensors;
}

}  // namespace pt2ts
