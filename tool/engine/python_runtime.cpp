#include "engine/python_runtime.h"

#include <pybind11/embed.h>

#include <cstdlib>
#include <fstream>
#include <regex>

#include "pt2ts_build_info.h"

namespace py = pybind11;

namespace pt2ts {
namespace {

std::string RealPath(const std::string& path) {
  char* resolved = realpath(path.c_str(), nullptr);
  if (resolved == nullptr) return path;
  std::string result(resolved);
  free(resolved);  // NOLINT(cppcoreguidelines-no-malloc): realpath's allocation
  return result;
}

// A --python interpreter must belong to a virtual environment made from the
// same base interpreter as the libpython pt2ts links: its standard library
// and the compiled extension modules have to match (another installation of
// the same Python version has a standard library of its own).
bool CheckVirtualEnvironment(const std::string& executable, std::string* error) {
  const std::string bin_dir = executable.substr(0, executable.find_last_of('/'));
  const std::string config_path = bin_dir + "/../pyvenv.cfg";
  const std::string remedy = std::string("; create one with: ") + kVenvRecipe +
                             ", and pass DIR/bin/python";
  std::ifstream config(config_path);
  if (!config) {
    *error = "--python '" + executable + "' is not inside a virtual environment (no ../pyvenv.cfg)" +
             remedy;
    return false;
  }
  const std::regex version_line(R"(^\s*version(_info)?\s*=\s*(\d+)\.(\d+))");
  const std::regex home_line(R"(^\s*home\s*=\s*(.*\S)\s*$)");
  std::string line;
  while (std::getline(config, line)) {
    std::smatch match;
    if (std::regex_search(line, match, version_line)) {
      const std::string version = match[2].str() + "." + match[3].str();
      if (version != kPythonVersionMajorMinor) {
        *error = "--python '" + executable + "' is Python " + version + ", but pt2ts embeds Python " +
                 kPythonVersionMajorMinor + remedy;
        return false;
      }
    } else if (std::regex_search(line, match, home_line)) {
      const std::string home = RealPath(match[1].str());
      if (home != RealPath(kPythonHome)) {
        *error = "--python '" + executable + "' is a virtual environment of the Python in " + home +
                 ", but pt2ts embeds the Python in " + kPythonHome + remedy;
        return false;
      }
    }
  }
  return true;  // nothing recorded that contradicts: trust it
}

}  // namespace

const char* BuiltInPythonExecutable() { return kPythonExecutable; }

bool StartPython(const std::string& executable, std::string* error) {
  if (executable != kPythonExecutable && !CheckVirtualEnvironment(executable, error)) return false;

  // UTF-8 mode: file names are UTF-8 whatever the locale (builds often run
  // under LANG=C, where Python would otherwise use ASCII and fail on 'ü').
  PyPreConfig preconfig;
  PyPreConfig_InitIsolatedConfig(&preconfig);
  preconfig.utf8_mode = 1;
  PyStatus prestatus = Py_PreInitialize(&preconfig);
  if (PyStatus_Exception(prestatus)) {
    *error = "cannot start Python (" + executable + ")";
    return false;
  }

  PyConfig config;
  // Isolated: ignore PYTHONPATH, PYTHONHOME, user site-packages and the
  // current directory, so a build behaves the same in every shell.
  PyConfig_InitIsolatedConfig(&config);
  config.install_signal_handlers = 0;  // pt2ts's own handlers clean up the output
  config.use_hash_seed = 1;            // reproducible artifacts (docs/stack-notes.md)
  config.hash_seed = 0;
  config.write_bytecode = 0;           // never litter the user's source tree with __pycache__
  config.site_import = 1;
  config.user_site_directory = 0;
#if PY_VERSION_HEX >= 0x030B0000
  config.safe_path = 1;
#endif
  PyStatus status = PyConfig_SetBytesString(&config, &config.executable, executable.c_str());
  if (PyStatus_Exception(status)) {
    PyConfig_Clear(&config);
    *error = "cannot configure Python for '" + executable + "'";
    return false;
  }
  try {
    py::initialize_interpreter(&config, 0, nullptr, /*add_program_dir_to_path=*/false);
  } catch (const std::exception& e) {
    *error = std::string("cannot start Python (") + executable + "): " + e.what();
    return false;
  }
  return true;
}

}  // namespace pt2ts
