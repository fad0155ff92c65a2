#include "cache/local/cache_counters.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <map>
#include <sstream>

#include "base/files.h"

namespace pt2ts {
namespace {

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

void CacheCounters::Add(CacheEvent event, uint64_t times) const {
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

CacheStats CacheCounters::Read() const {
  CacheStats stats;
  std::map<std::string, uint64_t> counters = ReadCounters(dir_ + "/stats");
  stats.local_hits = counters["local_hits"];
  stats.remote_hits = counters["remote_hits"];
  stats.misses = counters["misses"];
  stats.evictions = counters["evictions"];
  return stats;
}

bool CacheCounters::Reset(std::string* error) const {
  StatsLock lock(dir_);
  if (::unlink((dir_ + "/stats").c_str()) != 0 && errno != ENOENT) {
    *error = ErrnoMessage("cannot reset", dir_ + "/stats");
    return false;
  }
  return true;
}

}  // namespace pt2ts
