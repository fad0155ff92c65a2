#include "cache/manifest.h"

#include <sstream>

#include "base/sha256.h"

namespace pt2ts {
namespace {

constexpr const char* kMagic = "pt2ts-cache-manifest 1";

bool IsHex64(const std::string& text) {
  if (text.size() != 64) return false;
  for (char c : text) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

bool SameFiles(const ManifestVariant& a, const ManifestVariant& b) {
  if (a.files.size() != b.files.size()) return false;
  for (size_t i = 0; i < a.files.size(); ++i) {
    if (a.files[i].path != b.files[i].path || a.files[i].sha256 != b.files[i].sha256 ||
        a.files[i].kind != b.files[i].kind) {
      return false;
    }
  }
  return true;
}

}  // namespace

// Layout: the magic line; per variant "variant KEY" and one
// "file KIND SHA256 PATH" line per file (paths never hold a newline: the
// depfile writer refuses them); a last line "checksum SHA256-of-the-above".
std::string FormatManifest(const std::vector<ManifestVariant>& variants) {
  std::ostringstream body;
  body << kMagic << "\n";
  for (const ManifestVariant& variant : variants) {
    body << "variant " << variant.result_key << "\n";
    for (const ManifestFile& file : variant.files) {
      body << "file " << file.kind << " " << file.sha256 << " " << file.path << "\n";
    }
  }
  const std::string text = body.str();
  return text + "checksum " + Sha256Hex(text) + "\n";
}

bool ParseManifest(const std::string& text, std::vector<ManifestVariant>* variants) {
  variants->clear();
  const size_t last_line = text.rfind("checksum ");
  if (last_line == std::string::npos || text.size() != last_line + 9 + 64 + 1 ||
      text.back() != '\n' || (last_line > 0 && text[last_line - 1] != '\n')) {
    return false;
  }
  const std::string body = text.substr(0, last_line);
  if (Sha256Hex(body) != text.substr(last_line + 9, 64)) return false;
  std::istringstream lines(body);
  std::string line;
  if (!std::getline(lines, line) || line != kMagic) return false;
  while (std::getline(lines, line)) {
    if (line.compare(0, 8, "variant ") == 0) {
      ManifestVariant variant;
      variant.result_key = line.substr(8);
      if (!IsHex64(variant.result_key)) return false;
      variants->push_back(variant);
    } else if (line.compare(0, 5, "file ") == 0 && !variants->empty()) {
      const size_t kind_end = line.find(' ', 5);
      if (kind_end == std::string::npos || line.size() < kind_end + 1 + 64 + 2) return false;
      ManifestFile file;
      file.kind = line.substr(5, kind_end - 5);
      file.sha256 = line.substr(kind_end + 1, 64);
      if (!IsHex64(file.sha256) || line[kind_end + 65] != ' ') return false;
      file.path = line.substr(kind_end + 66);
      variants->back().files.push_back(file);
    } else {
      return false;
    }
  }
  return true;
}

std::vector<ManifestVariant> AddVariant(std::vector<ManifestVariant> variants,
                                        const ManifestVariant& variant) {
  std::vector<ManifestVariant> result{variant};
  for (ManifestVariant& old : variants) {
    if (result.size() == kMaxManifestVariants) break;
    if (!SameFiles(old, variant)) result.push_back(std::move(old));
  }
  return result;
}

std::string ResultKey(const std::string& direct_key, const std::vector<ManifestFile>& files) {
  Sha256 hash;
  hash.Update("pt2ts-cache-result 1\n" + direct_key + "\n");
  for (const ManifestFile& file : files) {
    hash.Update(file.kind + " " + file.sha256 + " " + file.path + "\n");
  }
  return hash.HexDigest();
}

}  // namespace pt2ts
