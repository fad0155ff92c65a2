// The files a conversion's options name: the rows of convert_options.def
// whose KEY is a k...File role (weights, inputs files, --depends). The
// conversion cache keys by their contents; the engine lists them, with those
// digests, in the depfile and the metadata.
#pragma once

#include <vector>

#include "options/convert_options.h"

namespace pt2ts {

// In the order of the rows, each path absolute; sha256 left empty.
std::vector<NamedFile> DirectlyNamedFiles(const ConvertOptions& options);

}  // namespace pt2ts
