// A manifest (ccache's direct mode): under the direct key, the variants seen
// so far, each the list of files a conversion read (with their SHA-256) and
// the key of the artifact it made. A lookup serves a variant only if every
// one of its files still has that hash. The text carries its own checksum:
// a damaged manifest is rejected as a whole.
#pragma once

#include <string>
#include <vector>

namespace pt2ts {

struct ManifestFile {
  std::string kind;    // engine_api.h's kinds, or "environment" (Python, torch)
  std::string path;    // as recorded: absolute, mapped by --path-prefix-map
  std::string sha256;
};

struct ManifestVariant {
  std::vector<ManifestFile> files;  // sorted by path
  std::string result_key;
};

// Newest variants first; at most this many are kept.
constexpr size_t kMaxManifestVariants = 16;

std::string FormatManifest(const std::vector<ManifestVariant>& variants);
// False when the text is not a complete, intact manifest.
bool ParseManifest(const std::string& text, std::vector<ManifestVariant>* variants);

// `variant` first, an older variant with the same files dropped, the list
// cut to kMaxManifestVariants.
std::vector<ManifestVariant> AddVariant(std::vector<ManifestVariant> variants,
                                        const ManifestVariant& variant);

// The artifact's key: the direct key and every file with its hash.
std::string ResultKey(const std::string& direct_key, const std::vector<ManifestFile>& files);

}  // namespace pt2ts
