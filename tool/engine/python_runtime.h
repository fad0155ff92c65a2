// Starts the embedded interpreter so that it behaves the same whatever is on
// PATH or in PYTHON* environment variables (see docs/stack-notes.md, "Python selection").
#pragma once

#include <string>

namespace pt2ts {

// Starts Python as `executable` (the interpreter pt2ts was built against, or a
// virtual environment's bin/python). Returns false with *error set if Python
// cannot start. Never finalized: the process exits right after the work.
bool StartPython(const std::string& executable, std::string* error);

// The interpreter pt2ts was built against (baked in at build time).
const char* BuiltInPythonExecutable();

}  // namespace pt2ts
