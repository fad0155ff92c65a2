#include "options/artifact_formats.h"

#include <cstring>

namespace pt2ts {

const ArtifactFormat kArtifactFormats[] = {
#define PT2TS_FORMAT(name, extension, what, exported, loader) \
  {#name, extension, what, exported},
#include "options/artifact_formats.def"
#undef PT2TS_FORMAT
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
  return format != nullptr && format->exported;
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
