// --path-prefix-map OLD=NEW (like GCC's -ffile-prefix-map): paths recorded
// in an artifact that start with the folder OLD are recorded as starting
// with NEW instead, so checkouts in different folders give identical bytes.
// The engine applies the same rule in Python (path_prefix_map.py).
#pragma once

#include <string>
#include <utility>
#include <vector>

namespace pt2ts {

class PathPrefixMap {
 public:
  // Parses "OLD=NEW" (split at the first '='; OLD not empty). Returns "" or
  // the reason it is malformed.
  static std::string ParseProblem(const std::string& text);

  // From the --path-prefix-map values, in command-line order (all valid).
  explicit PathPrefixMap(const std::vector<std::string>& texts);

  // The last map whose OLD is `path` or a folder above it rewrites it.
  std::string Apply(const std::string& path) const;
  // The reverse, for paths recorded by Apply: the last map whose NEW prefixes
  // `path` gives its OLD back; others stay as they are.
  std::string Unapply(const std::string& path) const;

  // The NEW sides in order: part of the cache key (the OLD sides are what
  // differs between checkouts).
  std::vector<std::string> NewPrefixes() const;

 private:
  std::vector<std::pair<std::string, std::string>> maps_;  // (OLD, NEW)
};

}  // namespace pt2ts
