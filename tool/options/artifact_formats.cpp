#include "options/artifact_formats.h"

#include <cstring>

namespace pt2ts {

const ArtifactFormat kArtifactFormats[] = {
    {"torchscript", ".pt", "a TorchScript archive", true},
    {"lite", ".ptl", "a lite-interpreter file", true},
    {"aoti", ".pt2", "an AOTInductor package", false},
    {nullptr, nullptr, nullptr, false},
};

const ArtifactFormat* FindArtifactFormat(const std::string& name) {
  for (const ArtifactFormat* format = kArtifactFormats; format->name != nullptr; ++format) {
    if (name == format->name) return format;
  }
  return nullptr;
}

bool IsExportedFormat(const std::string& name) {
  const ArtifactFormat* format = FindArtifactFormat(name);
  return format != nullptr && !format->torchscript;
}

const ArtifactFormat* ArtifactFormatOfPath(const std::string& path) {
  for (const ArtifactFormat* format = kArtifactFormats; format->name != nullptr; ++format) {
    const size_t length = std::strlen(format->extension);
    if (path.size() > length && path.compare(path.size() - length, length, format->extension) == 0) {
      return format;
    }
  }
  return nullptr;
}

std::string ArtifactFormatNames() {
  std::string names;
  for (const ArtifactFormat* format = kArtifactFormats; format->name != nullptr; ++format) {
    names += (names.empty() ? "" : ", ") + std::string(format->name);
  }
  return names;
}

}  // namespace pt2ts
