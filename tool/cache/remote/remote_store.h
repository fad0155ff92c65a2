// The shared second level behind the local cache (PT2TS_REMOTE_CACHE):
// objects (the local store's entry and manifest files, unchanged) are kept
// under a name derived from their key. Backends: http:// (plain GET/PUT, as
// ccache's HTTP storage, e.g. nginx with dav_methods PUT) and redis://
// (GET/SET, as ccache's Redis storage). They live in a library of their own
// (libpt2ts_remote.so), loaded only when a remote is configured, so that
// libcurl and hiredis (and their ~30 dependencies) never slow down a plain
// start; each backend is built only when its client library was found.
#pragma once

#include <memory>
#include <string>

namespace pt2ts {

// Short limits: a remote that is down or stalls must not hold up a build.
constexpr long kRemoteConnectTimeoutMs = 1000;
constexpr long kRemoteStallTimeoutMs = 2000;

class RemoteStore {
 public:
  virtual ~RemoteStore() = default;

  enum class Get { kFound, kMissing, kFailed };
  // Downloads the object `name` into the file `destination` (created).
  virtual Get Fetch(const std::string& name, const std::string& destination,
                    std::string* error) = 0;
  // Uploads the file `source` as the object `name`.
  virtual bool Put(const std::string& name, const std::string& source, std::string* error) = 0;
};

// The store for `url`, or nullptr with *error set (unknown scheme, a
// backend not built in, a malformed URL).
std::unique_ptr<RemoteStore> OpenRemoteStore(const std::string& url, std::string* error);

// The URL without user:password@, for messages.
inline std::string UrlForMessages(const std::string& url) {
  const size_t scheme_end = url.find("://");
  if (scheme_end == std::string::npos) return url;
  const size_t host_start = scheme_end + 3;
  const size_t path_start = url.find('/', host_start);
  const size_t at = url.rfind('@', path_start == std::string::npos ? url.size() : path_start);
  if (at == std::string::npos || at < host_start) return url;
  return url.substr(0, host_start) + url.substr(at + 1);
}

// Object names: "ab/cdef...-kind" (ccache's "subdirs" layout).
std::string RemoteObjectName(const std::string& key, const std::string& kind);

// The remote library's entry point, looked up with dlsym: the store for a
// http:// or redis:// URL (ownership passes to the caller), or nullptr
// with *error set.
constexpr const char* kOpenRemoteStoreSymbol = "pt2ts_open_remote_store";
using OpenRemoteStoreFunction = RemoteStore* (*)(const std::string& url, std::string* error);

// In the remote library: the store for the URL's scheme (remote_backends.cpp),
// and each backend's.
std::unique_ptr<RemoteStore> OpenBackend(const std::string& url, std::string* error);
std::unique_ptr<RemoteStore> OpenHttpStore(const std::string& url, std::string* error);
std::unique_ptr<RemoteStore> OpenRedisStore(const std::string& url, std::string* error);

}  // namespace pt2ts
