// pt2ts: the light front end. It parses and checks the command line, prepares
// the atomic output, and only then loads the engine that embeds Python.
#include <unistd.h>

#include <cstdio>
#include <iostream>
#include <string>

#include "cli.h"
#include "depfile.h"
#include "diagnostics.h"
#include "engine_loader.h"
#include "exit_codes.h"
#include "input_checks.h"
#include "staged_output.h"

namespace pt2ts {
namespace {

std::string AbsolutePath(const std::string& path) {
  if (!path.empty() && path[0] == '/') return path;
  char buffer[4096];
  if (::getcwd(buffer, sizeof(buffer)) == nullptr) return path;
  return std::string(buffer) + "/" + (path.rfind("./", 0) == 0 ? path.substr(2) : path);
}

int Run(int argc, char** argv) {
  const double start_time = MonotonicSeconds();
  CommandLine command_line = ParseCommandLine(argc, argv);
  if (command_line.exit_now) return command_line.exit_code;
  ConvertOptions& options = command_line.options;
  options.start_time = start_time;

  const std::string input_error = CheckInputs(options);
  if (!input_error.empty()) {
    PrintError(input_error);
    return kExitUsageError;
  }

  std::string error;
  StagedOutput output;
  if (!output.Prepare(options.save_path, &error)) {
    PrintError(error);
    return kExitConversionFailed;
  }
  options.staging_path = output.staging_path();

  const EngineConvertFunction convert = LoadEngine(&error);
  if (convert == nullptr) {
    PrintError(error);
    return kExitConversionFailed;
  }
  ConvertResult result;
  const int exit_code = convert(options, &result);
  if (exit_code != kExitSuccess) return exit_code;
  // The depfile first: a build must never see a new artifact with stale
  // dependencies.
  if (!options.depfile_path.empty() &&
      !WriteDepfile(options.depfile_path, AbsolutePath(options.save_path), result.dependencies,
                    &error)) {
    PrintError(error);
    return kExitConversionFailed;
  }
  if (!output.Commit(&error)) {
    PrintError(error);
    return kExitConversionFailed;
  }
  return kExitSuccess;
}

}  // namespace
}  // namespace pt2ts

int main(int argc, char** argv) {
  const int exit_code = pt2ts::Run(argc, argv);
  // The engine leaves Python and torch loaded; skip their teardown, which is
  // slow and may run destructors in an unsafe order. All output is flushed.
  std::cout.flush();
  std::fflush(nullptr);
  ::_exit(exit_code);
}
