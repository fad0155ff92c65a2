#include "base/library_loader.h"

#include <dlfcn.h>
#include <unistd.h>

#include <vector>

#include "base/files.h"
#include "library_locations.h"

namespace pt2ts {

std::string ExecutableDirectory() {
  const std::string path = ExecutablePath();
  return path.empty() ? "." : path.substr(0, path.find_last_of('/'));
}

void* LoadLibrarySymbol(PtLibrary library, const char* symbol, std::string* error) {
  // The libraries sit at the same place relative to the executable in the
  // build tree and in the (relocatable) install tree.
  const char* relative = library == PtLibrary::kEngine  ? kEngineRelativePath
                         : library == PtLibrary::kTorch ? kTorchLibraryRelativePath
                                                        : kRemoteLibraryRelativePath;
  const std::string path = ExecutableDirectory() + "/" + relative;
  // RTLD_GLOBAL: Python extension modules (torch._C, math, ...) resolve the
  // interpreter's symbols from the global scope.
  // RTLD_LAZY: LibTorch has hundreds of thousands of symbols; binding them
  // all up front would cost more than the work itself.
  void* handle = ::dlopen(path.c_str(), RTLD_LAZY | RTLD_GLOBAL);
  if (handle == nullptr) {
    *error = std::string("cannot load pt2ts's library: ") + ::dlerror() +
             " (is the installation complete?)";
    return nullptr;
  }
  void* address = ::dlsym(handle, symbol);
  if (address == nullptr) *error = "pt2ts's library " + path + " lacks " + symbol;
  return address;
}

}  // namespace pt2ts
