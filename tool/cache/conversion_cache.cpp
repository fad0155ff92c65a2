#include "cache/conversion_cache.h"

#include <unistd.h>

#include <algorithm>
#include <cstdlib>

#include "base/diagnostics.h"
#include "base/files.h"
#include "base/library_loader.h"
#include "cache/manifest.h"
#include "library_locations.h"
#include "options/named_files.h"
#include "pt2ts_build_info.h"
#include "pt2ts_version.h"

namespace pt2ts {
namespace {

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
  const char* url = std::getenv("PT2TS_REMOTE_CACHE");
  if (url == nullptr || *url == '\0' || options.no_cache) return;
  remote_url_ = UrlForMessages(url);
  if (!enabled_) {
    Warn("PT2TS_REMOTE_CACHE works behind a local cache: set PT2TS_CACHE_DIR too");
    return;
  }
  remote_url_raw_ = url;
  const char* read_only = std::getenv("PT2TS_REMOTE_CACHE_READONLY");
  remote_read_only_ = read_only != nullptr && *read_only != '\0' && std::string(read_only) != "0";
}

RemoteStore* ConversionCache::Remote() {
  if (!remote_opened_ && !remote_url_raw_.empty()) {
    remote_opened_ = true;
    std::string error;
    remote_ = OpenRemoteStore(remote_url_raw_, &error);
    if (remote_ == nullptr) Warn(error);
  }
  return remote_.get();
}

void ConversionCache::RemoteFailed(const std::string& error) {
  Warn("remote " + remote_url_ + " failed (" + error + "); using the local cache only");
  remote_.reset();
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
  std::vector<NamedFile> files = DirectlyNamedFiles(options_);
  for (NamedFile& file : files) {
    if (!memo_.Hash(file.path, &file.sha256, &error)) return false;  // the conversion reports it
  }
  direct_key_ = DirectKey(DirectKeyText(options_, map_, tool), files, map_);
  named_files_ = std::move(files);
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

std::vector<ManifestVariant> ConversionCache::LocalVariants() const {
  std::string text;
  std::vector<ManifestVariant> variants;
  if (store_.ReadManifest(direct_key_, &text) && !ParseManifest(text, &variants)) {
    Warn("removed a damaged manifest (" + store_.ManifestPath(direct_key_) + ")");
    store_.RemoveManifest(direct_key_);
    variants.clear();
  }
  return variants;
}

std::vector<std::string> ConversionCache::DepfileInputs(const ManifestVariant& variant) const {
  std::vector<std::string> paths;
  for (const ManifestFile& file : variant.files) {
    if (file.kind != "environment") paths.push_back(map_.Unapply(file.path));
  }
  return paths;
}

bool ConversionCache::ServeLocal(const std::vector<ManifestVariant>& variants,
                                 const std::string& destination,
                                 std::vector<std::string>* input_paths,
                                 LocalStore::Verify verify) {
  for (const ManifestVariant& variant : variants) {
    if (!VariantMatches(variant)) continue;
    std::string detail;
    const LocalStore::Fetch fetched =
        store_.FetchArtifact(variant.result_key, destination, &detail, verify);
    if (fetched == LocalStore::Fetch::kBroken) {
      Warn("removed a broken entry (" + detail + "): converting again");
    } else if (fetched == LocalStore::Fetch::kMissing && !detail.empty()) {
      Warn(detail);
    }
    if (fetched != LocalStore::Fetch::kHit) return false;
    *input_paths = DepfileInputs(variant);
    return true;
  }
  return false;
}

bool ConversionCache::ServeRemote(const std::string& destination,
                                  std::vector<std::string>* input_paths) {
  // Each download reports a failing remote once; a missing object is no failure.
  auto download = [this](const std::string& name) {
    return [this, name](const std::string& into) {
      std::string error;
      const RemoteStore::Get got = remote_ != nullptr ? remote_->Fetch(name, into, &error)
                                                      : RemoteStore::Get::kMissing;
      if (got == RemoteStore::Get::kFailed) RemoteFailed(error);
      return got == RemoteStore::Get::kFound;
    };
  };
  std::string text;
  if (!store_.ReceiveManifest(direct_key_, download(RemoteObjectName(direct_key_, "manifest")),
                              &text)) {
    return false;
  }
  std::vector<ManifestVariant> remote_variants;
  if (!ParseManifest(text, &remote_variants)) {
    RemoteFailed("it returned a damaged manifest");
    return false;
  }
  for (const ManifestVariant& variant : remote_variants) {
    if (!VariantMatches(variant)) continue;
    // The entry may already be here (another manifest led to it).
    LocalStore::Verify verify = LocalStore::Verify::kChecksum;
    if (!store_.HasEntry(variant.result_key)) {
      std::string detail;
      const LocalStore::Received received = store_.ReceiveEntry(
          variant.result_key, download(RemoteObjectName(variant.result_key, "entry")), &detail);
      if (received == LocalStore::Received::kBroken) {
        RemoteFailed("it returned a broken entry: " + detail);
      }
      if (received != LocalStore::Received::kStored) return false;
      verify = LocalStore::Verify::kAlreadyChecked;  // by ReceiveEntry
    }
    // Remembered here, so the next lookup is local.
    std::string ignored;
    store_.WriteManifest(direct_key_, FormatManifest(AddVariant(LocalVariants(), variant)), &ignored);
    return ServeLocal({variant}, destination, input_paths, verify);
  }
  return false;
}

bool ConversionCache::Lookup(const std::string& destination,
                             std::vector<std::string>* input_paths, std::string* where) {
  if (!ComputeDirectKey()) return false;
  if (ServeLocal(LocalVariants(), destination, input_paths)) {
    *where = "local";
    store_.Count(CacheEvent::kLocalHit);
    return true;
  }
  if (Remote() != nullptr && ServeRemote(destination, input_paths)) {
    *where = "remote";
    store_.Count(CacheEvent::kRemoteHit);
    return true;
  }
  store_.Count(CacheEvent::kMiss);
  return false;
}

void ConversionCache::UploadToRemote(const std::string& result_key) {
  if (remote_read_only_ || Remote() == nullptr) return;
  std::string error;
  // The entry before the manifest that leads to it.
  if (!remote_->Put(RemoteObjectName(result_key, "entry"), store_.EntryPath(result_key), &error) ||
      !remote_->Put(RemoteObjectName(direct_key_, "manifest"), store_.ManifestPath(direct_key_),
                    &error)) {
    RemoteFailed(error);
  }
}

void ConversionCache::Store(const std::vector<NamedFile>& inputs,
                            const std::vector<std::string>& environment_files,
                            const std::string& artifact_path) {
  if (direct_key_.empty()) return;
  ManifestVariant variant;
  for (const NamedFile& input : inputs) {
    variant.files.push_back({input.kind, map_.Apply(input.path), input.sha256});
  }
  std::string error;
  for (const std::string& path : environment_files) {
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
  UploadToRemote(variant.result_key);
  store_.Evict();
}

}  // namespace pt2ts
