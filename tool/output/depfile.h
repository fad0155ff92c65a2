// Writes a Makefile-style dependency file ("depfile") naming everything a
// conversion read, so build systems (CMake's DEPFILE with Ninja or Make)
// rerun it exactly when one of those files changes.
#pragma once

#include <string>
#include <vector>

namespace pt2ts {

// Why `path` cannot be named in a depfile, or "" when it can. Readers (CMake,
// which parses the depfile for both generators, and Ninja) split paths at
// whitespace and lines, and no escape brings back an empty path, a NUL, a
// newline, a carriage return or a tab, nor a path ending in '\' (it would
// escape the separator after it) or ':' (it would read as a target).
std::string DepfilePathProblem(const std::string& path);

// Escapes a path for a depfile: a space gets a backslash and the backslashes
// right before it double (readers turn 2N+1 backslashes and a space into N
// backslashes and a space), '#' gets a backslash, '$' doubles. Exact for the
// paths DepfilePathProblem accepts.
std::string EscapeDepfilePath(const std::string& path);

// The depfile's text: "target: dep1 dep2 ..." one dependency per line.
std::string FormatDepfile(const std::string& target, const std::vector<std::string>& dependencies);

// Writes the depfile atomically (temporary file + rename); returns false with
// *error set on failure, including when the target or a dependency cannot be
// named in a depfile (DepfilePathProblem). Creates the file's folder if missing.
bool WriteDepfile(const std::string& path, const std::string& target,
                  const std::vector<std::string>& dependencies, std::string* error);

}  // namespace pt2ts
