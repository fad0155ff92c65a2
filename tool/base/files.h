// Small file operations the cache is built from: every file it writes
// appears whole or not at all (temporary file in the same folder + rename),
// so concurrent pt2ts processes never read half-written entries.
#pragma once

#include <string>

namespace pt2ts {

bool ReadWholeFile(const std::string& path, std::string* content);

// Writes `content` to a temporary file beside `path` and renames it over
// `path`; creates the folder if missing. False with *error set on failure
// (nothing is left behind).
bool WriteFileAtomically(const std::string& path, const std::string& content, std::string* error);

// A unique temporary name beside `path` (same folder, so rename is atomic).
std::string TemporaryNameBeside(const std::string& path);

// "path: strerror(errno)".
std::string ErrnoMessage(const std::string& what, const std::string& path);

}  // namespace pt2ts
