#include "cache/remote_store.h"

namespace pt2ts {

std::string UrlForMessages(const std::string& url) {
  const size_t scheme_end = url.find("://");
  if (scheme_end == std::string::npos) return url;
  const size_t host_start = scheme_end + 3;
  const size_t path_start = url.find('/', host_start);
  const size_t at = url.rfind('@', path_start == std::string::npos ? url.size() : path_start);
  if (at == std::string::npos || at < host_start) return url;
  return url.substr(0, host_start) + url.substr(at + 1);
}

std::string RemoteObjectName(const std::string& key, const std::string& kind) {
  return key.substr(0, 2) + "/" + key.substr(2) + "-" + kind;
}

std::unique_ptr<RemoteStore> OpenRemoteStore(const std::string& url, std::string* error) {
  if (url.rfind("http://", 0) == 0 || url.rfind("https://", 0) == 0) {
    return OpenHttpStore(url, error);
  }
  if (url.rfind("redis://", 0) == 0) return OpenRedisStore(url, error);
  *error = "PT2TS_REMOTE_CACHE: '" + UrlForMessages(url) +
           "' is neither an http:// nor a redis:// URL";
  return nullptr;
}

#ifndef PT2TS_HAVE_CURL
std::unique_ptr<RemoteStore> OpenHttpStore(const std::string& url, std::string* error) {
  *error = "this pt2ts was built without libcurl: cannot use " + UrlForMessages(url);
  return nullptr;
}
#endif

#ifndef PT2TS_HAVE_HIREDIS
std::unique_ptr<RemoteStore> OpenRedisStore(const std::string& url, std::string* error) {
  *error = "this pt2ts was built without hiredis: cannot use " + UrlForMessages(url);
  return nullptr;
}
#endif

}  // namespace pt2ts
