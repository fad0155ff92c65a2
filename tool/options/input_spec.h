// --example-input SPEC: the shape and dtype of one random example input,
// e.g. "1x3x224x224", "2x20x80:float32", "2:int64".
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace pt2ts {

struct InputSpec {
  std::vector<int64_t> shape;
  std::string dtype = "float32";  // canonical torch name: float32, int64, bool, ...
};

struct InputSpecResult {
  bool ok = false;
  InputSpec spec;
  std::string error;
};

InputSpecResult ParseInputSpec(const std::string& text);

// "2x3:float32": the canonical text of a spec.
std::string FormatInputSpec(const InputSpec& spec);

}  // namespace pt2ts
