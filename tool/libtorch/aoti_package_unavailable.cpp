#include <stdexcept>

#include "aoti_package.h"
#include "base/diagnostics.h"
#include "base/exit_codes.h"
#include "base/text.h"

namespace pt2ts {
namespace {

constexpr const char* kUnavailable =
    "this pt2ts is built against a LibTorch without AOTIModelPackageLoader (it needs torch >= "
    "2.6): rebuild pt2ts against a newer libtorch-dev to use .pt2 packages";

}  // namespace

ForwardFunction LoadAotiPackage(const std::string&) { throw std::runtime_error(kUnavailable); }

bool IsAotiPackage(const std::string& path) { return EndsWith(path, ".pt2"); }

int InspectAotiPackage(const InspectRequest&) {
  PrintError(std::string("cannot inspect a .pt2 package: ") + kUnavailable);
  return kExitConversionFailed;
}

}  // namespace pt2ts
