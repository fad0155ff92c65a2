// The cache key's first half, known before any conversion (ccache's "direct
// mode"): everything the command line says that changes the artifact, the
// identity of pt2ts, its engine, LibTorch and Python, and the contents of the
// files the command line names. It leads to a manifest (manifest.h) listing
// the further files a conversion imported.
#pragma once

#include <string>
#include <vector>

#include "options/convert_options.h"
#include "options/path_prefix_map.h"

namespace pt2ts {

// What pt2ts itself is: versions and the contents of its own executable and
// engine library (a rebuilt pt2ts never serves an older one's artifacts).
struct ToolIdentity {
  std::string pt2ts_version;
  std::string libtorch_version;
  std::string python_version;  // major.minor the engine embeds
  std::string executable_sha256;
  std::string engine_sha256;
};

// The key's text without file contents, one "name value" line per
// ingredient; paths absolute and mapped through `map`. Each option enters
// as its KEY role in convert_options.def says; kNone ones (-v, --depfile,
// the cache's own) are left out.
std::string DirectKeyText(const ConvertOptions& options, const PathPrefixMap& map,
                          const ToolIdentity& tool);

// SHA-256 of the text followed by "file KIND MAPPED_PATH SHA256" per named
// file (options/named_files.h, hashed).
std::string DirectKey(const std::string& key_text, const std::vector<NamedFile>& files,
                      const PathPrefixMap& map);

}  // namespace pt2ts
