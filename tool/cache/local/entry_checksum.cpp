#include "cache/local/entry_checksum.h"

#include <xxhash.h>

#include <cstdio>

namespace pt2ts {

EntryChecksum::EntryChecksum() : state_(XXH3_createState()) {
  XXH3_128bits_reset(static_cast<XXH3_state_t*>(state_));
}

EntryChecksum::~EntryChecksum() { XXH3_freeState(static_cast<XXH3_state_t*>(state_)); }

void EntryChecksum::Update(const void* data, size_t size) {
  XXH3_128bits_update(static_cast<XXH3_state_t*>(state_), data, size);
}

std::string EntryChecksum::HexDigest() const {
  const XXH128_hash_t digest = XXH3_128bits_digest(static_cast<XXH3_state_t*>(state_));
  char hex[kEntryChecksumHexSize + 1];
  std::snprintf(hex, sizeof hex, "%016llx%016llx", static_cast<unsigned long long>(digest.high64),
                static_cast<unsigned long long>(digest.low64));
  return hex;
}

}  // namespace pt2ts
