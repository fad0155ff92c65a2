// The rules about combinations of options (which options need or exclude
// which), all in one table. A new option that depends on another is one new
// row in option_rules.cpp.
#pragma once

#include <set>
#include <string>

#include "options/convert_options.h"

namespace pt2ts {

// The parsed options plus which were written on the command line, by their
// first long name ("--rtol"), for rules about options that have defaults.
struct GivenOptions {
  const ConvertOptions& options;
  const std::set<std::string>& written;
  bool Written(const std::string& name) const { return written.count(name) > 0; }
};

// "" when the combination is valid, else the usage error's message.
std::string CheckOptionRules(const GivenOptions& given);

}  // namespace pt2ts
