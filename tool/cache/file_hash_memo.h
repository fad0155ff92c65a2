// File hashes remembered by the file's identity, as ccache does: a large
// unchanged weights file is not read again on every build. The identity is
// (device, inode, size, mtime, ctime), all in nanoseconds; any change to the
// file changes its ctime, so a changed file is always hashed anew. A file
// modified within the last seconds is never remembered (its time stamps
// could still repeat within the file system's resolution).
#pragma once

#include <string>

namespace pt2ts {

class FileHashMemo {
 public:
  // memo_dir: where the records live (inside the cache folder); "" keeps
  // nothing (every file is hashed).
  explicit FileHashMemo(std::string memo_dir) : memo_dir_(std::move(memo_dir)) {}

  // The SHA-256 (hex) of the file at `path`; false with *error when it
  // cannot be read.
  bool Hash(const std::string& path, std::string* hex, std::string* error) const;

 private:
  std::string memo_dir_;
};

}  // namespace pt2ts
