#include "cache/remote/remote_store.h"

#include "base/library_loader.h"

namespace pt2ts {

std::string RemoteObjectName(const std::string& key, const std::string& kind) {
  return key.substr(0, 2) + "/" + key.substr(2) + "-" + kind;
}

std::unique_ptr<RemoteStore> OpenRemoteStore(const std::string& url, std::string* error) {
  if (url.rfind("http://", 0) != 0 && url.rfind("https://", 0) != 0 &&
      url.rfind("redis://", 0) != 0) {
    *error = "PT2TS_REMOTE_CACHE: '" + UrlForMessages(url) +
             "' is neither an http:// nor a redis:// URL";
    return nullptr;
  }
  std::string load_error;
  const auto open = LoadLibraryFunction<OpenRemoteStoreFunction>(
      PtLibrary::kRemote, kOpenRemoteStoreSymbol, &load_error);
  if (open == nullptr) {
    // Not built (neither libcurl nor hiredis was found), or not loadable.
    *error = "no remote cache support in this pt2ts (" + load_error + "): cannot use " +
             UrlForMessages(url);
    return nullptr;
  }
  return std::unique_ptr<RemoteStore>(open(url, error));
}

}  // namespace pt2ts
