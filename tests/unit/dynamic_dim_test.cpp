// Tests for --dynamic-dim: the INPUT:DIM[:MIN:MAX] parser, its canonical
// text, and the check of the dims against the --example-input shapes.
#include "options/dynamic_dim.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace pt2ts {
namespace {

DynamicDim Parsed(const std::string& text) {
  const DynamicDimResult result = ParseDynamicDim(text);
  EXPECT_TRUE(result.ok) << text << ": " << result.error;
  return result.dim;
}

std::string Why(const std::string& text) {
  const DynamicDimResult result = ParseDynamicDim(text);
  EXPECT_FALSE(result.ok) << text;
  EXPECT_EQ(result.error.rfind("--dynamic-dim '" + text + "': ", 0), 0u) << result.error;
  return result.error;
}

std::vector<InputSpec> Shapes(const std::vector<std::vector<int64_t>>& shapes) {
  std::vector<InputSpec> specs;
  for (const auto& shape : shapes) specs.push_back({shape, "float32"});
  return specs;
}

TEST(ParseDynamicDimTest, InputAndDimension) {
  const DynamicDim dim = Parsed("1:2");
  EXPECT_EQ(dim.input, 1);
  EXPECT_EQ(dim.dim, 2);
  EXPECT_EQ(dim.min, -1);  // torch.export's own bounds
  EXPECT_EQ(dim.max, -1);
}

TEST(ParseDynamicDimTest, Bounds) {
  const DynamicDim dim = Parsed("0:0:1:16");
  EXPECT_EQ(dim.min, 1);
  EXPECT_EQ(dim.max, 16);
  EXPECT_EQ(Parsed("0:1:2:2").max, 2);
}

TEST(ParseDynamicDimTest, RefusesOtherShapesOfText) {
  for (const char* text : {"", "0", "0:", ":0", "0:0:1", "0:0:1:2:3", "a:0", "0:-1", "+1:0",
                           "0:0x1", " 0:0", "0:0:1:1e3", "0:0:-1:4"}) {
    EXPECT_NE(Why(text).find("expected INPUT:DIM or INPUT:DIM:MIN:MAX"), std::string::npos)
        << text;
  }
  EXPECT_NE(Why("a:0").find("INPUT 'a' is not a whole number"), std::string::npos);
  EXPECT_NE(Why("0:0:x:4").find("MIN 'x'"), std::string::npos);
}

TEST(ParseDynamicDimTest, RefusesBoundsThatCannotHold) {
  EXPECT_NE(Why("0:0:8:4").find("MIN 8 is larger than MAX 4"), std::string::npos);
  EXPECT_NE(Why("0:0:0:1").find("MAX must be at least 2"), std::string::npos);
}

TEST(FormatDynamicDimTest, RoundTrips) {
  for (const char* text : {"0:0", "3:1:2:64"}) EXPECT_EQ(FormatDynamicDim(Parsed(text)), text);
}

TEST(CheckDynamicDimsTest, AcceptsDimsThatFitTheExampleShapes) {
  const auto examples = Shapes({{2, 3, 8, 8}, {4, 5}});
  EXPECT_EQ(CheckDynamicDims({Parsed("0:0:1:16"), Parsed("1:1")}, examples), "");
  EXPECT_EQ(CheckDynamicDims({}, examples), "");
}

TEST(CheckDynamicDimsTest, WithoutShapesOnlyChecksDuplicates) {
  // An --example-inputs file is checked by the engine against its tensors.
  EXPECT_EQ(CheckDynamicDims({Parsed("7:9")}, {}), "");
  EXPECT_NE(CheckDynamicDims({Parsed("0:0"), Parsed("0:0:1:4")}, {}).find("given twice"),
            std::string::npos);
}

TEST(CheckDynamicDimsTest, NamesWhatDoesNotFit) {
  const auto examples = Shapes({{2, 3}, {1, 5}});
  EXPECT_NE(CheckDynamicDims({Parsed("2:0")}, examples).find("there is no argument 2"),
            std::string::npos);
  EXPECT_NE(CheckDynamicDims({Parsed("0:2")}, examples).find("has no dimension 2"),
            std::string::npos);
  EXPECT_NE(CheckDynamicDims({Parsed("1:0")}, examples).find("size there is 1"),
            std::string::npos);
  EXPECT_NE(CheckDynamicDims({Parsed("0:1:4:8")}, examples).find("outside 4..8"),
            std::string::npos);
}

TEST(CheckInputsFitShapesTest, AcceptsTheExampleShapesAndTheDynamicDims) {
  const auto examples = Shapes({{2, 16}, {2, 5}});
  EXPECT_EQ(CheckInputsFitShapes({}, examples, Shapes({{2, 16}, {2, 5}})), "");
  EXPECT_EQ(CheckInputsFitShapes({Parsed("0:0:1:8"), Parsed("1:0")}, examples,
                                 Shapes({{7, 16}, {30, 5}})),
            "");
  // An --example-inputs file: the engine compares with its tensors.
  EXPECT_EQ(CheckInputsFitShapes({}, {}, Shapes({{3, 16}})), "");
}

TEST(CheckInputsFitShapesTest, NamesTheDynamicDimsToAdd) {
  const auto examples = Shapes({{2, 16}, {2, 5}});
  const std::string error = CheckInputsFitShapes({}, examples, Shapes({{3, 16}, {1, 9}}));
  EXPECT_EQ(error,
            "the check inputs differ from the example inputs in dimension 0 of argument 0, "
            "dimension 0 of argument 1, dimension 1 of argument 1, and a .pt2 package accepts "
            "there only the example inputs' size (it is compiled for the example shapes): add "
            "--dynamic-dim 0:0:2:3 --dynamic-dim 1:0:1:2 --dynamic-dim 1:1:5:9 (bounds covering "
            "the sizes given; widen them to the sizes your program passes), or check at the "
            "example's sizes");
  // One dimension already dynamic: only the other is named.
  EXPECT_NE(CheckInputsFitShapes({Parsed("0:0")}, Shapes({{2, 16}}), Shapes({{3, 8}}))
                .find("in dimension 1 of argument 0, and"),
            std::string::npos);
  // An example size of 1 cannot become dynamic.
  EXPECT_NE(CheckInputsFitShapes({}, Shapes({{1, 16}}), Shapes({{4, 16}}))
                .find("--dynamic-dim 0:0:1:4 (bounds"),
            std::string::npos);
  EXPECT_NE(CheckInputsFitShapes({}, Shapes({{1, 16}}), Shapes({{4, 16}}))
                .find("a size of at least 2 in dimension 0"),
            std::string::npos);
}

TEST(CheckInputsFitShapesTest, RefusesOutsideTheBoundsOtherRanksAndDtypes) {
  const auto examples = Shapes({{2, 16}});
  EXPECT_NE(CheckInputsFitShapes({Parsed("0:0:1:8")}, examples, Shapes({{9, 16}}))
                .find("--dynamic-dim 0:0:1:8: the check input's size there, 9"),
            std::string::npos);
  EXPECT_NE(CheckInputsFitShapes({}, examples, Shapes({{2, 16, 1}}))
                .find("has 3 dimensions and the example input 2x16:float32 2"),
            std::string::npos);
  EXPECT_NE(CheckInputsFitShapes({}, examples, {InputSpec{{2, 16}, "int64"}})
                .find("the example input there is float32"),
            std::string::npos);
}

}  // namespace
}  // namespace pt2ts
