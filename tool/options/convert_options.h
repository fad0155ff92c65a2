// Everything a conversion needs, as parsed from the command line: one member
// per row of convert_options.def. The front end fills it; the engine (a
// separately loaded library) reads it.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "options/dynamic_dim.h"
#include "options/input_spec.h"
#include "options/value.h"

namespace pt2ts {

// --kwargs, in command-line order.
using KeywordArguments = std::vector<std::pair<std::string, Value>>;

// A file a conversion reads: one the options name (weights, inputs files,
// --depends) or, in the engine's result, also a Python module it imported.
struct NamedFile {
  std::string kind;    // "module", "weights", "example_inputs", "check_inputs" or "depends"
  std::string path;    // absolute
  std::string sha256;  // of its contents, hex; "" when not hashed yet
};

// How an option enters the conversion cache's key (cache/cache_key.cpp).
enum class KeyRole {
  kText,               // its value, as text
  kPath,               // absolute path(s), mapped by --path-prefix-map
  kModule,             // a path (absolute, mapped) or a dotted module name
  kOutputName,         // the file name only: TorchScript names its top folder after it
  kPrefixMaps,         // the NEW side of each mapping
  kWeightsFile,        // the contents of the file it names, and its mapped path
  kExampleInputsFile,  // likewise
  kCheckInputsFile,    // likewise
  kDependsFiles,       // likewise, for each file
  kNone,               // does not change the artifact
};

struct ConvertOptions {
#define PT2TS_OPTION(type, field, default_value, names, env, check, cmake, key, help) \
  type field = default_value;
#include "options/convert_options.def"
#undef PT2TS_OPTION
};

}  // namespace pt2ts
