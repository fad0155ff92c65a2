// pt2ts: the light front end. It parses and checks the command line and only
// then loads the library that does the work: the engine (Python) for a
// conversion, the LibTorch library for checks and `inspect`.
#include <signal.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <iostream>

#include "commands/commands.h"

int main(int argc, char** argv) {
  // A closed stderr (`pt2ts ... 2>&1 | head`) must not kill a conversion
  // half-way; writes then simply fail.
  ::signal(SIGPIPE, SIG_IGN);
  int exit_code;
  if (argc > 1 && std::strcmp(argv[1], "inspect") == 0) {
    exit_code = pt2ts::RunInspectCommand(argc - 1, argv + 1);
  } else if (argc > 1 && std::strcmp(argv[1], "cache") == 0) {
    exit_code = pt2ts::RunCacheCommand(argc - 1, argv + 1);
  } else if (argc > 1 && std::strcmp(argv[1], "__verify") == 0) {
    exit_code = pt2ts::RunVerifyCommand(argc - 1, argv + 1);
  } else {
    exit_code = pt2ts::RunConvertCommand(argc, argv);
  }
  // Python and torch may be loaded: skip their teardown, which is slow and
  // may run destructors in an unsafe order. All output is flushed first.
  std::cout.flush();
  std::fflush(nullptr);
  ::_exit(exit_code);
}
