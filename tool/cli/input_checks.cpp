#include "cli/input_checks.h"

#include <sys/stat.h>
#include <unistd.h>

#include "base/text.h"
#include "cli/python_names.h"

namespace pt2ts {
namespace {

bool Exists(const std::string& path, struct stat* info) { return ::stat(path.c_str(), info) == 0; }

std::string CheckModulePath(const std::string& path) {
  struct stat info {};
  const bool looks_like_path = NamesModuleFile(path);
  if (!Exists(path, &info)) {
    if (!looks_like_path && IsDottedModuleName(path)) return "";  // imported from sys.path
    if (looks_like_path) return "module file '" + path + "' does not exist";
    return "module_path '" + path +
           "' is neither an existing .py file nor a dotted module name (like zoo.models)";
  }
  if (S_ISDIR(info.st_mode)) {
    struct stat init {};
    if (Exists(path + "/__init__.py", &init)) return "";  // a package folder
    return "module_path '" + path +
           "' is a folder without __init__.py; give the .py file that defines the model";
  }
  if (!S_ISREG(info.st_mode)) return "module_path '" + path + "' is not a regular file";
  if (!EndsWith(path, ".py")) {
    return "module_path '" + path + "' is not a Python source file (expected a .py file)";
  }
  if (::access(path.c_str(), R_OK) != 0) return "module file '" + path + "' is not readable";
  return "";
}

std::string CheckReadableFile(const std::string& what, const std::string& path) {
  struct stat info {};
  if (!Exists(path, &info)) return what + " '" + path + "' does not exist";
  if (S_ISDIR(info.st_mode)) return what + " '" + path + "' is a folder, not a file";
  if (::access(path.c_str(), R_OK) != 0) return what + " '" + path + "' is not readable";
  return "";
}

// An output pt2ts replaces by renaming: only a missing path or a regular
// file (never a folder, a FIFO or a device such as /dev/null).
std::string CheckOutputPath(const std::string& option, const std::string& path) {
  if (path.empty()) return option + " is empty";
  struct stat info {};
  if (EndsWith(path, "/") || (Exists(path, &info) && S_ISDIR(info.st_mode))) {
    return option + " '" + path + "' is a folder; give a file name such as '" +
           (EndsWith(path, "/") ? path : path + "/") + "model.pt'";
  }
  if (Exists(path, &info) && !S_ISREG(info.st_mode)) {
    return option + " '" + path +
           "' exists and is not a regular file (a device, FIFO or socket); pt2ts would "
           "replace it: give another path";
  }
  return "";
}

}  // namespace

std::string CheckInputs(const ConvertOptions& options) {
  std::string error = CheckModulePath(options.module_path);
  if (error.empty() && !options.state_dict_path.empty()) {
    error = CheckReadableFile("weights file (-w)", options.state_dict_path);
  }
  for (const std::string& dir : options.python_paths) {
    if (!error.empty()) break;
    struct stat info {};
    if (!Exists(dir, &info) || !S_ISDIR(info.st_mode)) {
      error = "--pythonpath '" + dir + "' is not an existing folder";
    }
  }
  if (error.empty() && !options.python_executable.empty()) {
    struct stat info {};
    if (!Exists(options.python_executable, &info) || !S_ISREG(info.st_mode) ||
        ::access(options.python_executable.c_str(), X_OK) != 0) {
      error = "--python / PT2TS_PYTHON '" + options.python_executable +
              "' is not an executable file (give a virtual environment's bin/python)";
    }
  }
  if (error.empty() && !options.example_inputs_path.empty()) {
    error = CheckReadableFile("example inputs file (--example-inputs)", options.example_inputs_path);
  }
  if (error.empty() && !options.check_inputs_path.empty()) {
    error = CheckReadableFile("check inputs file (--check-inputs)", options.check_inputs_path);
  }
  for (const std::string& path : options.depends) {
    if (!error.empty()) break;
    error = CheckReadableFile("--depends file", path);
  }
  if (error.empty()) error = CheckOutputPath("--save_path", options.save_path);
  if (error.empty() && !options.depfile_path.empty()) {
    error = CheckOutputPath("--depfile", options.depfile_path);
  }
  return error;
}

}  // namespace pt2ts
