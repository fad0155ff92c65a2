// What counts as a Python name on the command line: --kwargs keys and
// dotted module names (module_path).
#pragma once

#include <string>

namespace pt2ts {

// An identifier: a letter, '_' or any non-ASCII byte first (Python accepts
// Unicode letters; it checks the details when it imports), then also digits.
bool IsPythonIdentifier(const std::string& text);

// Identifiers joined by single dots: "zoo", "zoo.models".
bool IsDottedModuleName(const std::string& text);

}  // namespace pt2ts
