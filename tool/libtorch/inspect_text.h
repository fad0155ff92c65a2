// Text helpers of pt2ts inspect, shared by its TorchScript and package parts.
#pragma once

#include <cstdint>
#include <string>

#include "base/text.h"  // JsonString

namespace pt2ts {

// "12 B", "3.4 KiB", "5.6 MiB".
std::string HumanBytes(int64_t bytes);

// The torch version pt2ts recorded in its metadata (pt2ts.json text); ""
// when there is none (plain torch.jit.save and aoti_compile_and_package do
// not record it).
std::string ProducerTorchVersion(const std::string& metadata);

}  // namespace pt2ts
