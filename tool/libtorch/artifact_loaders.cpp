#include "artifact_loaders.h"

#include <torch/csrc/jit/mobile/import.h>
#include <torch/csrc/jit/mobile/module.h>
#include <torch/script.h>

#include <utility>

#include "aoti_package.h"
#include "call_arguments.h"

namespace pt2ts {
namespace {

// torch::jit::load, as a C++ program loading a TorchScript archive does.
// Keyword arguments are matched to the forward's parameters by name.
ForwardFunction LoadTorchScript(const std::string& path) {
  torch::jit::Module module = torch::jit::load(path);
  return [module](std::vector<c10::IValue> args, const KeywordArguments& kwargs) mutable {
    if (kwargs.empty()) return module.forward(std::move(args));
    const torch::jit::Kwargs by_name(kwargs.begin(), kwargs.end());
    return module.get_method("forward")(std::move(args), by_name);
  };
}

// torch::jit::_load_for_mobile, the lite interpreter's loader; its methods
// take positional arguments only: keyword ones are placed by the schema.
ForwardFunction LoadLite(const std::string& path) {
  torch::jit::mobile::Module module = torch::jit::_load_for_mobile(path);
  return [module](std::vector<c10::IValue> args, const KeywordArguments& kwargs) mutable {
    if (kwargs.empty()) return module.forward(std::move(args));
    const torch::jit::mobile::Method forward = module.get_method("forward");
    return forward(PositionalArguments(forward.function().getSchema(), std::move(args), kwargs));
  };
}

struct Loader {
  const char* format;
  ForwardFunction (*load)(const std::string& path);
};

const Loader kLoaders[] = {
#define PT2TS_FORMAT(name, extension, what, exported, loader) {#name, loader},
#include "options/artifact_formats.def"
#undef PT2TS_FORMAT
};

}  // namespace

std::string LoadArtifact(const std::string& format, const std::string& path,
                         ForwardFunction* forward) {
  for (const Loader& loader : kLoaders) {
    if (format != loader.format) continue;
    try {
      *forward = loader.load(path);
      return "";
    } catch (const c10::Error& error) {
      const std::string& message = error.msg();
      return message.substr(0, message.find('\n'));
    } catch (const std::exception& error) {
      return error.what();
    }
  }
  return "internal error: no LibTorch loader for format '" + format + "'";
}

}  // namespace pt2ts
