// Checks a freshly written artifact the way production will use it: loaded
// by LibTorch in C++, and, given example inputs, computing what the eager
// Python model computed.
#include <torch/script.h>
#include <torch/serialize.h>

#include <cstdio>
#include <fstream>
#include <iterator>
#include <vector>

#include "diagnostics.h"
#include "exit_codes.h"
#include "output_comparison.h"
#include "torch_api.h"

namespace pt2ts {
namespace {

std::string FirstLine(const std::string& text) { return text.substr(0, text.find('\n')); }

// c10::Error messages carry a C++ backtrace after the first lines; users need
// the message, not our internals.
std::string TorchMessage(const c10::Error& error) { return error.msg(); }

bool ReadFile(const std::string& path, std::vector<char>* data) {
  std::ifstream file(path, std::ios::binary);
  if (!file) return false;
  data->assign(std::istreambuf_iterator<char>(file), std::istreambuf_iterator<char>());
  return true;
}

int RunCheck(const VerifyRequest& request, torch::jit::Module& module) {
  std::vector<char> data;
  if (!ReadFile(request.check_path, &data)) {
    PrintError("internal error: cannot read the example inputs written by the engine");
    return kExitConversionFailed;
  }
  const c10::IValue check = torch::pickle_load(data);
  const c10::Dict<c10::IValue, c10::IValue> entries = check.toGenericDict();
  const std::vector<c10::IValue> inputs = entries.at("inputs").toTupleRef().elements().vec();
  const c10::IValue expected = entries.at("outputs");

  c10::IValue actual;
  try {
    torch::NoGradGuard no_grad;
    actual = module.forward(inputs);
  } catch (const c10::Error& error) {
    PrintError("the artifact fails when LibTorch runs it on the example inputs: " +
               FirstLine(TorchMessage(error)));
    std::fprintf(stderr, "%s\n", TorchMessage(error).c_str());
    return kExitConversionFailed;
  } catch (const std::exception& error) {
    PrintError(std::string("the artifact fails when LibTorch runs it on the example inputs: ") +
               error.what());
    return kExitConversionFailed;
  }
  const ComparisonResult result =
      CompareOutputs(actual, expected, request.rtol, request.atol);
  if (!result.matches) {
    PrintError("the artifact computes something else than the eager Python model: " +
               result.problem);
    std::fprintf(stderr,
                 "TorchScript compiled the model differently from how Python runs it (look for "
                 "Python-only logic, @torch.jit.ignore/@torch.jit.unused, or "
                 "torch.jit.is_scripting() branches); if the difference is acceptable rounding, "
                 "raise --rtol/--atol.\n");
    return kExitConversionFailed;
  }
  if (request.verbose) {
    char line[512];
    std::snprintf(line, sizeof(line),
                  "LibTorch output matches eager PyTorch: %d tensor(s), largest absolute "
                  "difference %.3g (at %s), largest relative difference %.3g",
                  result.tensors_compared, result.max_abs_diff,
                  result.worst_output.empty() ? "-" : result.worst_output.c_str(),
                  result.max_rel_diff);
    PrintStep(request.start_time, line);
  }
  return kExitSuccess;
}

}  // namespace
}  // namespace pt2ts

extern "C" __attribute__((visibility("default"))) int pt2ts_torch_verify(
    const pt2ts::VerifyRequest& request) {
  using namespace pt2ts;
  torch::jit::Module module;
  try {
    module = torch::jit::load(request.artifact_path);
  } catch (const c10::Error& error) {
    PrintError("the artifact was written but LibTorch (C++) cannot load it: " +
               FirstLine(TorchMessage(error)));
    return kExitConversionFailed;
  } catch (const std::exception& error) {
    PrintError(std::string("the artifact was written but LibTorch (C++) cannot load it: ") +
               error.what());
    return kExitConversionFailed;
  }
  if (request.verbose) PrintStep(request.start_time, "LibTorch (C++) loads the artifact");
  if (request.check_path.empty()) return kExitSuccess;
  try {
    return RunCheck(request, module);
  } catch (const c10::Error& error) {
    PrintError("cannot compare the artifact with the eager model: " + FirstLine(error.msg()));
  } catch (const std::exception& error) {
    PrintError(std::string("cannot compare the artifact with the eager model: ") + error.what());
  }
  return kExitConversionFailed;
}
