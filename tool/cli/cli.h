// The command lines: the conversion's (the seed script's interface,
// module_path model_name -s -w --args --kwargs --version, plus pt2ts's own
// options) and those of the `inspect` and `cache` subcommands. Every option
// is declared in cli.cpp, the one file that includes CLI11 (a heavy
// header-only library: each file including it costs seconds to compile).
#pragma once

#include <string>

#include "options/convert_options.h"

namespace pt2ts {

struct CommandLine {
  // When true the process should exit with exit_code (help or version was
  // printed, or a usage error was reported); otherwise run the conversion.
  bool exit_now = false;
  int exit_code = 0;
  ConvertOptions options;
};

CommandLine ParseCommandLine(int argc, const char* const* argv);

// pt2ts inspect FILE [--json]; argv[0] is "inspect".
struct InspectCommandLine {
  bool exit_now = false;  // as in CommandLine
  int exit_code = 0;
  std::string path;
  bool json = false;
};

InspectCommandLine ParseInspectCommandLine(int argc, const char* const* argv);

// pt2ts cache stats [--json] | clear [--cache-dir DIR] [--cache-max-size
// SIZE]; argv[0] is "cache". The folder and size come from the environment
// (PT2TS_CACHE_DIR, PT2TS_CACHE_MAX_SIZE) when not given; checking them is
// the command's job.
struct CacheCommandLine {
  bool exit_now = false;  // as in CommandLine
  int exit_code = 0;
  bool clear = false;  // otherwise stats
  bool json = false;
  std::string dir;
  std::string max_size_text;
};

CacheCommandLine ParseCacheCommandLine(int argc, const char* const* argv);

}  // namespace pt2ts
