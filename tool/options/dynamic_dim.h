// --dynamic-dim INPUT:DIM[:MIN:MAX]: a dimension of a forward argument that
// an AOTInductor package accepts at any size (within MIN..MAX), instead of
// the example input's size only.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "options/input_spec.h"

namespace pt2ts {

struct DynamicDim {
  int64_t input = 0;  // 0-based forward argument
  int64_t dim = 0;    // dimension of that argument
  int64_t min = -1;   // -1: torch.export's default bound
  int64_t max = -1;
};

struct DynamicDimResult {
  bool ok = false;
  DynamicDim dim;
  std::string error;
};

DynamicDimResult ParseDynamicDim(const std::string& text);

// "0:0:1:16" or "0:0": the canonical text of a spec.
std::string FormatDynamicDim(const DynamicDim& dim);

// "" when the dims fit together and, where the example inputs are given as
// shapes, fit them (argument and dimension exist, the example's size lies
// within MIN..MAX); else the usage error's message.
std::string CheckDynamicDims(const std::vector<DynamicDim>& dims,
                             const std::vector<InputSpec>& example_inputs);

// "" when every check input set, given as shapes, has a shape the package
// compiled for the example inputs accepts: the example's dtype and number
// of dimensions, and in each dimension the example's size or a size within
// a --dynamic-dim's bounds. Else the usage error's message, naming every
// --dynamic-dim to add (bounds covering the sizes given). A package is
// compiled for those shapes only: found here, before anything is compiled,
// not when the package computes something else on the check inputs.
// tool/engine/python/export_capture.py applies the same rule to input files.
std::string CheckInputsFitShapes(const std::vector<DynamicDim>& dims,
                                 const std::vector<InputSpec>& example_inputs,
                                 const std::vector<InputSpec>& check_inputs);

}  // namespace pt2ts
