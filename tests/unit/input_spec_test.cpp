// Tests for the --example-input spec parser (ParseInputSpec) and its
// canonical text (FormatInputSpec).
#include "options/input_spec.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <vector>

namespace pt2ts {
namespace {

InputSpec Parsed(const std::string& text) {
  const InputSpecResult result = ParseInputSpec(text);
  EXPECT_TRUE(result.ok) << text << ": " << result.error;
  return result.spec;
}

// The error text after the common "bad --example-input 'TEXT': " prefix,
// without the common hint at the end.
std::string Why(const std::string& text) {
  const InputSpecResult result = ParseInputSpec(text);
  EXPECT_FALSE(result.ok) << text;
  const std::string prefix = "bad --example-input '" + text + "': ";
  const std::string hint =
      " (expected a shape like 1x3x224x224, optionally :dtype, e.g. 2x20:int64)";
  EXPECT_EQ(result.error.rfind(prefix, 0), 0u) << result.error;
  EXPECT_GE(result.error.size(), prefix.size() + hint.size()) << result.error;
  EXPECT_EQ(result.error.substr(result.error.size() - hint.size()), hint) << result.error;
  return result.error.substr(prefix.size(), result.error.size() - prefix.size() - hint.size());
}

TEST(ParseInputSpecTest, ShapesDefaultToFloat32) {
  EXPECT_EQ(Parsed("1x3x224x224").shape, (std::vector<int64_t>{1, 3, 224, 224}));
  EXPECT_EQ(Parsed("1x3x224x224").dtype, "float32");
  EXPECT_EQ(Parsed("7").shape, (std::vector<int64_t>{7}));
  EXPECT_EQ(Parsed("0x5").shape, (std::vector<int64_t>{0, 5}));  // empty tensors are valid
  EXPECT_EQ(Parsed("007x1").shape, (std::vector<int64_t>{7, 1}));
}

TEST(ParseInputSpecTest, DtypeSpellingsMapToTorchNames) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"float", "float32"},   {"float32", "float32"}, {"double", "float64"},
      {"float64", "float64"}, {"half", "float16"},    {"float16", "float16"},
      {"bfloat16", "bfloat16"}, {"long", "int64"},    {"int64", "int64"},
      {"int", "int32"},       {"int32", "int32"},     {"int16", "int16"},
      {"int8", "int8"},       {"uint8", "uint8"},     {"bool", "bool"}};
  for (const auto& [spelling, dtype] : cases) {
    EXPECT_EQ(Parsed("2x3:" + spelling).dtype, dtype) << spelling;
  }
}

TEST(ParseInputSpecTest, BadShapesAreExplained) {
  EXPECT_EQ(Why(""), "no shape");
  EXPECT_EQ(Why(":int64"), "no shape");
  EXPECT_EQ(Why("2x"), "'' is not a dimension size");
  EXPECT_EQ(Why("x2"), "'' is not a dimension size");
  EXPECT_EQ(Why("2xx3"), "'' is not a dimension size");
  EXPECT_EQ(Why("2x-1"), "'-1' is not a dimension size");
  EXPECT_EQ(Why("2X3"), "'2X3' is not a dimension size");
  EXPECT_EQ(Why("2 x3"), "'2 ' is not a dimension size");
  EXPECT_EQ(Why("12345678901"), "'12345678901' is not a dimension size");  // over 10 digits
}

TEST(ParseInputSpecTest, ElementCountIsBounded) {
  EXPECT_TRUE(ParseInputSpec("65536x32768").ok);  // 2^31 elements: the limit
  EXPECT_EQ(Why("65536x32769"), "too many elements");
  EXPECT_EQ(Why("9999999999x9999999999"), "too many elements");
  EXPECT_TRUE(ParseInputSpec("0x9999999999x9999999999").ok);  // no elements at all
}

TEST(ParseInputSpecTest, UnknownDtypesListTheKnownOnes) {
  const std::string why = Why("2x3:complex64");
  EXPECT_EQ(why.rfind("unknown dtype 'complex64' (known: ", 0), 0u) << why;
  EXPECT_NE(why.find("bfloat16, bool, double, float"), std::string::npos) << why;
  EXPECT_EQ(Why("2x3:").rfind("unknown dtype '' (known: ", 0), 0u);
  EXPECT_EQ(Why("2x3:Float32").rfind("unknown dtype 'Float32'", 0), 0u);
  EXPECT_EQ(Why("2:int64:int64").rfind("unknown dtype 'int64:int64'", 0), 0u);
}

TEST(FormatInputSpecTest, CanonicalTextReadsBackAsTheSameSpec) {
  EXPECT_EQ(FormatInputSpec(Parsed("1x3x8x8")), "1x3x8x8:float32");
  EXPECT_EQ(FormatInputSpec(Parsed("2x20:long")), "2x20:int64");
  EXPECT_EQ(FormatInputSpec(Parsed("007:half")), "7:float16");
  for (const std::string text : {"1x3x8x8:float32", "2x20:int64", "0x1:bool", "5:bfloat16"}) {
    const InputSpec spec = Parsed(text);
    EXPECT_EQ(FormatInputSpec(spec), text);
    EXPECT_EQ(Parsed(FormatInputSpec(spec)).shape, spec.shape);
  }
}

}  // namespace
}  // namespace pt2ts
