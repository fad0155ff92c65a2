// Writes a Makefile-style dependency file ("depfile") naming everything a
// conversion read, so build systems (CMake's DEPFILE with Ninja or Make)
// rerun it exactly when one of those files changes.
#pragma once

#include <string>
#include <vector>

namespace pt2ts {

// Escapes a path for a depfile: spaces and '#' get a backslash, '$' doubles.
std::string EscapeDepfilePath(const std::string& path);

// The depfile's text: "target: dep1 dep2 ..." one dependency per line.
std::string FormatDepfile(const std::string& target, const std::vector<std::string>& dependencies);

// Writes the depfile atomically (temporary file + rename); returns false with
// *error set on failure. Creates the file's folder if missing.
bool WriteDepfile(const std::string& path, const std::string& target,
                  const std::vector<std::string>& dependencies, std::string* error);

}  // namespace pt2ts
