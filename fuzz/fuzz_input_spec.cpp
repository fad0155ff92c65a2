// libFuzzer target for --example-input specs (tool/input_spec.h).
//
// Checks, for any bytes:
//  - ParseInputSpec never crashes or throws (it calls std::stoll, which
//    throws on overflow: the 10-digit bound must keep it in range);
//  - a failure has an error message, a success has none;
//  - a parsed spec has at least one dimension, no negative size, a known
//    canonical dtype, and at most 2^31 elements (unless a size is 0);
//  - FormatInputSpec gives canonical text that parses back to the same spec
//    and formats to the same text again.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <set>
#include <string>

#include "options/input_spec.h"

namespace {

[[noreturn]] void Fail(const char* what, const std::string& input, const std::string& detail) {
  std::fprintf(stderr, "fuzz_input_spec: %s\n  input (%zu bytes): %s\n  detail: %s\n", what,
               input.size(), input.c_str(), detail.c_str());
  std::abort();
}

const std::set<std::string> kCanonicalDtypes = {"float32", "float64", "float16", "bfloat16",
                                                "int64",   "int32",   "int16",   "int8",
                                                "uint8",   "bool"};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  const pt2ts::InputSpecResult result = pt2ts::ParseInputSpec(text);
  if (!result.ok) {
    if (result.error.empty()) Fail("failure without an error message", text, "");
    return 0;
  }
  if (!result.error.empty()) Fail("success with an error message", text, result.error);
  const pt2ts::InputSpec& spec = result.spec;
  const std::string formatted = pt2ts::FormatInputSpec(spec);
  if (spec.shape.empty()) Fail("a spec without dimensions", text, formatted);
  if (kCanonicalDtypes.count(spec.dtype) == 0) Fail("non-canonical dtype", text, spec.dtype);
  int64_t elements = 1;
  bool empty = false;
  for (const int64_t dim : spec.shape) {
    if (dim < 0) Fail("negative dimension", text, formatted);
    if (dim == 0) empty = true;
  }
  if (!empty) {
    for (const int64_t dim : spec.shape) {
      if (elements > (int64_t{1} << 31) / dim) Fail("more than 2^31 elements", text, formatted);
      elements *= dim;
    }
  }

  const pt2ts::InputSpecResult again = pt2ts::ParseInputSpec(formatted);
  if (!again.ok) Fail("formatted spec does not parse", text, formatted + ": " + again.error);
  if (again.spec.shape != spec.shape || again.spec.dtype != spec.dtype) {
    Fail("formatted spec parses to another spec", text,
         formatted + " -> " + pt2ts::FormatInputSpec(again.spec));
  }
  if (pt2ts::FormatInputSpec(again.spec) != formatted) {
    Fail("format is not stable", text, formatted);
  }
  return 0;
}
