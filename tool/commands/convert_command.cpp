// The conversion: check the command line, stage the output, run the engine
// (Python), check the artifact with LibTorch, write the depfile, commit.
#include <cstdio>
#include <string>
#include <vector>

#include "base/diagnostics.h"
#include "base/exit_codes.h"
#include "base/files.h"
#include "base/library_loader.h"
#include "cache/conversion_cache.h"
#include "cli/cli.h"
#include "cli/input_checks.h"
#include "commands/commands.h"
#include "engine/engine_api.h"
#include "options/named_files.h"
#include "output/depfile.h"
#include "output/staged_output.h"
#include "output/verification.h"

namespace pt2ts {
namespace {

std::vector<std::string> InputPaths(const ConvertResult& result) {
  std::vector<std::string> paths;
  for (const NamedFile& input : result.inputs) paths.push_back(input.path);
  return paths;
}

// Finishes a conversion, or one the cache answered: the depfile before the
// artifact, so a build never sees a new artifact with stale dependencies.
int WriteDepfileAndCommit(const ConvertOptions& options, const std::vector<std::string>& inputs,
                          StagedOutput* output, StagedOutput::Durability durability) {
  std::string error;
  if (!options.depfile_path.empty() &&
      !WriteDepfile(options.depfile_path, AbsolutePath(options.save_path), inputs, &error)) {
    PrintError(error);
    return kExitConversionFailed;
  }
  if (!output->Commit(&error, durability)) {
    PrintError(error);
    return kExitConversionFailed;
  }
  return kExitSuccess;
}

std::string Seconds(double seconds) {
  char text[32];
  std::snprintf(text, sizeof text, "%.3f s", seconds);
  return text;
}

}  // namespace

int RunConvertCommand(int argc, char** argv) {
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
  options.check_path = output.scratch_path();

  // A hit runs neither Python nor LibTorch.
  ConversionCache cache(options);
  if (cache.enabled()) {
    const double lookup_start = MonotonicSeconds();
    std::vector<std::string> cached_inputs;
    std::string where;
    if (cache.Lookup(options.staging_path, &cached_inputs, &where)) {
      // Renamed into place but not flushed to disk, like cp (docs/cache.md,
      // "Conversion cache").
      const int hit_exit_code = WriteDepfileAndCommit(options, cached_inputs, &output,
                                                      StagedOutput::Durability::kRenameOnly);
      if (options.verbose && hit_exit_code == kExitSuccess) {
        PrintStep(start_time, "cache hit (" + where + ") in " +
                                  Seconds(MonotonicSeconds() - lookup_start) + ": saved " +
                                  options.save_path);
      }
      return hit_exit_code;
    }
    if (options.verbose) {
      PrintStep(start_time, "cache miss (looked up in " + Seconds(MonotonicSeconds() - lookup_start) + ")");
    }
  }

  // The engine lists these files too: hashed once, here when the cache did.
  options.named_files = cache.named_files().empty() ? DirectlyNamedFiles(options)
                                                    : cache.named_files();
  ConvertResult result;
  int exit_code = RunLibraryFunction<EngineConvertFunction>(
      PtLibrary::kEngine, kEngineConvertSymbol, static_cast<const ConvertOptions&>(options), &result);
  if (exit_code != kExitSuccess) return exit_code;

  output.StartFlush();

  // What production will do with the file: load it in C++ (and run it).
  VerifyRequest verify;
  verify.artifact_path = options.staging_path;
  verify.format = options.format;
  verify.check_path = result.wrote_check ? options.check_path : "";
  verify.rtol = options.rtol;
  verify.atol = options.atol;
  verify.verbose = options.verbose;
  verify.start_time = options.start_time;
  if (options.verbose && result.wrote_check) {
    char line[160];
    std::snprintf(line, sizeof line, "comparing with eager PyTorch at rtol %g, atol %g%s%s",
                  options.rtol, options.atol, options.dtype.empty() ? "" : " in ",
                  options.dtype.c_str());
    PrintStep(start_time, line);
  }
  exit_code = VerifyArtifact(verify, result.python_libtorch_path);
  if (exit_code != kExitSuccess) return exit_code;

  exit_code = WriteDepfileAndCommit(options, InputPaths(result), &output,
                                    StagedOutput::Durability::kFlushed);
  if (exit_code != kExitSuccess) return exit_code;
  if (options.verbose) PrintStep(start_time, "saved " + options.save_path);
  if (cache.enabled()) cache.Store(result.inputs, result.environment_files, options.save_path);
  return kExitSuccess;
}

}  // namespace pt2ts
