// The command line: the seed script's interface (module_path model_name
// -s -w --args --kwargs --version) plus pt2ts's own options.
#pragma once

#include <string>

#include "convert_options.h"

namespace pt2ts {

struct CommandLine {
  // When true the process should exit with exit_code (help or version was
  // printed, or a usage error was reported); otherwise run the conversion.
  bool exit_now = false;
  int exit_code = 0;
  ConvertOptions options;
};

CommandLine ParseCommandLine(int argc, const char* const* argv);

}  // namespace pt2ts
