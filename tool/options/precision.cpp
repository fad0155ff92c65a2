#include "options/precision.h"

namespace pt2ts {

// float32's are the tolerances pt2ts has always used. float64 is tight enough
// to show that the artifact computes in double (float32 rounding alone is
// ~1e-7); the half precisions carry 8 (float16: 11) significant bits.
const Precision kPrecisions[] = {
    {"float32", 1e-5, 1e-5},
    {"float64", 1e-10, 1e-10},
    {"float16", 1e-2, 1e-2},
    {"bfloat16", 5e-2, 5e-2},
    {nullptr, 0, 0},
};

const Precision* FindPrecision(const std::string& name) {
  for (const Precision* precision = kPrecisions; precision->name != nullptr; ++precision) {
    if (name == precision->name) return precision;
  }
  return nullptr;
}

std::string PrecisionNames() {
  std::string names;
  for (const Precision* precision = kPrecisions; precision->name != nullptr; ++precision) {
    names += (names.empty() ? "" : ", ") + std::string(precision->name);
  }
  return names;
}

}  // namespace pt2ts
