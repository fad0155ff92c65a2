#include "engine_loader.h"

#include <dlfcn.h>
#include <unistd.h>

#include <cstdlib>
#include <vector>

#include "engine_location.h"

namespace pt2ts {
namespace {

std::string ExecutableDirectory() {
  std::vector<char> buffer(4096);
  const ssize_t length = ::readlink("/proc/self/exe", buffer.data(), buffer.size() - 1);
  if (length <= 0) return ".";
  const std::string path(buffer.data(), static_cast<size_t>(length));
  return path.substr(0, path.find_last_of('/'));
}

}  // namespace

EngineConvertFunction LoadEngine(std::string* error) {
  // The engine lives at the same place relative to the executable in the
  // build tree and in the (relocatable) install tree.
  const std::string path = ExecutableDirectory() + "/" + kEngineRelativePath;
  // RTLD_GLOBAL: Python extension modules (torch._C, math, ...) resolve the
  // interpreter's symbols from the global scope.
  void* handle = ::dlopen(path.c_str(), RTLD_NOW | RTLD_GLOBAL);
  if (handle == nullptr) {
    *error = std::string("cannot load the pt2ts engine: ") + ::dlerror() +
             " (is the installation complete?)";
    return nullptr;
  }
  void* symbol = ::dlsym(handle, kEngineConvertSymbol);
  if (symbol == nullptr) {
    *error = std::string("the pt2ts engine at ") + path + " lacks " + kEngineConvertSymbol;
    return nullptr;
  }
  return reinterpret_cast<EngineConvertFunction>(symbol);
}

}  // namespace pt2ts
