#include "cache/local/entry_format.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <sstream>
#include <vector>

#include "base/files.h"
#include "cache/local/entry_checksum.h"

namespace pt2ts {
namespace {

constexpr const char* kEntryMagic = "pt2ts-cache-entry 2";

}  // namespace

std::string EntryHeader(uint64_t size, const std::string& checksum) {
  std::string header = std::string(kEntryMagic) + " " + std::to_string(size) + " " + checksum;
  header.resize(kEntryHeaderSize - 1, ' ');
  return header + "\n";
}

bool ParseEntryHeader(const std::string& header, uint64_t* size, std::string* checksum) {
  if (header.size() != kEntryHeaderSize || header.back() != '\n') return false;
  std::istringstream fields(header);
  std::string magic, version, size_text;
  fields >> magic >> version >> size_text >> *checksum;
  if (magic + " " + version != kEntryMagic || checksum->size() != kEntryChecksumHexSize ||
      size_text.empty() ||
      size_text.size() > 19 || size_text.find_first_not_of("0123456789") != std::string::npos) {
    return false;
  }
  *size = std::stoull(size_text);
  return true;
}

// Copies `size` bytes from `in` to `out` (out < 0: only checksums them);
// returns the checksum, or "" on a read or write failure (errno set) or a
// short file.
std::string CopyHashing(int in, int out, uint64_t size, bool* short_read) {
  EntryChecksum hash;
  std::vector<char> buffer(4 << 20);
  *short_read = false;
  uint64_t left = size;
  while (left > 0) {
    const size_t want = static_cast<size_t>(std::min<uint64_t>(left, buffer.size()));
    const ssize_t count = ReadFull(in, buffer.data(), want);
    if (count < 0) return "";
    if (static_cast<size_t>(count) != want) {
      *short_read = true;
      return "";
    }
    hash.Update(buffer.data(), want);
    if (out >= 0 && !WriteAll(out, buffer.data(), want)) return "";
    left -= want;
  }
  return hash.HexDigest();
}

// The checksum of the payload of an open, shape-checked entry, read through
// a memory map (no copy into a buffer); "" if it cannot be read.
std::string PayloadHash(int fd, uint64_t size) {
  const size_t length = static_cast<size_t>(kEntryHeaderSize + size);
  void* map = ::mmap(nullptr, length, PROT_READ, MAP_PRIVATE, fd, 0);
  if (map == MAP_FAILED) return "";
  ::madvise(map, length, MADV_SEQUENTIAL);
  EntryChecksum hash;
  hash.Update(static_cast<const char*>(map) + kEntryHeaderSize, static_cast<size_t>(size));
  ::munmap(map, length);
  return hash.HexDigest();
}

// Copies the payload into `out` in the kernel (copy_file_range: no user
// space copy; a reflink where the file system shares extents), or by
// read/write where that is not supported.
bool CopyPayload(int in, int out, uint64_t size) {
  loff_t offset = kEntryHeaderSize;
  uint64_t left = size;
  while (left > 0) {
    const ssize_t count = ::copy_file_range(in, &offset, out, nullptr, left, 0);
    if (count < 0 && errno == EINTR) continue;
    if (count <= 0) break;
    left -= static_cast<uint64_t>(count);
  }
  if (left == 0) return true;
  if (errno != EXDEV && errno != ENOSYS && errno != EINVAL && errno != EOPNOTSUPP) return false;
  if (::lseek(in, static_cast<off_t>(offset), SEEK_SET) < 0) return false;
  bool short_read = false;
  return !CopyHashing(in, out, left, &short_read).empty();
}

// Checks an open entry: its header, its size; leaves the offset after the header.
bool CheckEntryShape(int fd, uint64_t* size, std::string* checksum, std::string* detail) {
  std::string header(kEntryHeaderSize, '\0');
  struct stat info {};
  if (ReadFull(fd, header.data(), header.size()) != static_cast<ssize_t>(header.size()) ||
      !ParseEntryHeader(header, size, checksum)) {
    *detail = "not a pt2ts cache entry";
    return false;
  }
  if (::fstat(fd, &info) != 0 ||
      static_cast<uint64_t>(info.st_size) != kEntryHeaderSize + *size) {
    *detail = "truncated or overlong entry";
    return false;
  }
  return true;
}

}  // namespace pt2ts
