#include "base/files.h"

#include <fcntl.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <random>

#include "base/directories.h"

namespace pt2ts {

std::string ErrnoMessage(const std::string& what, const std::string& path) {
  return what + " '" + path + "': " + std::strerror(errno);
}

bool ReadWholeFile(const std::string& path, std::string* content) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false;
  content->clear();
  char buffer[1 << 16];
  for (;;) {
    const ssize_t count = ::read(fd, buffer, sizeof buffer);
    if (count == 0) break;
    if (count < 0) {
      if (errno == EINTR) continue;
      ::close(fd);
      return false;
    }
    content->append(buffer, static_cast<size_t>(count));
  }
  ::close(fd);
  return true;
}

std::string TemporaryNameBeside(const std::string& path) {
  static std::atomic<unsigned> counter{0};
  static const unsigned salt = std::random_device{}();
  return path + ".tmp-" + std::to_string(::getpid()) + "-" + std::to_string(salt) + "-" +
         std::to_string(counter++);
}

bool WriteFileAtomically(const std::string& path, const std::string& content, std::string* error) {
  const size_t slash = path.find_last_of('/');
  if (slash != std::string::npos && slash > 0) {
    std::string failed;
    if (!MakeDirectories(path.substr(0, slash), nullptr, &failed)) {
      *error = ErrnoMessage("cannot create", failed);
      return false;
    }
  }
  const std::string temporary = TemporaryNameBeside(path);
  const int fd = ::open(temporary.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (fd < 0) {
    *error = ErrnoMessage("cannot write", temporary);
    return false;
  }
  size_t written = 0;
  while (written < content.size()) {
    const ssize_t count = ::write(fd, content.data() + written, content.size() - written);
    if (count < 0 && errno == EINTR) continue;
    if (count <= 0) {
      *error = ErrnoMessage("cannot write", temporary);
      ::close(fd);
      ::unlink(temporary.c_str());
      return false;
    }
    written += static_cast<size_t>(count);
  }
  if (::close(fd) != 0 || ::rename(temporary.c_str(), path.c_str()) != 0) {
    *error = ErrnoMessage("cannot write", path);
    ::unlink(temporary.c_str());
    return false;
  }
  return true;
}

}  // namespace pt2ts
