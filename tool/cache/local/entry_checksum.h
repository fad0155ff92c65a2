// The checksum every cache entry carries over its payload: XXH3-128
// (libxxhash), as ccache checks its own entries. It only has to catch
// corruption and truncation, so it is a fast non-cryptographic hash: a hit
// of a 1 GB artifact must cost about what copying it costs. What the cache
// is keyed by (the inputs' contents) stays SHA-256 (sha256.h).
#pragma once

#include <cstddef>
#include <string>

namespace pt2ts {

class EntryChecksum {
 public:
  EntryChecksum();
  ~EntryChecksum();
  EntryChecksum(const EntryChecksum&) = delete;
  EntryChecksum& operator=(const EntryChecksum&) = delete;

  void Update(const void* data, size_t size);
  // The checksum as kEntryChecksumHexSize lowercase hex digits.
  std::string HexDigest() const;

 private:
  void* state_;  // XXH3_state_t, kept out of the header
};

constexpr size_t kEntryChecksumHexSize = 32;

}  // namespace pt2ts
