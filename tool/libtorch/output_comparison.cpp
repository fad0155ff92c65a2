#include "output_comparison.h"

#include <ATen/ATen.h>

#include <sstream>

namespace pt2ts {
namespace {

std::string Shape(const at::Tensor& tensor) {
  std::ostringstream text;
  text << tensor.sizes();
  return text.str();
}

class Comparer {
 public:
  Comparer(double rtol, double atol) : rtol_(rtol), atol_(atol) {}

  void CompareLeaf(const c10::IValue& actual, const c10::IValue& expected,
                   const std::string& where) {
    if (!result_.matches) return;
    if (expected.isTensor()) {
      if (!actual.isTensor()) return Fail(where, "expected a tensor, got " + actual.tagKind());
      return CompareTensors(actual.toTensor(), expected.toTensor(), where);
    }
    if (!(actual == expected)) {
      std::ostringstream text;
      text << "expected " << expected << ", got " << actual;
      Fail(where, text.str());
    }
  }

  const ComparisonResult& result() const { return result_; }

 private:
  void CompareTensors(const at::Tensor& actual, const at::Tensor& expected,
                      const std::string& where) {
    ++result_.tensors_compared;
    if (actual.sizes() != expected.sizes()) {
      return Fail(where, "shape " + Shape(actual) + " instead of " + Shape(expected));
    }
    if (actual.scalar_type() != expected.scalar_type()) {
      return Fail(where, std::string("dtype ") + c10::toString(actual.scalar_type()) +
                             " instead of " + c10::toString(expected.scalar_type()));
    }
    if (actual.numel() == 0) return;
    const at::Tensor a = actual.detach().to(at::kDouble);
    const at::Tensor e = expected.detach().to(at::kDouble);
    // Equal values, infinities included (inf - inf is NaN), and NaN where
    // eager has NaN count as equal, as in torch.testing.
    const at::Tensor same = a.eq(e).logical_or(a.isnan().logical_and(e.isnan()));
    const at::Tensor abs_diff = (a - e).abs().masked_fill(same, 0);
    const at::Tensor rel_diff =
        at::where(e.isfinite(), abs_diff / e.abs().clamp_min(1e-12), abs_diff);
    const double max_abs = abs_diff.max().item<double>();
    const double max_rel = rel_diff.masked_fill(abs_diff == 0, 0).max().item<double>();
    if (max_abs > result_.max_abs_diff || result_.worst_output.empty()) {
      result_.worst_output = where;
    }
    result_.max_abs_diff = std::max(result_.max_abs_diff, max_abs);
    result_.max_rel_diff = std::max(result_.max_rel_diff, max_rel);
    // An infinite expected value has no tolerance: only the same infinity
    // matches it (inf * rtol would accept anything).
    const at::Tensor tolerance = at::where(e.isfinite(), e.abs() * rtol_ + atol_, 0.0);
    const bool close = abs_diff.le(tolerance).all().item<bool>();
    if (!close || std::isnan(max_abs)) {
      std::ostringstream text;
      text << "values differ: largest absolute difference " << max_abs
           << ", largest relative difference " << max_rel << " (rtol " << rtol_ << ", atol "
           << atol_ << ")";
      Fail(where, text.str());
    }
  }

  void Fail(const std::string& where, const std::string& what) {
    result_.matches = false;
    result_.problem = where + ": " + what;
  }

  double rtol_;
  double atol_;
  ComparisonResult result_;
};

void AppendLeaves(const c10::IValue& value, std::vector<c10::IValue>* leaves) {
  if (value.isTuple()) {
    for (const c10::IValue& item : value.toTupleRef().elements()) AppendLeaves(item, leaves);
  } else if (value.isList()) {
    for (const c10::IValue& item : value.toListRef()) AppendLeaves(item, leaves);
  } else if (value.isGenericDict()) {
    for (const auto& entry : value.toGenericDict()) AppendLeaves(entry.value(), leaves);
  } else if (!value.isNone()) {  // None is no leaf (eager_check.output_leaves)
    leaves->push_back(value);
  }
}

std::string Listed(const std::vector<std::string>& paths) {
  std::string text;
  for (size_t i = 0; i < paths.size() && i < 4; ++i) text += (i ? ", " : "") + paths[i];
  return paths.size() > 4 ? text + ", ..." : text;
}

}  // namespace

std::vector<c10::IValue> FlattenOutput(const c10::IValue& output) {
  std::vector<c10::IValue> leaves;
  AppendLeaves(output, &leaves);
  return leaves;
}

ComparisonResult CompareOutputs(const c10::IValue& actual, const ExpectedOutputs& expected,
                                double rtol, double atol) {
  const std::vector<c10::IValue> leaves = FlattenOutput(actual);
  if (leaves.size() != expected.leaves.size()) {
    ComparisonResult result;
    result.matches = false;
    result.problem = "output: the artifact returns " + std::to_string(leaves.size()) +
                     " values (tensors, numbers, strings) and the eager model " +
                     std::to_string(expected.leaves.size()) + " (" + Listed(expected.paths) + ")";
    return result;
  }
  Comparer comparer(rtol, atol);
  for (size_t i = 0; i < leaves.size(); ++i) {
    comparer.CompareLeaf(leaves[i], expected.leaves[i], expected.paths.at(i));
  }
  return comparer.result();
}

}  // namespace pt2ts
