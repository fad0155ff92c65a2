// What counts as a Python name on the command line: --kwargs keys and
// dotted module names (module_path), and which module_paths name a file.
#pragma once

#include <string>

namespace pt2ts {

// An identifier: a letter, '_' or any non-ASCII byte first (Python accepts
// Unicode letters; it checks the details when it imports), then also digits.
bool IsPythonIdentifier(const std::string& text);

// Identifiers joined by single dots: "zoo", "zoo.models".
bool IsDottedModuleName(const std::string& text);

// Whether a module_path names a file or folder ("zoo/net.py", "./zoo")
// rather than a module imported from sys.path ("zoo.models"): it holds a
// '/' or ends in ".py".
bool NamesModuleFile(const std::string& module_path);

}  // namespace pt2ts
