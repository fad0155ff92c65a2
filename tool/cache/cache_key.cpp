#include "cache/cache_key.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <sstream>

#include "artifact_formats.h"
#include "cache/sha256.h"
#include "directories.h"
#include "input_spec.h"
#include "literal.h"

namespace pt2ts {
namespace {

// Bumped when the key, manifest or entry layout changes meaning.
constexpr const char* kCacheFormat = "pt2ts-cache-key 1";

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

// A module path that names a file or folder counts by its (mapped) absolute
// path; a dotted name by itself (the files it resolves to are in the manifest).
bool IsPathLike(const std::string& module_path) {
  return module_path.find('/') != std::string::npos ||
         (module_path.size() > 3 && module_path.compare(module_path.size() - 3, 3, ".py") == 0);
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

bool IsExportedFormat(const std::string& format) {
  const ArtifactFormat* found = FindArtifactFormat(format);
  return found != nullptr && !found->torchscript;
}

}  // namespace

std::vector<NamedFile> DirectlyNamedFiles(const ConvertOptions& options) {
  std::vector<NamedFile> files;
  if (!options.state_dict_path.empty()) files.push_back({"weights", AbsolutePath(options.state_dict_path)});
  if (!options.example_inputs_path.empty()) {
    files.push_back({"example_inputs", AbsolutePath(options.example_inputs_path)});
  }
  if (!options.check_inputs_path.empty()) {
    files.push_back({"check_inputs", AbsolutePath(options.check_inputs_path)});
  }
  for (const std::string& path : options.depends) files.push_back({"depends", AbsolutePath(path)});
  return files;
}

std::string DirectKeyText(const ConvertOptions& options, const PathPrefixMap& map,
                          const ToolIdentity& tool) {
  std::ostringstream key;
  key.precision(17);
  auto line = [&key](const std::string& name, const std::string& value) {
    key << name << " " << Escaped(value) << "\n";
  };
  line("format", kCacheFormat);
  line("pt2ts_version", tool.pt2ts_version);
  line("libtorch_version", tool.libtorch_version);
  line("python_version", tool.python_version);
  line("executable", tool.executable_sha256);
  line("engine", tool.engine_sha256);
  line("module_path", IsPathLike(options.module_path) ? map.Apply(AbsolutePath(options.module_path))
                                                      : options.module_path);
  line("model_name", options.model_name);
  // TorchScript names the archive's top folder after the output file.
  line("output_name", BaseName(options.save_path));
  line("state_key", options.state_key);
  for (const Value& value : options.args) line("arg", ToPythonLiteral(value));
  for (const auto& [name, value] : options.kwargs) line("kwarg " + Escaped(name), ToPythonLiteral(value));
  for (const std::string& folder : options.python_paths) line("pythonpath", map.Apply(AbsolutePath(folder)));
  line("python", options.python_executable.empty() ? "" : map.Apply(options.python_executable));
  line("trust_weights", options.trust_weights ? "1" : "0");
  line("non_strict", options.non_strict ? "1" : "0");
  line("train", options.train ? "1" : "0");
  for (const InputSpec& spec : options.example_inputs) line("example_input", FormatInputSpec(spec));
  for (const InputSpec& spec : options.check_inputs) line("check_input", FormatInputSpec(spec));
  line("method", options.method);
  line("freeze", options.freeze ? "1" : "0");
  for (const std::string& kept : options.preserve) line("preserve", kept);
  line("artifact_format", options.format);
  for (const DynamicDim& dim : options.dynamic_dims) line("dynamic_dim", FormatDynamicDim(dim));
  if (IsExportedFormat(options.format)) {
    line("cxx", CompilerIdentity());
    for (char** variable = environ; *variable != nullptr; ++variable) {
      if (std::strncmp(*variable, "TORCHINDUCTOR_", 14) == 0) line("environment", *variable);
    }
  }
  std::ostringstream tolerances;
  tolerances.precision(17);
  tolerances << options.rtol << " " << options.atol;
  line("tolerances", tolerances.str());
  line("allow_torch_version_mismatch", options.allow_torch_version_mismatch ? "1" : "0");
  for (const std::string& prefix : map.NewPrefixes()) line("path_prefix_map", prefix);
  return key.str();
}

std::string DirectKey(const std::string& key_text, const std::vector<NamedFile>& files,
                      const std::vector<std::string>& file_hashes, const PathPrefixMap& map) {
  Sha256 hash;
  hash.Update(key_text);
  for (size_t i = 0; i < files.size(); ++i) {
    hash.Update("file " + files[i].kind + " " + Escaped(map.Apply(files[i].path)) + " " +
                file_hashes[i] + "\n");
  }
  return hash.HexDigest();
}

}  // namespace pt2ts
