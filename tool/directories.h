// mkdir -p, shared by the staged output and the depfile writer.
#pragma once

#include <string>
#include <vector>

namespace pt2ts {

// Creates `dir` and its missing parents. Appends the folders it created to
// *created (parents first; may be null). On failure returns false with errno
// set and *failed naming the folder that could not be created.
bool MakeDirectories(const std::string& dir, std::vector<std::string>* created,
                     std::string* failed);

}  // namespace pt2ts
