#include <stdexcept>

#include "aoti_package.h"
#include "base/diagnostics.h"
#include "base/exit_codes.h"
#include "options/artifact_formats.h"

namespace pt2ts {
namespace {

constexpr const char* kUnavailable =
    "this pt2ts is built against a LibTorch without AOTIModelPackageLoader (it needs torch >= "
    "2.6): rebuild pt2ts against a newer libtorch-dev to use .pt2 packages";

}  // namespace

ForwardFunction LoadAotiPackage(const std::string&) { throw std::runtime_error(kUnavailable); }

// Without the loader there is no reading the package: its extension says it.
bool IsAotiPackage(const std::string& path) {
  const ArtifactFormat* format = ArtifactFormatOfPath(path);
  return format != nullptr && format->exported;
}

int InspectAotiPackage(const InspectRequest&) {
  PrintError(std::string("cannot inspect a .pt2 package: ") + kUnavailable);
  return kExitConversionFailed;
}

}  // namespace pt2ts
