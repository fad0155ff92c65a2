// The precisions a model can be converted in (--dtype), each with the
// default tolerances of the check against eager PyTorch in that precision.
#pragma once

#include <string>

namespace pt2ts {

struct Precision {
  const char* name;  // --dtype value, torch's own name
  // Defaults of --rtol/--atol when the command line gives none: the artifact
  // and eager PyTorch run the same operations in this precision, but fused or
  // reordered ones (AOTInductor, freezing) round differently, by a few units
  // in the last place of each layer's output (docs/formats.md, "Precision").
  double rtol;
  double atol;
};

// All precisions; ends with a null name.
extern const Precision kPrecisions[];

// The precision named `name`, or null.
const Precision* FindPrecision(const std::string& name);

// "float32, float64, ...": the names, for messages.
std::string PrecisionNames();

}  // namespace pt2ts
