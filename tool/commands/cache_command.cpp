// pt2ts cache stats [--json] | clear: the conversion cache's counters and
// its removal. Loads neither Python nor LibTorch.
#include <cstdio>
#include <string>

#include "base/diagnostics.h"
#include "base/exit_codes.h"
#include "base/files.h"
#include "base/text.h"
#include "cache/local/local_store.h"
#include "cli/cli.h"
#include "commands/commands.h"

namespace pt2ts {
namespace {

void PrintStats(const std::string& dir, const CacheStats& stats, uint64_t max_size, bool json) {
  const uint64_t hits = stats.local_hits + stats.remote_hits;
  if (json) {
    std::printf(
        "{\"cache_dir\": %s, \"entries\": %llu, \"bytes\": %llu, \"max_size\": %llu, "
        "\"hits\": %llu, \"local_hits\": %llu, \"remote_hits\": %llu, \"misses\": %llu, "
        "\"evictions\": %llu}\n",
        JsonString(dir).c_str(), static_cast<unsigned long long>(stats.entries),
        static_cast<unsigned long long>(stats.bytes), static_cast<unsigned long long>(max_size),
        static_cast<unsigned long long>(hits), static_cast<unsigned long long>(stats.local_hits),
        static_cast<unsigned long long>(stats.remote_hits),
        static_cast<unsigned long long>(stats.misses),
        static_cast<unsigned long long>(stats.evictions));
    return;
  }
  std::printf("cache folder   %s\n", dir.c_str());
  std::printf("entries        %llu\n", static_cast<unsigned long long>(stats.entries));
  std::printf("size           %.1f MB of %.1f MB\n", static_cast<double>(stats.bytes) / 1e6,
              static_cast<double>(max_size) / 1e6);
  std::printf("hits           %llu (local %llu, remote %llu)\n",
              static_cast<unsigned long long>(hits),
              static_cast<unsigned long long>(stats.local_hits),
              static_cast<unsigned long long>(stats.remote_hits));
  std::printf("misses         %llu\n", static_cast<unsigned long long>(stats.misses));
  std::printf("evictions      %llu\n", static_cast<unsigned long long>(stats.evictions));
}

}  // namespace

int RunCacheCommand(int argc, char** argv) {
  const CacheCommandLine line = ParseCacheCommandLine(argc, argv);
  if (line.exit_now) return line.exit_code;
  const std::string& dir = line.dir;
  const std::string& max_size_text = line.max_size_text;
  uint64_t max_size = kDefaultCacheMaxSize;
  if (!max_size_text.empty() && !ParseSize(max_size_text, &max_size)) {
    PrintError("--cache-max-size: '" + max_size_text + "' is not a size (like 5G, 500M, 2Gi)");
    return kExitUsageError;
  }
  if (dir.empty()) {
    PrintError("no cache folder: set PT2TS_CACHE_DIR or pass --cache-dir DIR");
    return kExitUsageError;
  }
  const LocalStore store(AbsolutePath(dir), max_size);
  if (line.clear) {
    std::string error;
    if (!store.Clear(&error)) {
      PrintError(error);
      return kExitConversionFailed;
    }
    return kExitSuccess;
  }
  PrintStats(store.dir(), store.Stats(), max_size, line.json);
  return kExitSuccess;
}

}  // namespace pt2ts
