// Runs the LibTorch check of a staged artifact: in this process when the
// Python environment's torch uses the very LibTorch pt2ts links, else in a
// fresh process, so that two different torch builds never share a process.
#pragma once

#include <string>

#include "libtorch/torch_api.h"

namespace pt2ts {

// python_libtorch_path: the libtorch_cpu file Python's torch loaded ("" if
// unknown, which also means a fresh process).
int VerifyArtifact(const VerifyRequest& request, const std::string& python_libtorch_path);

// The check in this process.
int VerifyInThisProcess(const VerifyRequest& request);

// The request that VerifyArtifact's fresh process gets as `pt2ts __verify`
// arguments (argv[0] is "__verify"); false if they are not such arguments.
bool VerifyRequestFromArguments(int argc, char** argv, VerifyRequest* request);

}  // namespace pt2ts
