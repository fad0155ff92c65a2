// pt2ts __verify ...: internal; checks an artifact in a fresh process that
// holds only LibTorch (output/verification.h says when and why).
#include "base/diagnostics.h"
#include "base/exit_codes.h"
#include "commands/commands.h"
#include "output/verification.h"

namespace pt2ts {

int RunVerifyCommand(int argc, char** argv) {
  VerifyRequest request;
  if (!VerifyRequestFromArguments(argc, argv, &request)) {
    PrintError("__verify is internal to pt2ts");
    return kExitUsageError;
  }
  return VerifyInThisProcess(request);
}

}  // namespace pt2ts
