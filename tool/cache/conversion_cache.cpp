#include "cache/conversion_cache.h"

#include <unistd.h>

#include <algorithm>
#include <cstdlib>

#include "cache/cache_files.h"
#include "cache/manifest.h"
#include "diagnostics.h"
#include "directories.h"
#include "library_loader.h"
#include "library_locations.h"
#include "pt2ts_build_info.h"
#include "pt2ts_version.h"

namespace pt2ts {
namespace {

std::string ExecutablePath() {
  char buffer[4096];
  const ssize_t length = ::readlink("/proc/self/exe", buffer, sizeof buffer - 1);
  return length > 0 ? std::string(buffer, static_cast<size_t>(length)) : "";
}

void Warn(const std::string& message) { PrintWarning("conversion cache: " + message); }

}  // namespace

CacheSettings CacheSettingsOf(const ConvertOptions& options) {
  CacheSettings settings;
  if (options.no_cache || options.cache_dir.empty()) return settings;
  settings.dir = AbsolutePath(options.cache_dir);
  if (!options.cache_max_size.empty()) ParseSize(options.cache_max_size, &settings.max_size);
  return settings;
}

ConversionCache::ConversionCache(const ConvertOptions& options)
    : options_(options),
      store_(CacheSettingsOf(options).dir, CacheSettingsOf(options).max_size),
      memo_(store_.dir().empty() ? "" : store_.MemoDir()),
      map_(options.path_prefix_maps) {
  enabled_ = !store_.dir().empty();
}

bool ConversionCache::ComputeDirectKey() {
  ToolIdentity tool;
  tool.pt2ts_version = kPt2tsVersion;
  tool.libtorch_version = kLibTorchVersion;
  tool.python_version = kPythonVersionMajorMinor;
  std::string error;
  const std::string engine = ExecutableDirectory() + "/" + kEngineRelativePath;
  if (!memo_.Hash(ExecutablePath(), &tool.executable_sha256, &error) ||
      !memo_.Hash(engine, &tool.engine_sha256, &error)) {
    Warn(error);
    return false;
  }
  const std::vector<NamedFile> files = DirectlyNamedFiles(options_);
  std::vector<std::string> hashes(files.size());
  for (size_t i = 0; i < files.size(); ++i) {
    if (!memo_.Hash(files[i].path, &hashes[i], &error)) return false;  // the conversion reports it
  }
  direct_key_ = DirectKey(DirectKeyText(options_, map_, tool), files, hashes, map_);
  return true;
}

bool ConversionCache::VariantMatches(const ManifestVariant& variant) const {
  for (const ManifestFile& file : variant.files) {
    std::string hash;
    std::string error;
    if (!memo_.Hash(map_.Unapply(file.path), &hash, &error) || hash != file.sha256) return false;
  }
  return true;
}

bool ConversionCache::Lookup(const std::string& destination,
                             std::vector<std::string>* input_paths, std::string* where) {
  if (!ComputeDirectKey()) return false;
  std::string text;
  std::vector<ManifestVariant> variants;
  if (store_.ReadManifest(direct_key_, &text) && !ParseManifest(text, &variants)) {
    Warn("removed a damaged manifest (" + store_.ManifestPath(direct_key_) + ")");
    store_.RemoveManifest(direct_key_);
    variants.clear();
  }
  for (const ManifestVariant& variant : variants) {
    if (!VariantMatches(variant)) continue;
    std::string detail;
    const LocalStore::Fetch fetched =
        store_.FetchArtifact(variant.result_key, destination, &detail);
    if (fetched == LocalStore::Fetch::kBroken) {
      Warn("removed a broken entry (" + detail + "): converting again");
    } else if (fetched == LocalStore::Fetch::kMissing && !detail.empty()) {
      Warn(detail);
    }
    if (fetched != LocalStore::Fetch::kHit) break;
    input_paths->clear();
    for (const ManifestFile& file : variant.files) {
      if (file.kind != "environment") input_paths->push_back(map_.Unapply(file.path));
    }
    *where = "local";
    store_.Count(CacheEvent::kLocalHit);
    return true;
  }
  store_.Count(CacheEvent::kMiss);
  return false;
}

void ConversionCache::Store(const ConvertResult& result, const std::string& artifact_path) {
  if (direct_key_.empty()) return;
  ManifestVariant variant;
  for (const InputFile& input : result.inputs) {
    variant.files.push_back({input.kind, map_.Apply(input.path), input.sha256});
  }
  std::string error;
  for (const std::string& path : result.environment_files) {
    std::string hash;
    if (!memo_.Hash(path, &hash, &error)) {
      Warn("not stored: " + error);
      return;
    }
    variant.files.push_back({"environment", map_.Apply(path), hash});
  }
  std::sort(variant.files.begin(), variant.files.end(),
            [](const ManifestFile& a, const ManifestFile& b) { return a.path < b.path; });
  variant.result_key = ResultKey(direct_key_, variant.files);
  std::string text;
  std::vector<ManifestVariant> variants;
  if (store_.ReadManifest(direct_key_, &text)) ParseManifest(text, &variants);
  // The entry before the manifest that leads to it.
  if (!store_.StoreArtifact(variant.result_key, artifact_path, &error) ||
      !store_.WriteManifest(direct_key_, FormatManifest(AddVariant(variants, variant)), &error)) {
    Warn("not stored: " + error);
    return;
  }
  store_.Evict();
}

}  // namespace pt2ts
