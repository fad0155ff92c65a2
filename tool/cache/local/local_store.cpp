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

#include "base/files.h"
#include "base/text.h"
#include "cache/local/cache_counters.h"
#include "cache/local/entry_format.h"

namespace pt2ts {
namespace {

constexpr const char* kEntrySuffix = ".entry";
constexpr const char* kManifestSuffix = ".manifest";
// Temporary files of a process that died are removed after this long.
constexpr time_t kStaleTemporarySeconds = 3600;

std::string Shard(const std::string& dir, const std::string& key) {
  return dir + "/" + key.substr(0, 2) + "/" + key;
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

}  // namespace

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

void LocalStore::Count(CacheEvent event, uint64_t times) const {
  CacheCounters(dir_).Add(event, times);
}

CacheStats LocalStore::Stats() const {
  CacheStats stats = CacheCounters(dir_).Read();
  for (const StoredFile& file : ListStoredFiles(dir_)) {
    stats.bytes += file.size;
    if (file.is_entry) ++stats.entries;
  }
  return stats;
}

bool LocalStore::HasEntry(const std::string& key) const {
  return ::access(EntryPath(key).c_str(), F_OK) == 0;
}

bool LocalStore::ReceiveManifest(const std::string& key, const Download& download,
                                 std::string* text) const {
  const std::string path = ManifestPath(key);
  std::string failed;
  if (!MakeDirectories(path.substr(0, path.find_last_of('/')), nullptr, &failed)) return false;
  const std::string temporary = TemporaryNameBeside(path);
  const bool read = download(temporary) && ReadWholeFile(temporary, text);
  ::unlink(temporary.c_str());
  return read;
}

LocalStore::Received LocalStore::ReceiveEntry(const std::string& key, const Download& download,
                                              std::string* detail) const {
  const std::string path = EntryPath(key);
  std::string failed;
  MakeDirectories(path.substr(0, path.find_last_of('/')), nullptr, &failed);
  const std::string temporary = TemporaryNameBeside(path);
  Received received = Received::kNotDownloaded;
  if (download(temporary)) {
    received = AdoptEntry(key, temporary, detail) ? Received::kStored : Received::kBroken;
  }
  ::unlink(temporary.c_str());
  return received;
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
  return CacheCounters(dir_).Reset(error);
}

}  // namespace pt2ts
