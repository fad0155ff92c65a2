#include "option_rules.h"

namespace pt2ts {
namespace {

struct OptionRule {
  bool (*broken)(const GivenOptions& given);
  const char* message;
};

bool HasExampleInputs(const ConvertOptions& options) {
  return !options.example_inputs.empty() || !options.example_inputs_path.empty();
}

bool HasWeights(const ConvertOptions& options) { return !options.state_dict_path.empty(); }

// Checked in order; the first broken rule is reported.
const OptionRule kRules[] = {
    {[](const GivenOptions& g) {
       return !g.options.example_inputs.empty() && !g.options.example_inputs_path.empty();
     },
     "--example-input and --example-inputs exclude each other: give the inputs either as shapes "
     "or as a file"},
    {[](const GivenOptions& g) {
       return (g.Written("--rtol") || g.Written("--atol")) && !HasExampleInputs(g.options);
     },
     "--rtol/--atol set the tolerance of the check on example inputs; give the inputs with "
     "--example-input SHAPE or --example-inputs FILE"},
    {[](const GivenOptions& g) { return !g.options.state_key.empty() && !HasWeights(g.options); },
     "--state_key needs a weights file (-w PATH)"},
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
