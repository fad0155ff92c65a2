// The engine's Python code (tool/engine/python/*.py), compiled into the
// library at build time so that an installed pt2ts cannot pick up stale or
// foreign copies.
#pragma once

#include <cstddef>

namespace pt2ts {

struct EmbeddedPythonModule {
  const char* name;    // module name inside the _pt2ts package
  const char* source;  // its source text
};

extern const EmbeddedPythonModule kEmbeddedPythonModules[];
extern const size_t kEmbeddedPythonModuleCount;

}  // namespace pt2ts
