// The local cache folder. Layout:
//   DIR/ab/abcd...entry     an artifact (entry_format.h)
//   DIR/ab/abcd...manifest  a manifest (manifest.h)
//   DIR/memo/ab/...         remembered file hashes (file_hash_memo.h)
//   DIR/stats               counters (cache_counters.h)
// Every file appears by rename, whole. Least recently used entries go when
// the folder grows past its maximum size (a hit refreshes an entry's time).
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include "base/size.h"  // ParseSize, for the store's users
#include "cache/local/cache_counters.h"

namespace pt2ts {

constexpr uint64_t kDefaultCacheMaxSize = 5ULL * 1000 * 1000 * 1000;  // 5 GB


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

  // Downloading from a remote store into the folder: `download` writes the
  // object into the temporary file it is given and returns whether it did.
  using Download = std::function<bool(const std::string& temporary)>;
  bool HasEntry(const std::string& key) const;
  // The downloaded manifest's text; false when it was not downloaded.
  bool ReceiveManifest(const std::string& key, const Download& download, std::string* text) const;
  enum class Received { kStored, kNotDownloaded, kBroken };
  // Stores the downloaded entry under `key`, checked (AdoptEntry); kBroken
  // with *detail set when it is not a whole, intact entry.
  Received ReceiveEntry(const std::string& key, const Download& download,
                        std::string* detail) const;

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

}  // namespace pt2ts
