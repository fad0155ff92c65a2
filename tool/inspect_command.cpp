// pt2ts inspect FILE [--json]: loads only the LibTorch library, never Python.
#include <CLI/CLI.hpp>

#include "commands.h"
#include "diagnostics.h"
#include "exit_codes.h"
#include "library_loader.h"
#include "torch_api.h"

namespace pt2ts {

int RunInspectCommand(int argc, char** argv) {
  InspectRequest request;
  CLI::App app{"Describe a TorchScript file: format version, methods and their schemas, the "
               "submodule tree with parameter counts, parameters and buffers by dtype, "
               "training/eval mode, and pt2ts's metadata when present. Starts no Python.",
               "pt2ts inspect"};
  app.add_option("file", request.path, "A TorchScript file (.pt)")
      ->required()
      ->check(CLI::ExistingFile);
  app.add_flag("--json", request.json, "Print the same as JSON, for scripts");
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    PrintError(std::string(e.what()) + " (usage: pt2ts inspect FILE [--json])");
    return kExitUsageError;
  }
  std::string error;
  auto inspect = reinterpret_cast<TorchInspectFunction>(
      LoadLibrarySymbol(PtLibrary::kTorch, kTorchInspectSymbol, &error));
  if (inspect == nullptr) {
    PrintError(error);
    return kExitConversionFailed;
  }
  return inspect(request);
}

}  // namespace pt2ts
