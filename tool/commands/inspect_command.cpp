// pt2ts inspect FILE [--json]: loads only the LibTorch library, never Python.
#include "base/diagnostics.h"
#include "base/exit_codes.h"
#include "base/library_loader.h"
#include "cli/cli.h"
#include "commands/commands.h"
#include "libtorch/torch_api.h"

namespace pt2ts {

int RunInspectCommand(int argc, char** argv) {
  const InspectCommandLine line = ParseInspectCommandLine(argc, argv);
  if (line.exit_now) return line.exit_code;
  InspectRequest request;
  request.path = line.path;
  request.json = line.json;
  return RunLibraryFunction<TorchInspectFunction>(PtLibrary::kTorch, kTorchInspectSymbol, request);
}

}  // namespace pt2ts
