#include "options/dynamic_dim.h"

#include <cstdlib>
#include <set>
#include <utility>

namespace pt2ts {
namespace {

constexpr const char* kGrammar =
    "expected INPUT:DIM or INPUT:DIM:MIN:MAX, e.g. 0:0 or 0:0:1:16 (argument 0, dimension 0, "
    "sizes 1 to 16)";

std::vector<std::string> Split(const std::string& text, char separator) {
  std::vector<std::string> parts(1);
  for (char c : text) {
    if (c == separator) {
      parts.emplace_back();
    } else {
      parts.back() += c;
    }
  }
  return parts;
}

// A plain decimal integer >= 0 (no sign, no spaces, no hex).
bool ParseCount(const std::string& text, int64_t* value) {
  if (text.empty() || text.size() > 18) return false;
  for (char c : text) {
    if (c < '0' || c > '9') return false;
  }
  *value = std::strtoll(text.c_str(), nullptr, 10);
  return true;
}

}  // namespace

DynamicDimResult ParseDynamicDim(const std::string& text) {
  DynamicDimResult result;
  const std::vector<std::string> parts = Split(text, ':');
  const std::string where = "--dynamic-dim '" + text + "': ";
  if (parts.size() != 2 && parts.size() != 4) {
    result.error = where + kGrammar;
    return result;
  }
  int64_t* fields[] = {&result.dim.input, &result.dim.dim, &result.dim.min, &result.dim.max};
  const char* names[] = {"INPUT", "DIM", "MIN", "MAX"};
  for (size_t i = 0; i < parts.size(); ++i) {
    if (!ParseCount(parts[i], fields[i])) {
      result.error = where + names[i] + " '" + parts[i] + "' is not a whole number >= 0; " +
                     kGrammar;
      return result;
    }
  }
  if (parts.size() == 4 && result.dim.min > result.dim.max) {
    result.error = where + "MIN " + parts[2] + " is larger than MAX " + parts[3];
    return result;
  }
  if (parts.size() == 4 && result.dim.max < 2) {
    result.error = where + "MAX must be at least 2 (a dimension of size 0 or 1 only is static)";
    return result;
  }
  result.ok = true;
  return result;
}

std::string FormatDynamicDim(const DynamicDim& dim) {
  std::string text = std::to_string(dim.input) + ":" + std::to_string(dim.dim);
  if (dim.min >= 0) text += ":" + std::to_string(dim.min) + ":" + std::to_string(dim.max);
  return text;
}

std::string CheckDynamicDims(const std::vector<DynamicDim>& dims,
                             const std::vector<InputSpec>& example_inputs) {
  std::set<std::pair<int64_t, int64_t>> seen;
  for (const DynamicDim& dim : dims) {
    const std::string where = "--dynamic-dim " + FormatDynamicDim(dim) + ": ";
    if (!seen.insert({dim.input, dim.dim}).second) {
      return where + "dimension " + std::to_string(dim.dim) + " of argument " +
             std::to_string(dim.input) + " is given twice";
    }
    if (example_inputs.empty()) continue;  // a file: the engine checks against its tensors
    if (dim.input >= static_cast<int64_t>(example_inputs.size())) {
      return where + "there is no argument " + std::to_string(dim.input) + ": --example-input " +
             "gives " + std::to_string(example_inputs.size()) + " (INPUT counts from 0)";
    }
    const InputSpec& spec = example_inputs[static_cast<size_t>(dim.input)];
    if (dim.dim >= static_cast<int64_t>(spec.shape.size())) {
      return where + "argument " + std::to_string(dim.input) + " (" + FormatInputSpec(spec) +
             ") has no dimension " + std::to_string(dim.dim) + " (DIM counts from 0)";
    }
    const int64_t size = spec.shape[static_cast<size_t>(dim.dim)];
    if (size < 2) {
      return where + "the example input's size there is " + std::to_string(size) +
             "; torch.export treats sizes 0 and 1 as fixed: give the example input a size of "
             "at least 2 in that dimension";
    }
    if (dim.min >= 0 && (size < dim.min || size > dim.max)) {
      return where + "the example input's size there, " + std::to_string(size) +
             ", is outside " + std::to_string(dim.min) + ".." + std::to_string(dim.max);
    }
  }
  return "";
}

}  // namespace pt2ts
