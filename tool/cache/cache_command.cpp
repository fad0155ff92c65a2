// pt2ts cache stats [--json] | clear: the conversion cache's counters and
// its removal. Loads neither Python nor LibTorch.
#include <CLI/CLI.hpp>

#include <cstdio>
#include <string>

#include "cache/local_store.h"
#include "commands.h"
#include "diagnostics.h"
#include "directories.h"
#include "exit_codes.h"

namespace pt2ts {
namespace {

void PrintStats(const std::string& dir, const CacheStats& stats, uint64_t max_size, bool json) {
  const uint64_t hits = stats.local_hits + stats.remote_hits;
  if (json) {
    std::printf(
        "{\"cache_dir\": \"%s\", \"entries\": %llu, \"bytes\": %llu, \"max_size\": %llu, "
        "\"hits\": %llu, \"local_hits\": %llu, \"remote_hits\": %llu, \"misses\": %llu, "
        "\"evictions\": %llu}\n",
        dir.c_str(), static_cast<unsigned long long>(stats.entries),
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

// JSON strings: the folder name is the only free text.
std::string JsonEscaped(const std::string& text) {
  std::string result;
  for (char c : text) {
    if (c == '"' || c == '\\') {
      result += '\\';
      result += c;
    } else if (static_cast<unsigned char>(c) < 0x20) {
      char escape[8];
      std::snprintf(escape, sizeof escape, "\\u%04x", c);
      result += escape;
    } else {
      result += c;
    }
  }
  return result;
}

}  // namespace

int RunCacheCommand(int argc, char** argv) {
  std::string dir;
  std::string max_size_text;
  bool json = false;
  CLI::App app{"The conversion cache: `stats` prints its entries, size, hits, misses and "
               "evictions; `clear` removes every entry and zeroes the counters.",
               "pt2ts cache"};
  app.require_subcommand(1);
  app.fallthrough();  // --cache-dir may follow the subcommand
  app.add_option("--cache-dir", dir, "The cache folder (default: $PT2TS_CACHE_DIR)")
      ->envname("PT2TS_CACHE_DIR");
  app.add_option("--cache-max-size", max_size_text, "The maximum size, as for conversions")
      ->envname("PT2TS_CACHE_MAX_SIZE");
  CLI::App* stats = app.add_subcommand("stats", "Print the cache's counters");
  stats->add_flag("--json", json, "As JSON (keys entries, bytes, hits, misses, evictions, ...)");
  CLI::App* clear = app.add_subcommand("clear", "Remove every entry and zero the counters");
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    PrintError(std::string(e.what()) + " (usage: pt2ts cache stats [--json] | pt2ts cache clear)");
    return kExitUsageError;
  }
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
  if (clear->parsed()) {
    std::string error;
    if (!store.Clear(&error)) {
      PrintError(error);
      return kExitConversionFailed;
    }
    return kExitSuccess;
  }
  (void)stats;
  PrintStats(JsonEscaped(store.dir()), store.Stats(), max_size, json);
  return kExitSuccess;
}

}  // namespace pt2ts
