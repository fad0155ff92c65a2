// The conversion cache as the convert command sees it: before a
// conversion, look up an artifact for this command line and these files;
// after a successful one, store it. Never fails a conversion: every problem
// is one "pt2ts: warning:" line and the conversion runs as without a cache.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "cache/cache_key.h"
#include "cache/file_hash_memo.h"
#include "cache/local/local_store.h"
#include "cache/manifest.h"
#include "cache/remote/remote_store.h"
#include "options/convert_options.h"
#include "options/path_prefix_map.h"

namespace pt2ts {

// The cache folder and maximum size the options and environment select:
// --cache-dir / PT2TS_CACHE_DIR (none: no cache), --no-cache,
// --cache-max-size / PT2TS_CACHE_MAX_SIZE.
struct CacheSettings {
  std::string dir;  // empty: disabled
  uint64_t max_size = kDefaultCacheMaxSize;
};
CacheSettings CacheSettingsOf(const ConvertOptions& options);

class ConversionCache {
 public:
  explicit ConversionCache(const ConvertOptions& options);

  bool enabled() const { return enabled_; }

  // The files the options name, hashed for the key; empty when the key
  // could not be computed.
  const std::vector<NamedFile>& named_files() const { return named_files_; }

  // Writes the cached artifact to `destination` and returns true on a hit;
  // *input_paths then lists the files for the depfile and *where says
  // "local" or "remote".
  bool Lookup(const std::string& destination, std::vector<std::string>* input_paths,
              std::string* where);

  // After a committed conversion: stores the artifact at `artifact_path`,
  // made from `inputs` (every file the conversion read) in the Python
  // environment that `environment_files` stand for.
  void Store(const std::vector<NamedFile>& inputs,
             const std::vector<std::string>& environment_files, const std::string& artifact_path);

 private:
  bool ComputeDirectKey();
  bool VariantMatches(const ManifestVariant& variant) const;
  std::vector<ManifestVariant> LocalVariants() const;
  // Serves the first variant whose files all match from the local store.
  bool ServeLocal(const std::vector<ManifestVariant>& variants, const std::string& destination,
                  std::vector<std::string>* input_paths,
                  LocalStore::Verify verify = LocalStore::Verify::kChecksum);
  bool ServeRemote(const std::string& destination, std::vector<std::string>* input_paths);
  // The remote store, opened on first use: a local hit never loads the
  // remote library (libcurl and its dependencies take tens of ms to load).
  RemoteStore* Remote();
  void UploadToRemote(const std::string& result_key);
  // One warning, then the remote is left alone for the rest of the process.
  void RemoteFailed(const std::string& error);
  std::vector<std::string> DepfileInputs(const ManifestVariant& variant) const;

  const ConvertOptions& options_;
  bool enabled_ = false;
  LocalStore store_;
  FileHashMemo memo_;
  PathPrefixMap map_;
  std::string direct_key_;  // "" when it could not be computed
  std::vector<NamedFile> named_files_;
  std::string remote_url_raw_;           // PT2TS_REMOTE_CACHE; "": none
  bool remote_opened_ = false;           // Remote() was called
  std::unique_ptr<RemoteStore> remote_;  // null: none, or it failed
  std::string remote_url_;               // for messages (no credentials)
  bool remote_read_only_ = false;        // PT2TS_REMOTE_CACHE_READONLY
};

}  // namespace pt2ts
