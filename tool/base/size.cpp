#include "base/size.h"

#include <map>

namespace pt2ts {

bool ParseSize(const std::string& text, uint64_t* bytes) {
  size_t digits = 0;
  while (digits < text.size() && text[digits] >= '0' && text[digits] <= '9') ++digits;
  if (digits == 0 || digits > 15) return false;
  const uint64_t number = std::stoull(text.substr(0, digits));
  std::string unit = text.substr(digits);
  if (!unit.empty() && (unit.back() == 'B' || unit.back() == 'b')) unit.pop_back();
  static const std::map<std::string, uint64_t> kUnits = {
      {"", 1},           {"k", 1000ULL},         {"K", 1000ULL},
      {"M", 1000000ULL}, {"G", 1000000000ULL},   {"T", 1000000000000ULL},
      {"Ki", 1ULL << 10}, {"Mi", 1ULL << 20},    {"Gi", 1ULL << 30},
      {"Ti", 1ULL << 40}};
  const auto found = kUnits.find(unit);
  if (found == kUnits.end()) return false;
  *bytes = number * found->second;
  return true;
}

}  // namespace pt2ts
