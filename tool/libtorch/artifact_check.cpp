// Checks a freshly written artifact the way production will use it: loaded
// by LibTorch in C++ with its format's loader (artifact_loaders.h), and, given example inputs, computing what the eager
// Python model computed.
#include <torch/script.h>
#include <torch/serialize.h>

#include <cstdio>
#include <fstream>
#include <iterator>
#include <stdexcept>
#include <utility>
#include <vector>

#include "artifact_loaders.h"
#include "call_arguments.h"
#include "base/diagnostics.h"
#include "base/exit_codes.h"
#include "libtorch/torch_api.h"
#include "output_comparison.h"

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

std::vector<c10::IValue> Elements(const c10::IValue& tuple) {
  return tuple.toTupleRef().elements().vec();
}

// What one set of the check file holds (eager_check.write_check).
struct CheckSet {
  std::string name;
  std::vector<c10::IValue> args;
  KeywordArguments kwargs;
  ExpectedOutputs expected;
};

CheckSet ReadSet(const c10::Dict<c10::IValue, c10::IValue>& set) {
  CheckSet read;
  read.name = set.at("name").toStringRef();
  for (const c10::IValue& arg : Elements(set.at("args"))) read.args.push_back(DecodeInput(arg));
  const std::vector<c10::IValue> kwargs = Elements(set.at("kwargs"));
  const std::vector<c10::IValue> names = Elements(kwargs.at(0));
  const std::vector<c10::IValue> values = Elements(kwargs.at(1));
  for (size_t i = 0; i < names.size(); ++i) {
    read.kwargs.emplace_back(names[i].toStringRef(), DecodeInput(values.at(i)));
  }
  for (const c10::IValue& path : Elements(set.at("output_paths"))) {
    read.expected.paths.push_back(path.toStringRef());
  }
  read.expected.leaves = Elements(set.at("outputs"));
  return read;
}

// The part of the artifact's outputs that corresponds to the eager outputs:
// all of them, or one element (a scripted torchvision detection model's
// detections, eager_check.scripted_detections_element).
c10::IValue Corresponding(const c10::IValue& outputs, int64_t element) {
  if (element < 0) return outputs;
  const size_t index = static_cast<size_t>(element);
  if (!outputs.isTuple() || outputs.toTupleRef().elements().size() <= index) {
    throw std::invalid_argument("the artifact returns no output[" + std::to_string(element) +
                                "] to compare with the eager outputs");
  }
  return outputs.toTupleRef().elements()[index];
}

// Runs the artifact on one input set and compares with the eager outputs.
int CheckOneSet(const VerifyRequest& request, const ForwardFunction& forward,
                const c10::Dict<c10::IValue, c10::IValue>& entry, int64_t element,
                const std::string& hint) {
  CheckSet set = ReadSet(entry);
  const std::string& name = set.name;
  c10::IValue actual;
  try {
    torch::NoGradGuard no_grad;
    actual = forward(std::move(set.args), set.kwargs);
  } catch (const c10::Error& error) {
    PrintError("the artifact fails when LibTorch runs it on the " + name + ": " +
               FirstLine(TorchMessage(error)));
    std::fprintf(stderr, "%s\n", TorchMessage(error).c_str());
    return kExitConversionFailed;
  } catch (const std::exception& error) {
    PrintError("the artifact fails when LibTorch runs it on the " + name + ": " + error.what());
    return kExitConversionFailed;
  }
  const ComparisonResult result = CompareOutputs(Corresponding(actual, element), set.expected,
                                                request.rtol, request.atol);
  if (!result.matches) {
    PrintError("the artifact computes something else than the eager Python model on the " +
               name + ": " + result.problem);
    std::fprintf(stderr, "%s\n", hint.c_str());
    return kExitConversionFailed;
  }
  if (request.verbose) {
    char line[512];
    std::snprintf(line, sizeof(line),
                  "LibTorch output matches eager PyTorch on the %s: %d tensor(s), largest "
                  "absolute difference %.3g (at %s), largest relative difference %.3g",
                  name.c_str(), result.tensors_compared, result.max_abs_diff,
                  result.worst_output.empty() ? "-" : result.worst_output.c_str(),
                  result.max_rel_diff);
    PrintStep(request.start_time, line);
  }
  return kExitSuccess;
}

// The check file (eager_check.write_check): {"sets": [{"name", "args",
// "kwargs", "output_paths", "outputs"}...], "artifact_element": which
// element of the artifact's outputs to compare (-1: all), "mismatch_hint":
// advice printed after a mismatch}.
int RunCheck(const VerifyRequest& request, const ForwardFunction& forward) {
  std::vector<char> data;
  if (!ReadFile(request.check_path, &data)) {
    PrintError("internal error: cannot read the example inputs written by the engine");
    return kExitConversionFailed;
  }
  const c10::IValue check = torch::pickle_load(data);
  const c10::Dict<c10::IValue, c10::IValue> entries = check.toGenericDict();
  const std::string hint = entries.at("mismatch_hint").toStringRef();
  const int64_t element = entries.at("artifact_element").toInt();
  for (const c10::IValue& set : entries.at("sets").toTupleRef().elements()) {
    const int exit_code = CheckOneSet(request, forward, set.toGenericDict(), element, hint);
    if (exit_code != kExitSuccess) return exit_code;
  }
  return kExitSuccess;
}

}  // namespace
}  // namespace pt2ts

extern "C" __attribute__((visibility("default"))) int pt2ts_torch_verify(
    const pt2ts::VerifyRequest& request) {
  using namespace pt2ts;
  ForwardFunction forward;
  const std::string problem = LoadArtifact(request.format, request.artifact_path, &forward);
  if (!problem.empty()) {
    PrintError("the artifact was written but LibTorch (C++) cannot load it: " + problem);
    return kExitConversionFailed;
  }
  if (request.verbose) PrintStep(request.start_time, "LibTorch (C++) loads the artifact");
  if (request.check_path.empty()) return kExitSuccess;
  try {
    return RunCheck(request, forward);
  } catch (const c10::Error& error) {
    PrintError("cannot compare the artifact with the eager model: " + FirstLine(error.msg()));
  } catch (const std::exception& error) {
    PrintError(std::string("cannot compare the artifact with the eager model: ") + error.what());
  }
  return kExitConversionFailed;
}
