#include "cache/remote/remote_store.h"

#include "base/library_loader.h"

namespace pt2ts {

std::string RemoteObjectName(const std::string& key, const std::string& kind) {
  return key.substr(0, 2) + "/" + key.substr(2) + "-" + kind;
}

std::unique_ptr<RemoteStore> OpenRemoteStore(const std::string& url, std::string* error) {
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
