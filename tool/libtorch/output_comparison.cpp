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

  void Compare(const c10::IValue& actual, const c10::IValue& expected, const std::string& where) {
    if (!result_.matches) return;
    if (expected.isTensor()) {
      if (!actual.isTensor()) return Fail(where, "expected a tensor, got " + actual.tagKind());
      return CompareTensors(actual.toTensor(), expected.toTensor(), where);
    }
    if (expected.isTuple() || expected.isList()) {
      if (!(actual.isTuple() || actual.isList())) {
        return Fail(where, "expected a sequence, got " + actual.tagKind());
      }
      const std::vector<c10::IValue> a = Elements(actual);
      const std::vector<c10::IValue> e = Elements(expected);
      if (a.size() != e.size()) {
        return Fail(where, "expected " + std::to_string(e.size()) + " elements, got " +
                               std::to_string(a.size()));
      }
      for (size_t i = 0; i < e.size(); ++i) Compare(a[i], e[i], where + "[" + std::to_string(i) + "]");
      return;
    }
    if (expected.isGenericDict()) {
      if (!actual.isGenericDict()) return Fail(where, "expected a dict, got " + actual.tagKind());
      const c10::Dict<c10::IValue, c10::IValue> a = actual.toGenericDict();
      const c10::Dict<c10::IValue, c10::IValue> e = expected.toGenericDict();
      if (a.size() != e.size()) return Fail(where, "the dicts have different keys");
      for (const auto& entry : e) {
        const std::string key = KeyText(entry.key());
        auto found = a.find(entry.key());
        if (found == a.end()) return Fail(where, "missing key " + key);
        Compare(found->value(), entry.value(), where + "[" + key + "]");
      }
      return;
    }
    if (!(actual == expected)) {
      std::ostringstream text;
      text << "expected " << expected << ", got " << actual;
      Fail(where, text.str());
    }
  }

  const ComparisonResult& result() const { return result_; }

 private:
  static std::vector<c10::IValue> Elements(const c10::IValue& value) {
    if (value.isTuple()) return value.toTupleRef().elements().vec();
    return value.toListRef().vec();
  }

  static std::string KeyText(const c10::IValue& key) {
    if (key.isString()) return "'" + key.toStringRef() + "'";
    std::ostringstream text;
    text << key;
    return text.str();
  }

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
    // NaN where eager has NaN counts as equal, as in torch.testing.
    const at::Tensor both_nan = a.isnan().logical_and(e.isnan());
    const at::Tensor abs_diff = (a - e).abs().masked_fill(both_nan, 0);
    const at::Tensor rel_diff = abs_diff / e.abs().clamp_min(1e-12);
    const double max_abs = abs_diff.max().item<double>();
    const double max_rel = rel_diff.masked_fill(abs_diff == 0, 0).max().item<double>();
    if (max_abs > result_.max_abs_diff || result_.worst_output.empty()) {
      result_.worst_output = where;
    }
    result_.max_abs_diff = std::max(result_.max_abs_diff, max_abs);
    result_.max_rel_diff = std::max(result_.max_rel_diff, max_rel);
    const bool close = abs_diff.le(e.abs() * rtol_ + atol_).all().item<bool>();
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

}  // namespace

ComparisonResult CompareOutputs(const c10::IValue& actual, const c10::IValue& expected,
                                double rtol, double atol) {
  Comparer comparer(rtol, atol);
  comparer.Compare(actual, expected, "output");
  return comparer.result();
}

}  // namespace pt2ts
