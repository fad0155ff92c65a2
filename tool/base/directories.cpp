#include "base/directories.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

namespace pt2ts {

bool MakeDirectories(const std::string& dir, std::vector<std::string>* created,
                     std::string* failed) {
  if (dir.empty()) return true;
  struct stat info {};
  if (::stat(dir.c_str(), &info) == 0) {
    if (S_ISDIR(info.st_mode)) return true;
    errno = ENOTDIR;
    *failed = dir;
    return false;
  }
  const size_t slash = dir.find_last_of('/');
  if (slash != std::string::npos && slash > 0 &&
      !MakeDirectories(dir.substr(0, slash), created, failed)) {
    return false;
  }
  if (::mkdir(dir.c_str(), 0777) != 0) {
    if (errno == EEXIST) return true;
    *failed = dir;
    return false;
  }
  if (created != nullptr) created->push_back(dir);
  return true;
}

std::string AbsolutePath(const std::string& path) {
  if (!path.empty() && path[0] == '/') return path;
  char buffer[4096];
  if (::getcwd(buffer, sizeof(buffer)) == nullptr) return path;
  return std::string(buffer) + "/" + (path.rfind("./", 0) == 0 ? path.substr(2) : path);
}

}  // namespace pt2ts
