#include "options/path_prefix_map.h"

namespace pt2ts {
namespace {

// Whether `prefix` is `path` itself or a folder above it.
bool IsFolderPrefix(const std::string& prefix, const std::string& path) {
  if (path.compare(0, prefix.size(), prefix) != 0) return false;
  return path.size() == prefix.size() || prefix.back() == '/' || path[prefix.size()] == '/';
}

std::string Replace(const std::string& path, const std::string& from, const std::string& to) {
  return to + path.substr(from.size());
}

}  // namespace

std::string PathPrefixMap::ParseProblem(const std::string& text) {
  const size_t equals = text.find('=');
  if (equals == std::string::npos) return "'" + text + "' is not OLD=NEW";
  if (equals == 0) return "'" + text + "' has an empty OLD folder (expected OLD=NEW)";
  return "";
}

PathPrefixMap::PathPrefixMap(const std::vector<std::string>& texts) {
  for (const std::string& text : texts) {
    const size_t equals = text.find('=');
    if (equals == std::string::npos || equals == 0) continue;
    maps_.emplace_back(text.substr(0, equals), text.substr(equals + 1));
  }
}

std::string PathPrefixMap::Apply(const std::string& path) const {
  for (auto map = maps_.rbegin(); map != maps_.rend(); ++map) {
    if (IsFolderPrefix(map->first, path)) return Replace(path, map->first, map->second);
  }
  return path;
}

std::string PathPrefixMap::Unapply(const std::string& path) const {
  for (auto map = maps_.rbegin(); map != maps_.rend(); ++map) {
    if (!map->second.empty() && IsFolderPrefix(map->second, path)) {
      return Replace(path, map->second, map->first);
    }
  }
  return path;
}

std::vector<std::string> PathPrefixMap::NewPrefixes() const {
  std::vector<std::string> prefixes;
  for (const auto& map : maps_) prefixes.push_back(map.second);
  return prefixes;
}

}  // namespace pt2ts
