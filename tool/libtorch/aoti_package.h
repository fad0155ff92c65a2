// AOTInductor packages (--format aoti, .pt2): loading and inspecting them.
// Kept apart because only LibTorch >= 2.6 has the package loader: CMake
// compiles aoti_package.cpp where its header exists and
// aoti_package_unavailable.cpp elsewhere.
#pragma once

#include <string>

#include "artifact_loaders.h"
#include "libtorch/torch_api.h"

namespace pt2ts {

// torch::inductor::AOTIModelPackageLoader, as a C++ program loading a .pt2
// package does; its forward takes the arguments' tensors, flattened in
// pytree's order, and returns a tuple of the outputs, flattened. Throws on
// failure.
ForwardFunction LoadAotiPackage(const std::string& path);

// Whether `path` looks like a .pt2 package (its name, or its contents).
bool IsAotiPackage(const std::string& path);

// pt2ts inspect for a package: format, producer, metadata, call spec and
// the files inside, without compiling anything. Returns an exit code.
int InspectAotiPackage(const InspectRequest& request);

}  // namespace pt2ts
