#include "options/input_spec.h"

#include <map>

namespace pt2ts {
namespace {

// Accepted dtype spellings and the torch dtype each one means.
const std::map<std::string, std::string>& DtypeNames() {
  static const std::map<std::string, std::string> names = {
      {"float32", "float32"}, {"float", "float32"},    {"float64", "float64"},
      {"double", "float64"},  {"float16", "float16"},  {"half", "float16"},
      {"bfloat16", "bfloat16"}, {"int64", "int64"},    {"long", "int64"},
      {"int32", "int32"},     {"int", "int32"},        {"int16", "int16"},
      {"int8", "int8"},       {"uint8", "uint8"},      {"bool", "bool"},
  };
  return names;
}

constexpr int64_t kMaxElements = int64_t{1} << 31;  // a sane bound for a test input

InputSpecResult Error(const std::string& text, const std::string& why) {
  InputSpecResult result;
  result.error = "bad --example-input '" + text + "': " + why +
                 " (expected a shape like 1x3x224x224, optionally :dtype, e.g. 2x20:int64)";
  return result;
}

}  // namespace

InputSpecResult ParseInputSpec(const std::string& text) {
  const size_t colon = text.find(':');
  const std::string shape_text = text.substr(0, colon);
  InputSpecResult result;
  if (colon != std::string::npos) {
    const auto found = DtypeNames().find(text.substr(colon + 1));
    if (found == DtypeNames().end()) {
      std::string known;
      for (const auto& entry : DtypeNames()) known += (known.empty() ? "" : ", ") + entry.first;
      return Error(text, "unknown dtype '" + text.substr(colon + 1) + "' (known: " + known + ")");
    }
    result.spec.dtype = found->second;
  }
  if (shape_text.empty()) return Error(text, "no shape");
  int64_t elements = 1;
  size_t start = 0;
  while (start <= shape_text.size()) {
    const size_t end = shape_text.find('x', start);
    const std::string dim = shape_text.substr(start, end == std::string::npos ? end : end - start);
    if (dim.empty() || dim.size() > 10 || dim.find_first_not_of("0123456789") != std::string::npos) {
      return Error(text, "'" + dim + "' is not a dimension size");
    }
    const int64_t size = std::stoll(dim);
    if (size != 0 && elements > kMaxElements / size) return Error(text, "too many elements");
    elements *= size;
    result.spec.shape.push_back(size);
    if (end == std::string::npos) break;
    start = end + 1;
  }
  result.ok = true;
  return result;
}

std::string FormatInputSpec(const InputSpec& spec) {
  std::string text;
  for (size_t i = 0; i < spec.shape.size(); ++i) {
    text += (i ? "x" : "") + std::to_string(spec.shape[i]);
  }
  return text + ":" + spec.dtype;
}

}  // namespace pt2ts
