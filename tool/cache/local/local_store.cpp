#include "cache/local/local_store.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <future>
#include <map>
#include <sstream>
#include <vector>

#include "base/text.h"
#include "base/files.h"
#include "cache/local/entry_checksum.h"

namespace pt2ts {
namespace {

constexpr const char* kEntryMagic = "pt2ts-cache-entry 2";
constexpr const char* kEntrySuffix = ".entry";
constexpr const char* kManifestSuffix = ".manifest";
// Temporary files of a process that died are removed after this long.
constexpr time_t kStaleTemporarySeconds = 3600;

std::string Shard(const std::string& dir, const std::string& key) {
  return dir + "/" + key.substr(0, 2) + "/" + key;
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

struct StoredFile {
  std::string path;
  uint64_t size;
  timespec used;
  bool is_entry;
};

// Every entry and manifest; stale temporary files are removed on the way.
std::vector<StoredFile> ListStoredFiles(const std::string& dir) {
  std::vector<StoredFile> files;
  DIR* top = ::opendir(dir.c_str());
  if (top == nullptr) return files;
  const time_t now = ::time(nullptr);
  while (const dirent* shard = ::readdir(top)) {
    const std::string shard_name = shard->d_name;
    if (shard_name.size() != 2 || shard_name == "..") continue;
    const std::string shard_dir = dir + "/" + shard_name;
    DIR* listing = ::opendir(shard_dir.c_str());
    if (listing == nullptr) continue;
    while (const dirent* entry = ::readdir(listing)) {
      const std::string name = entry->d_name;
      const std::string path = shard_dir + "/" + name;
      struct stat info {};
      if (name[0] == '.' || ::stat(path.c_str(), &info) != 0 || !S_ISREG(info.st_mode)) continue;
      if (name.find(".tmp-") != std::string::npos) {
        if (now - info.st_mtime > kStaleTemporarySeconds) ::unlink(path.c_str());
        continue;
      }
      const bool is_entry = EndsWith(name, kEntrySuffix);
      if (!is_entry && !EndsWith(name, kManifestSuffix)) continue;
      files.push_back({path, static_cast<uint64_t>(info.st_size), info.st_mtim, is_entry});
    }
    ::closedir(listing);
  }
  ::closedir(top);
  return files;
}

void Touch(const std::string& path) { ::utimensat(AT_FDCWD, path.c_str(), nullptr, 0); }

// Counters are updated under an exclusive lock on DIR/stats.lock.
class StatsLock {
 public:
  explicit StatsLock(const std::string& dir)
      : fd_(::open((dir + "/stats.lock").c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644)) {
    if (fd_ >= 0) ::flock(fd_, LOCK_EX);
  }
  ~StatsLock() {
    if (fd_ >= 0) ::close(fd_);
  }
  StatsLock(const StatsLock&) = delete;
  StatsLock& operator=(const StatsLock&) = delete;
  bool ok() const { return fd_ >= 0; }

 private:
  int fd_;
};

std::map<std::string, uint64_t> ReadCounters(const std::string& path) {
  std::map<std::string, uint64_t> counters;
  std::string text;
  if (!ReadWholeFile(path, &text)) return counters;
  std::istringstream lines(text);
  std::string name;
  uint64_t value = 0;
  while (lines >> name >> value) counters[name] = value;
  return counters;
}

const char* CounterName(CacheEvent event) {
  switch (event) {
    case CacheEvent::kLocalHit: return "local_hits";
    case CacheEvent::kRemoteHit: return "remote_hits";
    case CacheEvent::kMiss: return "misses";
    case CacheEvent::kEviction: return "evictions";
  }
  return "unknown";
}

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

std::string LocalStore::EntryPath(const std::string& key) const {
  return Shard(dir_, key) + kEntrySuffix;
}

std::string LocalStore::ManifestPath(const std::string& key) const {
  return Shard(dir_, key) + kManifestSuffix;
}

bool LocalStore::ReadManifest(const std::string& key, std::string* text) const {
  const std::string path = ManifestPath(key);
  if (!ReadWholeFile(path, text)) return false;
  Touch(path);
  return true;
}

bool LocalStore::WriteManifest(const std::string& key, const std::string& text,
                               std::string* error) const {
  return WriteFileAtomically(ManifestPath(key), text, error);
}

void LocalStore::RemoveManifest(const std::string& key) const { ::unlink(ManifestPath(key).c_str()); }

LocalStore::Fetch LocalStore::FetchArtifact(const std::string& key, const std::string& destination,
                                            std::string* detail, Verify verify) const {
  const std::string path = EntryPath(key);
  const int in = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (in < 0) return Fetch::kMissing;
  uint64_t size = 0;
  std::string expected;
  if (!CheckEntryShape(in, &size, &expected, detail)) {
    ::close(in);
    ::unlink(path.c_str());
    return Fetch::kBroken;
  }
  // The check reads the entry through its own memory map while the copy runs
  // in the kernel: a hit costs about the longer of the two, not their sum.
  std::future<std::string> checksum;
  if (verify == Verify::kChecksum) checksum = std::async(std::launch::async, PayloadHash, in, size);
  const int out = ::open(destination.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  const bool written = out >= 0 && CopyPayload(in, out, size);
  if (!written) *detail = ErrnoMessage("cannot copy the cached artifact to", destination);
  if (out >= 0 && ::close(out) != 0 && written) {
    *detail = ErrnoMessage("cannot copy the cached artifact to", destination);
  }
  // Only once the check is done may the descriptor it reads be closed.
  const bool intact = !checksum.valid() || checksum.get() == expected;
  if (!written || !detail->empty()) {
    ::close(in);
    ::unlink(destination.c_str());
    return Fetch::kMissing;
  }
  // A copy whose source fails the check is removed, never served.
  ::close(in);
  if (!intact) {
    *detail = "its contents do not match its checksum (corrupted)";
    ::unlink(destination.c_str());
    ::unlink(path.c_str());
    return Fetch::kBroken;
  }
  Touch(path);
  return Fetch::kHit;
}

bool LocalStore::StoreArtifact(const std::string& key, const std::string& source,
                               std::string* error) const {
  const std::string path = EntryPath(key);
  std::string failed;
  if (!MakeDirectories(path.substr(0, path.find_last_of('/')), nullptr, &failed)) {
    *error = ErrnoMessage("cannot create", failed);
    return false;
  }
  const int in = ::open(source.c_str(), O_RDONLY | O_CLOEXEC);
  struct stat info {};
  if (in < 0 || ::fstat(in, &info) != 0) {
    *error = ErrnoMessage("cannot read", source);
    if (in >= 0) ::close(in);
    return false;
  }
  const std::string temporary = TemporaryNameBeside(path);
  const int out = ::open(temporary.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (out < 0) {
    *error = ErrnoMessage("cannot write", temporary);
    ::close(in);
    return false;
  }
  // The header goes last, once the hash is known: a placeholder until then.
  const std::string placeholder(kEntryHeaderSize, ' ');
  bool short_read = false;
  std::string digest;
  const bool ok = WriteAll(out, placeholder.data(), placeholder.size()) &&
                  !(digest = CopyHashing(in, out, static_cast<uint64_t>(info.st_size), &short_read))
                       .empty();
  const int copy_errno = errno;
  const std::string header = EntryHeader(static_cast<uint64_t>(info.st_size), digest);
  const bool finished = ok && ::pwrite(out, header.data(), header.size(), 0) ==
                                  static_cast<ssize_t>(header.size());
  const int finish_errno = errno;
  ::close(in);
  if (!finished || ::close(out) != 0 || ::rename(temporary.c_str(), path.c_str()) != 0) {
    errno = short_read ? EIO : (ok ? finish_errno : copy_errno);
    *error = ErrnoMessage("cannot write the cache entry", temporary);
    ::unlink(temporary.c_str());
    return false;
  }
  return true;
}

bool LocalStore::AdoptEntry(const std::string& key, const std::string& entry_file,
                            std::string* detail) const {
  const int fd = ::open(entry_file.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    *detail = ErrnoMessage("cannot read", entry_file);
    return false;
  }
  uint64_t size = 0;
  std::string expected;
  bool short_read = false;
  const bool ok = CheckEntryShape(fd, &size, &expected, detail) &&
                  CopyHashing(fd, -1, size, &short_read) == expected;
  ::close(fd);
  if (!ok) {
    if (detail->empty()) *detail = "its contents do not match its checksum (corrupted)";
    return false;
  }
  const std::string path = EntryPath(key);
  std::string failed;
  if (!MakeDirectories(path.substr(0, path.find_last_of('/')), nullptr, &failed) ||
      ::rename(entry_file.c_str(), path.c_str()) != 0) {
    *detail = ErrnoMessage("cannot store", path);
    return false;
  }
  return true;
}

uint64_t LocalStore::Evict() const {
  std::vector<StoredFile> files = ListStoredFiles(dir_);
  uint64_t total = 0;
  for (const StoredFile& file : files) total += file.size;
  if (total <= max_size_) return 0;
  std::sort(files.begin(), files.end(), [](const StoredFile& a, const StoredFile& b) {
    return a.used.tv_sec != b.used.tv_sec ? a.used.tv_sec < b.used.tv_sec
                                          : a.used.tv_nsec < b.used.tv_nsec;
  });
  // Down to 90 %, so that the next few stores do not each evict again.
  const uint64_t target = max_size_ / 10 * 9;
  uint64_t evicted = 0;
  for (const StoredFile& file : files) {
    if (total <= target) break;
    if (::unlink(file.path.c_str()) != 0) continue;
    total -= file.size;
    if (file.is_entry) ++evicted;
  }
  if (evicted > 0) Count(CacheEvent::kEviction, evicted);
  return evicted;
}

void LocalStore::Count(CacheEvent event, uint64_t times) const {
  std::string failed;
  if (!MakeDirectories(dir_, nullptr, &failed)) return;
  StatsLock lock(dir_);
  if (!lock.ok()) return;
  const std::string path = dir_ + "/stats";
  std::map<std::string, uint64_t> counters = ReadCounters(path);
  counters[CounterName(event)] += times;
  std::string text;
  for (const auto& [name, value] : counters) text += name + " " + std::to_string(value) + "\n";
  std::string ignored;
  WriteFileAtomically(path, text, &ignored);  // counters are best effort
}

CacheStats LocalStore::Stats() const {
  CacheStats stats;
  for (const StoredFile& file : ListStoredFiles(dir_)) {
    stats.bytes += file.size;
    if (file.is_entry) ++stats.entries;
  }
  std::map<std::string, uint64_t> counters = ReadCounters(dir_ + "/stats");
  stats.local_hits = counters["local_hits"];
  stats.remote_hits = counters["remote_hits"];
  stats.misses = counters["misses"];
  stats.evictions = counters["evictions"];
  return stats;
}

bool LocalStore::Clear(std::string* error) const {
  for (const StoredFile& file : ListStoredFiles(dir_)) ::unlink(file.path.c_str());
  // Remembered hashes: DIR/memo/ab/<hash>.
  const std::string memo = MemoDir();
  if (DIR* top = ::opendir(memo.c_str())) {
    while (const dirent* shard = ::readdir(top)) {
      if (shard->d_name[0] == '.') continue;
      const std::string shard_dir = memo + "/" + shard->d_name;
      if (DIR* listing = ::opendir(shard_dir.c_str())) {
        while (const dirent* entry = ::readdir(listing)) {
          if (entry->d_name[0] != '.') ::unlink((shard_dir + "/" + entry->d_name).c_str());
        }
        ::closedir(listing);
      }
    }
    ::closedir(top);
  }
  StatsLock lock(dir_);
  if (::unlink((dir_ + "/stats").c_str()) != 0 && errno != ENOENT) {
    *error = ErrnoMessage("cannot reset", dir_ + "/stats");
    return false;
  }
  return true;
}

}  // namespace pt2ts
