// The shared second level behind the local cache (PT2TS_REMOTE_CACHE):
// objects (the local store's entry and manifest files, unchanged) are kept
// under a name derived from their key. Backends: http:// (plain GET/PUT, as
// ccache's HTTP storage, e.g. nginx with dav_methods PUT) and redis://
// (GET/SET, as ccache's Redis storage). Each is built only when its client
// library (libcurl, hiredis) was found.
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
std::string UrlForMessages(const std::string& url);

// Object names: "ab/cdef...-kind" (ccache's "subdirs" layout).
std::string RemoteObjectName(const std::string& key, const std::string& kind);

std::unique_ptr<RemoteStore> OpenHttpStore(const std::string& url, std::string* error);
std::unique_ptr<RemoteStore> OpenRedisStore(const std::string& url, std::string* error);

}  // namespace pt2ts
