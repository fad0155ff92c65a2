// The remote library's entry point: picks the backend for a URL's scheme,
// the one place that knows the schemes.
#include "cache/remote/remote_store.h"

namespace pt2ts {

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

namespace {

struct Backend {
  const char* scheme;
  std::unique_ptr<RemoteStore> (*open)(const std::string& url, std::string* error);
};

const Backend kBackends[] = {
    {"http://", OpenHttpStore},
    {"https://", OpenHttpStore},
    {"redis://", OpenRedisStore},
};

}  // namespace

std::unique_ptr<RemoteStore> OpenBackend(const std::string& url, std::string* error) {
  for (const Backend& backend : kBackends) {
    if (url.rfind(backend.scheme, 0) == 0) return backend.open(url, error);
  }
  *error = "PT2TS_REMOTE_CACHE: '" + UrlForMessages(url) +
           "' is neither an http:// nor a redis:// URL";
  return nullptr;
}

}  // namespace pt2ts

extern "C" __attribute__((visibility("default"))) pt2ts::RemoteStore* pt2ts_open_remote_store(
    const std::string& url, std::string* error) {
  return pt2ts::OpenBackend(url, error).release();
}
