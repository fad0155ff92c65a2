// The cache's entry file, kept unchanged by the local store and the remote
// ones: a kEntryHeaderSize-byte header (magic, payload size, payload
// checksum: entry_checksum.h; space-padded, ending in a newline), then the
// payload, the artifact's bytes.
#pragma once

#include <sys/types.h>

#include <cstddef>
#include <cstdint>
#include <string>

namespace pt2ts {

constexpr size_t kEntryHeaderSize = 128;

std::string EntryHeader(uint64_t size, const std::string& checksum);

// Parses a header; false if it is not one.
bool ParseEntryHeader(const std::string& header, uint64_t* size, std::string* checksum);

// Checks an open entry: its header and its size; leaves the offset after
// the header. False with *detail set when it is not a whole entry.
bool CheckEntryShape(int fd, uint64_t* size, std::string* checksum, std::string* detail);

// Copies `size` bytes from `in` to `out` (out < 0: only checksums them);
// returns the checksum, or "" on a read or write failure (errno set) or a
// short file (*short_read).
std::string CopyHashing(int in, int out, uint64_t size, bool* short_read);

// The checksum of the payload of an open, shape-checked entry, read through
// a memory map; "" if it cannot be read.
std::string PayloadHash(int fd, uint64_t size);

// Copies the payload of an open entry into `out`, in the kernel where it can.
bool CopyPayload(int in, int out, uint64_t size);

}  // namespace pt2ts
