// The remote library's entry point: picks the backend for a URL's scheme.
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

}  // namespace pt2ts

extern "C" __attribute__((visibility("default"))) pt2ts::RemoteStore* pt2ts_open_remote_store(
    const std::string& url, std::string* error) {
  std::unique_ptr<pt2ts::RemoteStore> store = url.rfind("redis://", 0) == 0
                                                  ? pt2ts::OpenRedisStore(url, error)
                                                  : pt2ts::OpenHttpStore(url, error);
  return store.release();
}
