// One loader per artifact format (artifact_formats.h): each loads the file
// the way a C++ program using that format does and gives back its forward
// method, so the check (artifact_check.cpp) runs every format alike.
#pragma once

#include <ATen/core/ivalue.h>

#include <functional>
#include <string>
#include <utility>
#include <vector>

namespace pt2ts {

// Keyword arguments, in the order the engine wrote them (the forward's).
using KeywordArguments = std::vector<std::pair<std::string, c10::IValue>>;

// Runs the artifact's forward on positional and keyword arguments.
using ForwardFunction =
    std::function<c10::IValue(std::vector<c10::IValue> args, const KeywordArguments& kwargs)>;

// Loads `path` as `format`; returns "" and sets *forward, or the reason it
// cannot be loaded (first line of LibTorch's message).
std::string LoadArtifact(const std::string& format, const std::string& path,
                         ForwardFunction* forward);

}  // namespace pt2ts
