// Compares what the artifact computes in LibTorch with what the eager Python
// model computed. Both are flattened by the same rules (torch.utils._pytree's
// for the eager outputs, eager_check.py; tuples, lists and dicts in order
// here), and compared leaf by leaf, each named by its eager path.
#pragma once

#include <ATen/core/ivalue.h>

#include <string>
#include <vector>

namespace pt2ts {

struct ExpectedOutputs {
  std::vector<std::string> paths;    // "output[0]", "output['boxes']", "output.logits"
  std::vector<c10::IValue> leaves;   // tensors, numbers, strings
};

struct ComparisonResult {
  bool matches = true;
  std::string problem;  // first mismatch, naming the leaf, e.g. "output[1]['logits']: ..."
  double max_abs_diff = 0;
  double max_rel_diff = 0;
  std::string worst_output;  // where the largest absolute difference is
  int tensors_compared = 0;
};

// The leaves of an output: tuples and lists element by element, dicts value
// by value in their order; everything else but None is a leaf.
std::vector<c10::IValue> FlattenOutput(const c10::IValue& output);

// Tensors match when |actual - expected| <= atol + rtol * |expected|
// elementwise (like torch.allclose); everything else must be equal.
ComparisonResult CompareOutputs(const c10::IValue& actual, const ExpectedOutputs& expected,
                                double rtol, double atol);

}  // namespace pt2ts
