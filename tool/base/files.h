// The one file layer: reading, whole-or-nothing writes, EINTR-safe loops,
// folders, paths and errno messages. Every file pt2ts writes appears whole
// or not at all (a temporary file in the same folder, then rename), so
// concurrent pt2ts processes never read half-written files.
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

namespace pt2ts {

bool ReadWholeFile(const std::string& path, std::string* content);

// Writes `content` to a temporary file beside `path` and renames it over
// `path`; creates the folder if missing. False with *error set (and errno
// kept) on failure; nothing is left behind.
bool WriteFileAtomically(const std::string& path, const std::string& content, std::string* error);

// A unique temporary name beside `path` (same folder, so rename is atomic).
std::string TemporaryNameBeside(const std::string& path);

// "what 'path': strerror(errno)".
std::string ErrnoMessage(const std::string& what, const std::string& path);

// Writes all `size` bytes, retrying interrupted and short writes.
bool WriteAll(int fd, const char* data, size_t size);

// Reads up to `size` bytes, fewer only at the end of the file, retrying
// interrupted reads; -1 on error (errno set).
ssize_t ReadFull(int fd, char* data, size_t size);

// Creates `dir` and its missing parents. Appends the folders it created to
// *created (parents first; may be null). On failure returns false with errno
// set and *failed naming the folder that could not be created.
bool MakeDirectories(const std::string& dir, std::vector<std::string>* created,
                     std::string* failed);

// `path` made absolute against the current directory (a leading "./"
// dropped), not resolved: symlinks such as a venv's bin/python stay as they
// are. Returned unchanged if it is absolute or the directory is unknown.
std::string AbsolutePath(const std::string& path);

// The running executable's path (/proc/self/exe), "" if unknown.
std::string ExecutablePath();

}  // namespace pt2ts
