// The local cache folder. Layout:
//   DIR/ab/abcd...entry     an artifact: a 128-byte header naming the
//                           payload's size and checksum (entry_checksum.h),
//                           then the payload
//   DIR/ab/abcd...manifest  a manifest (manifest.h)
//   DIR/memo/ab/...         remembered file hashes (file_hash_memo.h)
//   DIR/stats               counters (hits, misses, evictions)
// Every file appears by rename, whole. Least recently used entries go when
// the folder grows past its maximum size (a hit refreshes an entry's time).
#pragma once

#include <cstdint>
#include <string>

#include "base/size.h"  // ParseSize, for the store's users

namespace pt2ts {

constexpr uint64_t kDefaultCacheMaxSize = 5ULL * 1000 * 1000 * 1000;  // 5 GB


struct CacheStats {
  uint64_t entries = 0;  // artifacts
  uint64_t bytes = 0;    // entries and manifests
  uint64_t local_hits = 0;
  uint64_t remote_hits = 0;
  uint64_t misses = 0;
  uint64_t evictions = 0;
};

enum class CacheEvent { kLocalHit, kRemoteHit, kMiss, kEviction };

class LocalStore {
 public:
  LocalStore(std::string dir, uint64_t max_size) : dir_(std::move(dir)), max_size_(max_size) {}

  const std::string& dir() const { return dir_; }
  std::string MemoDir() const { return dir_ + "/memo"; }
  std::string EntryPath(const std::string& key) const;
  std::string ManifestPath(const std::string& key) const;

  // The manifest's text; false when there is none.
  bool ReadManifest(const std::string& key, std::string* text) const;
  bool WriteManifest(const std::string& key, const std::string& text, std::string* error) const;
  void RemoveManifest(const std::string& key) const;

  enum class Fetch { kHit, kMissing, kBroken };
  // kAlreadyChecked: the entry's checksum was checked a moment ago by this
  // process (AdoptEntry), so the payload is not read a second time.
  enum class Verify { kChecksum, kAlreadyChecked };
  // Copies the artifact stored under `key` to `destination` (created) and
  // checks the entry's checksum. kBroken: the entry was corrupt, truncated or
  // foreign and has been removed (*detail says why); the destination is then
  // removed too.
  Fetch FetchArtifact(const std::string& key, const std::string& destination, std::string* detail,
                      Verify verify = Verify::kChecksum) const;

  // Stores the file at `source` as the artifact under `key`.
  bool StoreArtifact(const std::string& key, const std::string& source, std::string* error) const;
  // Adopts a complete entry file (e.g. downloaded), checked first; moved.
  bool AdoptEntry(const std::string& key, const std::string& entry_file, std::string* detail) const;

  // Removes least recently used entries until the folder is below its
  // maximum; returns how many went.
  uint64_t Evict() const;

  void Count(CacheEvent event, uint64_t times = 1) const;
  CacheStats Stats() const;
  // Removes every entry, manifest and remembered hash, and zeroes the counters.
  bool Clear(std::string* error) const;

 private:
  std::string dir_;
  uint64_t max_size_;
};

// An entry's header (kEntryHeaderSize bytes, space-padded, ending in a
// newline); the remote store keeps the same entry files.
std::string EntryHeader(uint64_t size, const std::string& checksum);
constexpr size_t kEntryHeaderSize = 128;
// Parses a header; false if it is not one.
bool ParseEntryHeader(const std::string& header, uint64_t* size, std::string* checksum);

}  // namespace pt2ts
