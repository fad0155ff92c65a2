// Where a model linked with pt2ts_link_models() is, for the generated
// <pt2ts_models/<model>.h> headers: the build tree's artifact, or, for an
// installed program, the artifact pt2ts_install_models() put beside it.
// Header-only and without LibTorch, so that every generated header can use
// it cheaply. The rule is in docs/cmake.md ("Where path() looks").
#pragma once

#include <limits.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <string>

namespace pt2ts {
namespace detail {

// The folder of the running executable (Linux: /proc/self/exe, which the
// kernel resolves to the real file, symbolic links followed); "" when it
// cannot be read.
inline std::string ExecutableFolder() {
  std::string buffer(4096, '\0');
  const ssize_t length = readlink("/proc/self/exe", buffer.data(), buffer.size());
  if (length <= 0 || static_cast<size_t>(length) >= buffer.size()) return "";
  buffer.resize(static_cast<size_t>(length));
  return buffer.substr(0, buffer.rfind('/'));
}

// path with its symbolic links resolved, as /proc/self/exe is; path itself
// when it does not exist.
inline std::string RealPath(const std::string& path) {
  char resolved[PATH_MAX];
  return realpath(path.c_str(), resolved) != nullptr ? std::string(resolved) : path;
}

inline bool FileExists(const std::string& path) {
  struct stat info;
  return stat(path.c_str(), &info) == 0 && S_ISREG(info.st_mode);
}

// build_path: the artifact in the build tree (absolute).
// build_folder: where the build put the executable that links the model
//   ("" when the model is linked into a library: then any executable may
//   run it).
// installed_path: the installed artifact relative to the installed
//   executable's folder (or absolute), "" when the model is not installed.
// An executable running from anywhere but its build folder is an installed
// one and gets the installed artifact; for a library, the installed artifact
// is taken when it exists beside the running executable.
inline std::string ResolveModelPath(const std::string& build_path,
                                    const std::string& build_folder,
                                    const std::string& installed_path) {
  if (installed_path.empty()) return build_path;
  const std::string folder = ExecutableFolder();
  if (folder.empty()) return build_path;
  const std::string installed =
      installed_path[0] == '/' ? installed_path : folder + "/" + installed_path;
  if (!build_folder.empty()) return folder == RealPath(build_folder) ? build_path : installed;
  return FileExists(installed) ? installed : build_path;
}

}  // namespace detail
}  // namespace pt2ts
