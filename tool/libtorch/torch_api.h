// The boundary between the front end and the LibTorch library
// (libpt2ts_torch.so), which checks artifacts and inspects TorchScript files.
// It links LibTorch only, never Python, and is loaded with dlopen on demand.
#pragma once

#include <string>

namespace pt2ts {

struct VerifyRequest {
  std::string artifact_path;  // the staged artifact
  std::string format;         // its format (artifact_formats.h): decides how it is loaded
  std::string check_path;     // inputs and eager outputs (torch.save); empty: load check only
  double rtol = 1e-5;
  double atol = 1e-5;
  bool verbose = false;
  double start_time = 0;  // for -v step times
};

struct InspectRequest {
  std::string path;
  bool json = false;
};

constexpr const char* kTorchVerifySymbol = "pt2ts_torch_verify";
constexpr const char* kTorchInspectSymbol = "pt2ts_torch_inspect";

// Both return an exit code (exit_codes.h) and print their own diagnostics.
using TorchVerifyFunction = int (*)(const VerifyRequest& request);
using TorchInspectFunction = int (*)(const InspectRequest& request);

}  // namespace pt2ts
