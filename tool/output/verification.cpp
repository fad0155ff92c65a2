#include "output/verification.h"

#include <spawn.h>
#include <sys/wait.h>

#include <climits>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "base/diagnostics.h"
#include "base/exit_codes.h"
#include "base/library_loader.h"
#include "torch_build_info.h"

// POSIX: the application declares environ itself (glibc's <unistd.h> only
// does with _GNU_SOURCE, which g++ happens to define).
extern char** environ;  // NOLINT(readability-redundant-declaration): see above

namespace pt2ts {

int VerifyInThisProcess(const VerifyRequest& request) {
  return RunLibraryFunction<TorchVerifyFunction>(PtLibrary::kTorch, kTorchVerifySymbol, request);
}

namespace {

std::string RealPath(const std::string& path) {
  char resolved[PATH_MAX];
  return ::realpath(path.c_str(), resolved) != nullptr ? resolved : "";
}

// Exact text of a double (std::to_string keeps 6 decimals: 1e-7 -> 0.000000).
std::string ExactText(double value) {
  char text[40];
  std::snprintf(text, sizeof(text), "%.17g", value);
  return text;
}

// Runs `pt2ts __verify` (commands/verify_command.cpp), whose arguments
// VerifyRequestFromArguments reads back.
int VerifyInFreshProcess(const VerifyRequest& request) {
  const std::string self = ExecutableDirectory() + "/pt2ts";
  const std::vector<std::string> arguments = {
      "pt2ts", "__verify", request.artifact_path, request.check_path,
      ExactText(request.rtol), ExactText(request.atol), request.verbose ? "1" : "0",
      ExactText(request.start_time), request.format};
  std::vector<char*> argv;
  argv.reserve(arguments.size() + 1);
  for (const std::string& argument : arguments) argv.push_back(const_cast<char*>(argument.c_str()));
  argv.push_back(nullptr);
  pid_t child = 0;
  if (::posix_spawn(&child, self.c_str(), nullptr, nullptr, argv.data(), environ) != 0) {
    PrintError("cannot start " + self + " to check the artifact");
    return kExitConversionFailed;
  }
  int status = 0;
  while (::waitpid(child, &status, 0) < 0) {
  }
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  PrintError("the LibTorch check of the artifact crashed (signal " +
             std::to_string(WTERMSIG(status)) + ")");
  return kExitConversionFailed;
}

}  // namespace

int VerifyArtifact(const VerifyRequest& request, const std::string& python_libtorch_path) {
  const std::string ours = RealPath(kLibTorchCpuPath);
  if (!ours.empty() && ours == RealPath(python_libtorch_path)) return VerifyInThisProcess(request);
  if (request.verbose) {
    PrintStep(request.start_time,
              "Python's torch is not pt2ts's LibTorch build: checking in a separate process");
  }
  return VerifyInFreshProcess(request);
}

bool VerifyRequestFromArguments(int argc, char** argv, VerifyRequest* request) {
  if (argc != 8) return false;
  request->artifact_path = argv[1];
  request->check_path = argv[2];
  request->rtol = std::strtod(argv[3], nullptr);
  request->atol = std::strtod(argv[4], nullptr);
  request->verbose = std::string(argv[5]) == "1";
  request->start_time = std::strtod(argv[6], nullptr);  // CLOCK_MONOTONIC is system-wide
  request->format = argv[7];
  return true;
}

}  // namespace pt2ts
