#include "base/files.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <random>


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
    const ssize_t count = ReadFull(fd, buffer, sizeof buffer);
    if (count < 0) {
      ::close(fd);
      return false;
    }
    content->append(buffer, static_cast<size_t>(count));
    if (static_cast<size_t>(count) < sizeof buffer) break;
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
  if (!WriteAll(fd, content.data(), content.size())) {
    *error = ErrnoMessage("cannot write", temporary);
    const int write_errno = errno;
    ::close(fd);
    ::unlink(temporary.c_str());
    errno = write_errno;
    return false;
  }
  if (::close(fd) != 0 || ::rename(temporary.c_str(), path.c_str()) != 0) {
    *error = ErrnoMessage("cannot write", path);
    const int write_errno = errno;
    ::unlink(temporary.c_str());
    errno = write_errno;
    return false;
  }
  return true;
}

bool WriteAll(int fd, const char* data, size_t size) {
  while (size > 0) {
    const ssize_t count = ::write(fd, data, size);
    if (count < 0 && errno == EINTR) continue;
    if (count <= 0) return false;
    data += count;
    size -= static_cast<size_t>(count);
  }
  return true;
}

ssize_t ReadFull(int fd, char* data, size_t size) {
  size_t done = 0;
  while (done < size) {
    const ssize_t count = ::read(fd, data + done, size - done);
    if (count < 0 && errno == EINTR) continue;
    if (count < 0) return -1;
    if (count == 0) break;
    done += static_cast<size_t>(count);
  }
  return static_cast<ssize_t>(done);
}

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

std::string ExecutablePath() {
  char buffer[4096];
  const ssize_t length = ::readlink("/proc/self/exe", buffer, sizeof buffer - 1);
  return length > 0 ? std::string(buffer, static_cast<size_t>(length)) : "";
}

}  // namespace pt2ts
