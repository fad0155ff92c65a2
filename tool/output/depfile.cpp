#include "output/depfile.h"

#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

#include "base/files.h"

namespace pt2ts {

std::string DepfilePathProblem(const std::string& path) {
  if (path.empty()) return "an empty path";
  for (const char c : path) {
    switch (c) {
      case '\0': return "a NUL byte in a path";
      case '\n': return "a newline in a path";
      case '\r': return "a carriage return in a path";
      case '\t': return "a tab in a path";
      default: break;
    }
  }
  if (path.back() == '\\') return "a path ending in a backslash";
  if (path.back() == ':') return "a path ending in ':'";
  return "";
}

std::string EscapeDepfilePath(const std::string& path) {
  std::string escaped;
  escaped.reserve(path.size());
  size_t backslashes = 0;  // the run of backslashes just before c
  for (const char c : path) {
    if (c == ' ') {
      // The run is already written: write it again, plus the space's own.
      escaped.append(backslashes + 1, '\\');
      escaped += ' ';
    } else if (c == '#') {
      escaped += "\\#";
    } else if (c == '$') {
      escaped += "$$";
    } else {
      escaped += c;
    }
    backslashes = c == '\\' ? backslashes + 1 : 0;
  }
  return escaped;
}

std::string FormatDepfile(const std::string& target, const std::vector<std::string>& dependencies) {
  std::string text = EscapeDepfilePath(target) + ":";
  for (const std::string& dependency : dependencies) {
    text += " \\\n  " + EscapeDepfilePath(dependency);
  }
  text += "\n";
  return text;
}

bool WriteDepfile(const std::string& path, const std::string& target,
                  const std::vector<std::string>& dependencies, std::string* error) {
  std::string problem = DepfilePathProblem(target);
  if (!problem.empty()) {
    *error = "cannot write a depfile for '" + target + "' (" + problem + ")";
    return false;
  }
  for (const std::string& dependency : dependencies) {
    problem = DepfilePathProblem(dependency);
    if (!problem.empty()) {
      *error = "cannot write a depfile naming '" + dependency + "' (" + problem + ")";
      return false;
    }
  }
  std::string detail;  // errno says it too
  if (!WriteFileAtomically(path, FormatDepfile(target, dependencies), &detail)) {
    *error = ErrnoMessage("cannot write depfile", path);
    return false;
  }
  return true;
}

}  // namespace pt2ts
