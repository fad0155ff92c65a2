// Paths and folders: mkdir -p (shared by the staged output and the depfile
// writer) and absolute paths.
#pragma once

#include <string>
#include <vector>

namespace pt2ts {

// Creates `dir` and its missing parents. Appends the folders it created to
// *created (parents first; may be null). On failure returns false with errno
// set and *failed naming the folder that could not be created.
bool MakeDirectories(const std::string& dir, std::vector<std::string>* created,
                     std::string* failed);

// `path` made absolute against the current directory (a leading "./"
// dropped), not resolved: symlinks such as a venv's bin/python stay as they
// are. Returned unchanged if it is absolute or the directory is unknown.
std::string AbsolutePath(const std::string& path);

}  // namespace pt2ts
