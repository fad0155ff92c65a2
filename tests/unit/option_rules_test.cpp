// Unit tests of the front end's option rules (option_rules.cpp), Python
// names (python_names.cpp) and artifact formats (artifact_formats.cpp).
#include <gtest/gtest.h>

#include <set>
#include <string>

#include "cli/python_names.h"
#include "options/artifact_formats.h"
#include "options/option_rules.h"

namespace pt2ts {
namespace {

std::string Rules(const ConvertOptions& options, const std::set<std::string>& written = {}) {
  return CheckOptionRules({options, written});
}

ConvertOptions Defaults() {
  ConvertOptions options;
  options.format = "torchscript";
  return options;
}

TEST(OptionRulesTest, DefaultsPass) { EXPECT_EQ(Rules(Defaults()), ""); }

TEST(OptionRulesTest, WeightOptionsNeedWeights) {
  ConvertOptions options = Defaults();
  options.state_key = "model";
  EXPECT_NE(Rules(options).find("--state_key needs a weights file"), std::string::npos);
  options.state_dict_path = "w.pt";
  EXPECT_EQ(Rules(options), "");
}

TEST(OptionRulesTest, TolerancesNeedInputsOnlyWhenWritten) {
  ConvertOptions options = Defaults();
  EXPECT_EQ(Rules(options), "");
  EXPECT_NE(Rules(options, {"--rtol"}).find("--rtol/--atol"), std::string::npos);
  options.check_inputs.push_back(InputSpec{{2, 3}, "float32"});
  EXPECT_EQ(Rules(options, {"--rtol"}), "");
}

TEST(OptionRulesTest, TraceNeedsExampleInputs) {
  ConvertOptions options = Defaults();
  options.method = "trace";
  EXPECT_NE(Rules(options).find("--example-input"), std::string::npos);
  options.example_inputs_path = "inputs.pt";
  EXPECT_EQ(Rules(options), "");
}

TEST(OptionRulesTest, CheckInputCountMustMatch) {
  ConvertOptions options = Defaults();
  options.example_inputs = {InputSpec{{2, 3}, "float32"}};
  options.check_inputs = {InputSpec{{4, 3}, "float32"}, InputSpec{{4}, "int64"}};
  EXPECT_NE(Rules(options).find("--check-input"), std::string::npos);
  options.check_inputs.pop_back();
  EXPECT_EQ(Rules(options), "");
}

TEST(OptionRulesTest, FreezeRules) {
  ConvertOptions options = Defaults();
  options.preserve = {"describe"};
  EXPECT_NE(Rules(options).find("add --freeze"), std::string::npos);
  options.freeze = true;
  EXPECT_EQ(Rules(options), "");
  options.train = true;
  EXPECT_NE(Rules(options).find("--train"), std::string::npos);
}

TEST(OptionRulesTest, PackagesNeedExampleInputsAndRefuseTorchScriptOptions) {
  ConvertOptions options = Defaults();
  options.format = "aoti";
  options.save_path = "net.pt2";
  EXPECT_NE(Rules(options).find("--example-input"), std::string::npos);
  options.example_inputs = {InputSpec{{2, 3}, "float32"}};
  EXPECT_EQ(Rules(options), "");
  EXPECT_NE(Rules(options, {"--method"}).find("drop --method"), std::string::npos);
  options.freeze = true;
  EXPECT_NE(Rules(options).find("drop --freeze"), std::string::npos);
}

TEST(OptionRulesTest, DynamicDimsOnlyForPackages) {
  ConvertOptions options = Defaults();
  options.example_inputs = {InputSpec{{2, 3}, "float32"}};
  options.dynamic_dims = {DynamicDim{0, 0, 1, 8}};
  EXPECT_NE(Rules(options).find("--dynamic-dim applies to .pt2 packages"), std::string::npos);
  options.format = "aoti";
  options.save_path = "net.pt2";
  EXPECT_EQ(Rules(options), "");
}

TEST(OptionRulesTest, FormatMustAgreeWithAKnownExtension) {
  ConvertOptions options = Defaults();
  options.save_path = "model.ptl";
  EXPECT_NE(Rules(options).find("--format"), std::string::npos);
  options.format = "lite";
  EXPECT_EQ(Rules(options), "");
  options.save_path = "model.bin";  // no format's extension: any format
  EXPECT_EQ(Rules(options), "");
}

TEST(ArtifactFormatsTest, ByNameAndByExtension) {
  ASSERT_NE(FindArtifactFormat("lite"), nullptr);
  EXPECT_EQ(FindArtifactFormat("onnx"), nullptr);
  EXPECT_STREQ(ArtifactFormatOfPath("a/b.ptl")->name, "lite");
  EXPECT_STREQ(ArtifactFormatOfPath("b.pt")->name, "torchscript");
  EXPECT_EQ(ArtifactFormatOfPath(".pt"), nullptr);  // a hidden file, no extension
  EXPECT_EQ(ArtifactFormatOfPath("b.pth"), nullptr);
  EXPECT_STREQ(ArtifactFormatOfPath("net.pt2")->name, "aoti");
  EXPECT_TRUE(FindArtifactFormat("aoti")->exported);  // captured with torch.export
  EXPECT_FALSE(FindArtifactFormat("lite")->exported);
  EXPECT_EQ(ArtifactFormatNames(), "torchscript, lite, aoti");
}

TEST(PythonNamesTest, Identifiers) {
  EXPECT_TRUE(IsPythonIdentifier("depth_2"));
  EXPECT_TRUE(IsPythonIdentifier("_x"));
  EXPECT_TRUE(IsPythonIdentifier("gr\xc3\xb6\xc3\x9f"));  // UTF-8 letters
  EXPECT_FALSE(IsPythonIdentifier(""));
  EXPECT_FALSE(IsPythonIdentifier("2x"));
  EXPECT_FALSE(IsPythonIdentifier("a-b"));
}

TEST(PythonNamesTest, DottedModuleNames) {
  EXPECT_TRUE(IsDottedModuleName("zoo"));
  EXPECT_TRUE(IsDottedModuleName("zoo.models.v2"));
  EXPECT_FALSE(IsDottedModuleName(""));
  EXPECT_FALSE(IsDottedModuleName(".zoo"));
  EXPECT_FALSE(IsDottedModuleName("zoo."));
  EXPECT_FALSE(IsDottedModuleName("zoo..models"));
  EXPECT_FALSE(IsDottedModuleName("zoo.2models"));
}

}  // namespace
}  // namespace pt2ts
