#include "inspect_text.h"

#include <cstdio>

namespace pt2ts {


std::string HumanBytes(int64_t bytes) {
  char text[32];
  if (bytes < 1024) {
    std::snprintf(text, sizeof(text), "%lld B", static_cast<long long>(bytes));
  } else if (bytes < int64_t{1024} * 1024) {
    std::snprintf(text, sizeof(text), "%.1f KiB", static_cast<double>(bytes) / 1024.0);
  } else {
    std::snprintf(text, sizeof(text), "%.1f MiB", static_cast<double>(bytes) / (1024.0 * 1024.0));
  }
  return text;
}

std::string ProducerTorchVersion(const std::string& metadata) {
  const std::string key = "\"torch_version\": \"";
  const size_t start = metadata.find(key);
  if (start == std::string::npos) return "";
  const size_t end = metadata.find('"', start + key.size());
  return metadata.substr(start + key.size(), end - start - key.size());
}

}  // namespace pt2ts
