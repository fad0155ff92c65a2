// The arguments the check passes to an artifact's forward: decoded from the
// check file, and arranged the way each loader takes them.
#pragma once

#include <ATen/core/function_schema.h>
#include <ATen/core/ivalue.h>

#include <vector>

#include "artifact_loaders.h"

namespace pt2ts {

// An input as the engine wrote it (eager_check._encoded): a tensor, or
// ("list", items), ("tuple", items), ("dict", keys, values), rebuilt as
// LibTorch values of typed containers (List[Tensor], Dict[str, Tensor]...),
// which TorchScript methods require where LibTorch's unpickler gives Any.
c10::IValue DecodeInput(const c10::IValue& encoded);

// The arguments as positional ones for a method whose schema starts with
// `self`: keyword arguments at their parameters, defaults for the others.
// Throws std::invalid_argument naming a missing or unknown argument.
std::vector<c10::IValue> PositionalArguments(const c10::FunctionSchema& schema,
                                             std::vector<c10::IValue> args,
                                             const KeywordArguments& kwargs);

// Every tensor in the arguments, positional then keyword, containers in
// order: pytree's flattening, the form an AOTInductor package takes.
std::vector<at::Tensor> FlatTensors(const std::vector<c10::IValue>& args,
                                    const KeywordArguments& kwargs);

}  // namespace pt2ts
