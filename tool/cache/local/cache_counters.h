// The cache folder's counters (DIR/stats: hits, misses, evictions), updated
// under an exclusive lock on DIR/stats.lock by every pt2ts process that
// uses the folder. Best effort: a counter that cannot be written is lost,
// never an error of the conversion.
#pragma once

#include <cstdint>
#include <string>

namespace pt2ts {

struct CacheStats {
  uint64_t entries = 0;  // artifacts
  uint64_t bytes = 0;    // entries and manifests
  uint64_t local_hits = 0;
  uint64_t remote_hits = 0;
  uint64_t misses = 0;
  uint64_t evictions = 0;
};

enum class CacheEvent { kLocalHit, kRemoteHit, kMiss, kEviction };

class CacheCounters {
 public:
  explicit CacheCounters(std::string dir) : dir_(std::move(dir)) {}
  void Add(CacheEvent event, uint64_t times = 1) const;
  // The counters; entries and bytes are the store's to fill.
  CacheStats Read() const;
  bool Reset(std::string* error) const;

 private:
  std::string dir_;
};

}  // namespace pt2ts
