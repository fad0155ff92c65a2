// Compares what the artifact computes in LibTorch with what the eager Python
// model computed, output by output (tensors, tuples, lists, dicts).
#pragma once

#include <ATen/core/ivalue.h>

#include <string>

namespace pt2ts {

struct ComparisonResult {
  bool matches = true;
  std::string problem;  // first mismatch, naming the output, e.g. "output[1]['logits']: ..."
  double max_abs_diff = 0;
  double max_rel_diff = 0;
  std::string worst_output;  // where the largest absolute difference is
  int tensors_compared = 0;
};

// Tensors match when |actual - expected| <= atol + rtol * |expected|
// elementwise (like torch.allclose); everything else must be equal.
ComparisonResult CompareOutputs(const c10::IValue& actual, const c10::IValue& expected,
                                double rtol, double atol);

}  // namespace pt2ts
