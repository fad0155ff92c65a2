#include "options/named_files.h"

#include "base/files.h"

namespace pt2ts {
namespace {

// The file kind (NamedFile::kind) of each k...File role; null for
// the other roles.
constexpr const char* FileKind(KeyRole role) {
  switch (role) {
    case KeyRole::kWeightsFile: return "weights";
    case KeyRole::kExampleInputsFile: return "example_inputs";
    case KeyRole::kCheckInputsFile: return "check_inputs";
    case KeyRole::kDependsFiles: return "depends";
    default: return nullptr;
  }
}

void AddNamedFiles(const char* kind, const std::string& path, std::vector<NamedFile>* files) {
  if (!path.empty()) files->push_back({kind, AbsolutePath(path), ""});
}

void AddNamedFiles(const char* kind, const std::vector<std::string>& paths,
                   std::vector<NamedFile>* files) {
  for (const std::string& path : paths) AddNamedFiles(kind, path, files);
}

template <typename T>
void AddNamedFiles(const char*, const T&, std::vector<NamedFile>*) {}

}  // namespace

std::vector<NamedFile> DirectlyNamedFiles(const ConvertOptions& options) {
  std::vector<NamedFile> files;
#define PT2TS_OPTION(type, field, default_value, names, env, check, cmake, key, help) \
  if constexpr (FileKind(KeyRole::key) != nullptr) {                                  \
    AddNamedFiles(FileKind(KeyRole::key), options.field, &files);                      \
  }
#include "options/convert_options.def"
#undef PT2TS_OPTION
  return files;
}

}  // namespace pt2ts
