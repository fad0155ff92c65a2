#include "options/option_rules.h"

#include "base/text.h"
#include "options/artifact_formats.h"

namespace pt2ts {
namespace {

struct OptionRule {
  bool (*broken)(const GivenOptions& given);
  const char* message;
};

bool HasExampleInputs(const ConvertOptions& options) {
  return !options.example_inputs.empty() || !options.example_inputs_path.empty();
}

bool HasCheckInputs(const ConvertOptions& options) {
  return !options.check_inputs.empty() || !options.check_inputs_path.empty();
}

bool HasWeights(const ConvertOptions& options) { return !options.state_dict_path.empty(); }

// By its name, as the engine tells (safetensors_file.is_safetensors).
bool HasSafetensorsWeights(const ConvertOptions& options) {
  return EndsWith(options.state_dict_path, ".safetensors") ||
         EndsWith(options.state_dict_path, ".safetensors.index.json");
}

bool IsExported(const ConvertOptions& options) { return IsExportedFormat(options.format); }

// Checked in order; the first broken rule is reported.
const OptionRule kRules[] = {
    {[](const GivenOptions& g) {
       return !g.options.example_inputs.empty() && !g.options.example_inputs_path.empty();
     },
     "--example-input and --example-inputs exclude each other: give the inputs either as shapes "
     "or as a file"},
    {[](const GivenOptions& g) {
       return (g.Written("--rtol") || g.Written("--atol")) && !HasExampleInputs(g.options) &&
              !HasCheckInputs(g.options);
     },
     "--rtol/--atol set the tolerance of the check on example inputs; give the inputs with "
     "--example-input SHAPE or --example-inputs FILE"},
    {[](const GivenOptions& g) {
       return !g.options.example_inputs.empty() && !g.options.check_inputs.empty() &&
              g.options.example_inputs.size() != g.options.check_inputs.size();
     },
     "--check-input and --example-input give different numbers of inputs: each set has one "
     "per forward argument, in order"},
    {[](const GivenOptions& g) { return g.options.method == "trace" && !HasExampleInputs(g.options); },
     "--method trace records the model running on example inputs: give --example-input SHAPE "
     "(one per forward argument) or --example-inputs FILE"},
    {[](const GivenOptions& g) { return g.options.freeze && g.options.train; },
     "--freeze and --train exclude each other: a frozen model is for inference (eval mode)"},
    {[](const GivenOptions& g) {
       const ArtifactFormat* by_extension = ArtifactFormatOfPath(g.options.save_path);
       return by_extension != nullptr && by_extension->name != g.options.format;
     },
     "--format and the save path's extension name different formats (.pt is torchscript, .ptl "
     "is lite, .pt2 is aoti): change one of them"},
    {[](const GivenOptions& g) { return IsExported(g.options) && !HasExampleInputs(g.options); },
     "a .pt2 package (--format aoti) is compiled for the shapes of example inputs: give "
     "--example-input SHAPE (one per forward argument) or --example-inputs FILE"},
    {[](const GivenOptions& g) { return IsExported(g.options) && g.Written("--method"); },
     "--method chooses how TorchScript captures the model; a .pt2 package (--format aoti) is "
     "always captured with torch.export: drop --method"},
    {[](const GivenOptions& g) { return IsExported(g.options) && g.options.freeze; },
     "--freeze applies to TorchScript files; a .pt2 package (--format aoti) is compiled by "
     "AOTInductor, which folds the weights itself: drop --freeze"},
    {[](const GivenOptions& g) { return !g.options.dynamic_dims.empty() && !IsExported(g.options); },
     "--dynamic-dim applies to .pt2 packages (--format aoti, or a save path ending in .pt2); "
     "TorchScript files accept any shape their code handles"},
    {[](const GivenOptions& g) { return !g.options.preserve.empty() && !g.options.freeze; },
     "--preserve names what --freeze keeps; add --freeze"},
    {[](const GivenOptions& g) { return !g.options.state_key.empty() && !HasWeights(g.options); },
     "--state_key needs a weights file (-w PATH)"},
    {[](const GivenOptions& g) {
       return !g.options.state_key.empty() && HasSafetensorsWeights(g.options);
     },
     "--state_key picks the state dict inside a torch.save checkpoint; a safetensors file "
     "(-w NAME.safetensors or NAME.safetensors.index.json) is one state dict: drop --state_key"},
    {[](const GivenOptions& g) { return g.options.trust_weights && !HasWeights(g.options); },
     "--trust-weights needs a weights file (-w PATH)"},
    {[](const GivenOptions& g) { return g.options.non_strict && !HasWeights(g.options); },
     "--non-strict needs a weights file (-w PATH)"},
};

}  // namespace

std::string CheckOptionRules(const GivenOptions& given) {
  for (const OptionRule& rule : kRules) {
    if (rule.broken(given)) return rule.message;
  }
  return "";
}

}  // namespace pt2ts
