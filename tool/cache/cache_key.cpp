#include "cache/cache_key.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <sstream>

#include "base/files.h"
#include "base/sha256.h"
#include "cli/literal.h"
#include "cli/python_names.h"
#include "options/artifact_formats.h"
#include "options/input_spec.h"

namespace pt2ts {
namespace {

// Bumped when the key, manifest or entry layout changes meaning.
constexpr const char* kCacheFormat = "pt2ts-cache-key 2";

std::string BaseName(const std::string& path) {
  const size_t slash = path.find_last_of('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

// One value per line: escape what could forge another line.
std::string Escaped(const std::string& text) {
  std::string result;
  for (char c : text) {
    if (c == '\\') {
      result += "\\\\";
    } else if (c == '\n') {
      result += "\\n";
    } else {
      result += c;
    }
  }
  return result;
}

// What an AOTInductor package also depends on: the C++ compiler that
// compiles it ($CXX, else g++: its resolved path, size and time, like
// ccache's default compiler check) and inductor's environment settings.
std::string CompilerIdentity() {
  const char* cxx = std::getenv("CXX");
  std::string compiler = cxx != nullptr && *cxx != '\0' ? cxx : "g++";
  std::string identity = compiler;
  std::string resolved;
  if (compiler.find('/') != std::string::npos) {
    resolved = compiler;
  } else if (const char* path = std::getenv("PATH")) {
    std::stringstream folders(path);
    std::string folder;
    while (resolved.empty() && std::getline(folders, folder, ':')) {
      const std::string candidate = (folder.empty() ? "." : folder) + "/" + compiler;
      if (access(candidate.c_str(), X_OK) == 0) resolved = candidate;
    }
  }
  char* real = resolved.empty() ? nullptr : realpath(resolved.c_str(), nullptr);
  struct stat info {};
  if (real != nullptr && ::stat(real, &info) == 0) {
    identity += std::string(" ") + real + " " + std::to_string(info.st_size) + " " +
                std::to_string(info.st_mtim.tv_sec) + "." + std::to_string(info.st_mtim.tv_nsec);
  }
  std::free(real);
  return identity;
}

// Each option type of convert_options.def as key text.
std::string KeyText(const std::string& value) { return value; }
std::string KeyText(bool value) { return value ? "1" : "0"; }
std::string KeyText(const Value& value) { return ToPythonLiteral(value); }
std::string KeyText(const InputSpec& spec) { return FormatInputSpec(spec); }
std::string KeyText(const DynamicDim& dim) { return FormatDynamicDim(dim); }
std::string KeyText(double value) {
  std::ostringstream text;
  text.precision(17);
  text << value;
  return text.str();
}
std::string KeyText(const std::pair<std::string, Value>& kwarg) {
  return kwarg.first + "=" + ToPythonLiteral(kwarg.second);
}

// The key's lines, one per value (a list gives one line per element).
class KeyLines {
 public:
  KeyLines(const PathPrefixMap& map) : map_(map) {}

  void Line(const std::string& name, const std::string& value) {
    text_ << name << " " << Escaped(value) << "\n";
  }

  template <KeyRole kRole, typename T>
  void Add(const char* name, const T& value) {
    if constexpr (kRole == KeyRole::kText) {
      Line(name, KeyText(value));
    } else if constexpr (kRole == KeyRole::kPath) {
      Line(name, value.empty() ? "" : map_.Apply(AbsolutePath(value)));
    } else if constexpr (kRole == KeyRole::kModule) {
      // A module path that names a file or folder counts by its (mapped)
      // absolute path; a dotted name by itself (the files it resolves to are
      // in the manifest).
      Line(name, NamesModuleFile(value) ? map_.Apply(AbsolutePath(value)) : value);
    } else if constexpr (kRole == KeyRole::kOutputName) {
      Line(name, BaseName(value));
    } else if constexpr (kRole == KeyRole::kPrefixMaps) {
      for (const std::string& prefix : map_.NewPrefixes()) Line(name, prefix);
    }
    // k...File roles enter through DirectKey's file lines; kNone not at all.
  }

  template <KeyRole kRole, typename T>
  void Add(const char* name, const std::vector<T>& values) {
    if constexpr (kRole == KeyRole::kText || kRole == KeyRole::kPath) {
      for (const T& value : values) Add<kRole>(name, value);
    } else {
      Add<kRole, std::vector<T>>(name, values);  // the whole list
    }
  }

  std::string str() const { return text_.str(); }

 private:
  const PathPrefixMap& map_;
  std::ostringstream text_;
};

}  // namespace

std::string DirectKeyText(const ConvertOptions& options, const PathPrefixMap& map,
                          const ToolIdentity& tool) {
  KeyLines key(map);
  key.Line("format", kCacheFormat);
  key.Line("pt2ts_version", tool.pt2ts_version);
  key.Line("libtorch_version", tool.libtorch_version);
  key.Line("python_version", tool.python_version);
  key.Line("executable", tool.executable_sha256);
  key.Line("engine", tool.engine_sha256);
#define PT2TS_OPTION(type, field, default_value, names, env, check, cmake, key_role, help) \
  key.Add<KeyRole::key_role>(#field, options.field);
#include "options/convert_options.def"
#undef PT2TS_OPTION
  if (IsExportedFormat(options.format)) {
    key.Line("cxx", CompilerIdentity());
    for (char** variable = environ; *variable != nullptr; ++variable) {
      if (std::strncmp(*variable, "TORCHINDUCTOR_", 14) == 0) key.Line("environment", *variable);
    }
  }
  return key.str();
}

std::string DirectKey(const std::string& key_text, const std::vector<NamedFile>& files,
                      const PathPrefixMap& map) {
  Sha256 hash;
  hash.Update(key_text);
  for (const NamedFile& file : files) {
    hash.Update("file " + file.kind + " " + Escaped(map.Apply(file.path)) + " " + file.sha256 +
                "\n");
  }
  return hash.HexDigest();
}

}  // namespace pt2ts
