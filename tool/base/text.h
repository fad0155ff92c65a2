// Small text helpers every layer uses.
#pragma once

#include <string>

namespace pt2ts {

bool EndsWith(const std::string& text, const std::string& suffix);

// `text` as a JSON string, quotes included.
std::string JsonString(const std::string& text);

}  // namespace pt2ts
