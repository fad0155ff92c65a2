#include "cache/file_hash_memo.h"

#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <ctime>
#include <sstream>

#include "base/files.h"
#include "base/sha256.h"

namespace pt2ts {
namespace {

// Files touched this recently are not remembered (see the header).
constexpr long long kRacyNanoseconds = 2'000'000'000LL;

long long Nanoseconds(const timespec& time) {
  return static_cast<long long>(time.tv_sec) * 1'000'000'000LL + time.tv_nsec;
}

std::string Identity(const struct stat& info) {
  std::ostringstream text;
  text << "v1 " << info.st_dev << " " << info.st_ino << " " << info.st_size << " "
       << Nanoseconds(info.st_mtim) << " " << Nanoseconds(info.st_ctim);
  return text.str();
}

}  // namespace

bool FileHashMemo::Hash(const std::string& path, std::string* hex, std::string* error) const {
  struct stat before {};
  if (::stat(path.c_str(), &before) != 0) {
    *error = ErrnoMessage("cannot read", path);
    return false;
  }
  const std::string identity = Identity(before);
  const std::string path_hash = Sha256Hex(path);
  const std::string record =
      memo_dir_.empty() ? "" : memo_dir_ + "/" + path_hash.substr(0, 2) + "/" + path_hash;
  std::string stored;
  if (!record.empty() && ReadWholeFile(record, &stored)) {
    // "<identity> <sha256>\n"
    if (stored.size() == identity.size() + 1 + 64 + 1 && stored.compare(0, identity.size(), identity) == 0 &&
        stored[identity.size()] == ' ' && stored.back() == '\n') {
      *hex = stored.substr(identity.size() + 1, 64);
      return true;
    }
  }
  if (!Sha256OfFile(path, hex, error)) return false;
  if (record.empty()) return true;
  // Remember only a file that did not change while it was read and has not
  // changed too recently to be told apart by its time stamps.
  struct stat after {};
  timespec now {};
  ::clock_gettime(CLOCK_REALTIME, &now);
  if (::stat(path.c_str(), &after) != 0 || Identity(after) != identity) return true;
  const long long newest = std::max(Nanoseconds(after.st_mtim), Nanoseconds(after.st_ctim));
  if (Nanoseconds(now) - newest < kRacyNanoseconds) return true;
  std::string ignored;
  WriteFileAtomically(record, identity + " " + *hex + "\n", &ignored);  // only a speed-up
  return true;
}

}  // namespace pt2ts
