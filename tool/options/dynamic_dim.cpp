#include "options/dynamic_dim.h"

#include <algorithm>
#include <cstdlib>
#include <map>
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
  if (dim.min >= 0) {
    text.append(":").append(std::to_string(dim.min)).append(":").append(std::to_string(dim.max));
  }
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

std::string CheckInputsFitShapes(const std::vector<DynamicDim>& dims,
                                 const std::vector<InputSpec>& example_inputs,
                                 const std::vector<InputSpec>& check_inputs) {
  if (example_inputs.size() != check_inputs.size()) return "";  // an option rule's error
  std::map<std::pair<int64_t, int64_t>, const DynamicDim*> dynamic;
  for (const DynamicDim& dim : dims) dynamic[{dim.input, dim.dim}] = &dim;
  // (argument, dimension) -> the sizes the check inputs need there.
  std::map<std::pair<int64_t, int64_t>, std::pair<int64_t, int64_t>> missing;
  std::string small_example;  // where the example's size is below 2
  for (size_t arg = 0; arg < check_inputs.size(); ++arg) {
    const InputSpec& example = example_inputs[arg];
    const InputSpec& check = check_inputs[arg];
    const std::string where = "--check-input " + FormatInputSpec(check) + " (argument " +
                              std::to_string(arg) + "): ";
    if (check.dtype != example.dtype) {
      return where + "the example input there is " + example.dtype + " (" +
             FormatInputSpec(example) + "); a .pt2 package accepts the example inputs' dtypes "
             "only: give the check input the same dtype";
    }
    if (check.shape.size() != example.shape.size()) {
      return where + "has " + std::to_string(check.shape.size()) + " dimensions and the "
             "example input " + FormatInputSpec(example) + " " +
             std::to_string(example.shape.size()) + "; a .pt2 package accepts the example "
             "inputs' numbers of dimensions only";
    }
    for (size_t d = 0; d < check.shape.size(); ++d) {
      const int64_t size = check.shape[d];
      const int64_t example_size = example.shape[d];
      const auto key = std::make_pair(static_cast<int64_t>(arg), static_cast<int64_t>(d));
      const auto found = dynamic.find(key);
      if (found != dynamic.end()) {
        const DynamicDim& dim = *found->second;
        if (dim.min >= 0 && (size < dim.min || size > dim.max)) {
          return "--dynamic-dim " + FormatDynamicDim(dim) + ": the check input's size there, " +
                 std::to_string(size) + " (" + where.substr(0, where.size() - 2) +
                 "), is outside " + std::to_string(dim.min) + ".." + std::to_string(dim.max) +
                 ": widen the bounds";
        }
        continue;
      }
      if (size == example_size) continue;
      auto range = missing.emplace(key, std::make_pair(example_size, example_size)).first;
      range->second.first = std::min(range->second.first, size);
      range->second.second = std::max(range->second.second, size);
      if (example_size < 2 && small_example.empty()) {
        small_example = "; torch.export treats sizes 0 and 1 as fixed: give the example input "
                        "argument " + std::to_string(arg) + " a size of at least 2 in dimension " +
                        std::to_string(d) + " too";
      }
    }
  }
  if (missing.empty()) return "";
  std::string where_text;
  std::string add;
  for (const auto& [key, range] : missing) {
    const std::string arg = std::to_string(key.first);
    const std::string dim = std::to_string(key.second);
    if (!where_text.empty()) where_text += ", ";
    where_text.append("dimension ").append(dim).append(" of argument ").append(arg);
    const DynamicDim suggested{key.first, key.second, range.first,
                               std::max<int64_t>(range.second, 2)};
    if (!add.empty()) add += ' ';
    add.append("--dynamic-dim ").append(FormatDynamicDim(suggested));
  }
  return "the check inputs differ from the example inputs in " + where_text +
         ", and a .pt2 package accepts there only the example inputs' size (it is compiled for "
         "the example shapes): add " + add + " (bounds covering the sizes given; widen them to "
         "the sizes your program passes), or check at the example's sizes" + small_example;
}

}  // namespace pt2ts
