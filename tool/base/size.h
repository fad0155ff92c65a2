// Sizes as people write them (--cache-max-size, PT2TS_CACHE_MAX_SIZE).
#pragma once

#include <cstdint>
#include <string>

namespace pt2ts {

// "5G", "500M", "100k", "123" (bytes; k/M/G/T are powers of 1000, Ki/Mi/Gi/Ti
// of 1024). False when malformed.
bool ParseSize(const std::string& text, uint64_t* bytes);

}  // namespace pt2ts
