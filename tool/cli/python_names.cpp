#include "cli/python_names.h"

#include <cctype>

#include "base/text.h"

namespace pt2ts {

bool IsPythonIdentifier(const std::string& text) {
  if (text.empty()) return false;
  for (size_t i = 0; i < text.size(); ++i) {
    const unsigned char c = static_cast<unsigned char>(text[i]);
    const bool letter = std::isalpha(c) || c == '_' || c >= 0x80;
    if (!letter && !(i > 0 && std::isdigit(c))) return false;
  }
  return true;
}

bool IsDottedModuleName(const std::string& text) {
  size_t start = 0;
  while (true) {
    const size_t dot = text.find('.', start);
    if (!IsPythonIdentifier(text.substr(start, dot - start))) return false;
    if (dot == std::string::npos) return true;
    start = dot + 1;
  }
}

bool NamesModuleFile(const std::string& module_path) {
  return module_path.find('/') != std::string::npos || EndsWith(module_path, ".py");
}

}  // namespace pt2ts
