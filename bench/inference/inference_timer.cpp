// Times pt2ts's artifacts as a C++ program runs them: each loaded with its
// format's own LibTorch loader (torch::jit::load for .pt,
// torch::jit::_load_for_mobile for .ptl, AOTIModelPackageLoader for .pt2),
// called under c10::InferenceMode. Driven line by line on stdin by
// bench/inference.py, which times eager PyTorch in between, so both take
// turns on the same machine state:
//
//   load NAME PATH [bfloat16|float16|float64]
//                              -> "ok" (the format follows from the extension;
//                                 the dtype is the artifact's, default float32)
//   run NAME INPUT SHAPE EXPECTED CALLS
//                              -> "max_abs_diff s1 s2 ..." (seconds per call)
//   quit
//
// INPUT and EXPECTED are raw little-endian float32 files (the eager model's
// input and output), SHAPE like 8x3x224x224. An artifact converted in
// another dtype (pt2ts --dtype) gets the input cast to it once, before the
// timed calls (as a program that keeps its data in that dtype); its output
// is compared in float32.
//
//   inference_timer THREADS
#include <torch/csrc/jit/mobile/import.h>
#include <torch/csrc/jit/mobile/module.h>
#include <ATen/Parallel.h>
#include <torch/script.h>
#ifdef HAVE_AOTI_LOADER
#include <torch/csrc/inductor/aoti_package/model_package_loader.h>
#endif

#include <chrono>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <functional>
#include <iostream>
#include <iterator>
#include <map>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

namespace {

using Forward = std::function<at::Tensor(const at::Tensor&)>;

struct Artifact {
  Forward forward;
  at::ScalarType dtype = at::kFloat;
};

at::ScalarType ParseDtype(const std::string& name) {
  if (name.empty() || name == "float32") return at::kFloat;
  if (name == "bfloat16") return at::kBFloat16;
  if (name == "float16") return at::kHalf;
  if (name == "float64") return at::kDouble;
  throw std::runtime_error("unknown dtype: " + name);
}

bool EndsWith(const std::string& text, const std::string& suffix) {
  return text.size() >= suffix.size() &&
         text.compare(text.size() - suffix.size(), suffix.size(), suffix) == 0;
}

// The first tensor of whatever the artifact returns.
at::Tensor FirstTensor(const c10::IValue& value) {
  if (value.isTensor()) return value.toTensor();
  if (value.isTuple()) return FirstTensor(value.toTupleRef().elements().at(0));
  if (value.isList()) return FirstTensor(value.toListRef().at(0));
  throw std::runtime_error("the artifact returned no tensor");
}

Forward Load(const std::string& path) {
  if (EndsWith(path, ".ptl")) {
    auto module = std::make_shared<torch::jit::mobile::Module>(torch::jit::_load_for_mobile(path));
    return [module](const at::Tensor& input) {
      return FirstTensor(module->forward({input}));
    };
  }
  if (EndsWith(path, ".pt2")) {
#ifdef HAVE_AOTI_LOADER
    auto loader = std::make_shared<torch::inductor::AOTIModelPackageLoader>(path);
    return [loader](const at::Tensor& input) {
      std::vector<at::Tensor> inputs{input};
      return loader->run(inputs).at(0);
    };
#else
    throw std::runtime_error("this LibTorch has no AOTInductor package loader");
#endif
  }
  auto module = std::make_shared<torch::jit::Module>(torch::jit::load(path));
  module->eval();
  return [module](const at::Tensor& input) { return FirstTensor(module->forward({input})); };
}

at::Tensor ReadFloats(const std::string& path, const std::vector<int64_t>& shape) {
  std::ifstream file(path, std::ios::binary);
  std::vector<char> bytes((std::istreambuf_iterator<char>(file)), std::istreambuf_iterator<char>());
  at::Tensor tensor = at::empty(shape, at::kFloat);
  if (static_cast<size_t>(tensor.nbytes()) != bytes.size())
    throw std::runtime_error(path + ": size does not match its shape");
  std::memcpy(tensor.data_ptr(), bytes.data(), bytes.size());
  return tensor;
}

std::vector<int64_t> ParseShape(const std::string& text) {
  std::vector<int64_t> shape;
  std::stringstream stream(text);
  std::string size;
  while (std::getline(stream, size, 'x')) shape.push_back(std::stoll(size));
  return shape;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: inference_timer THREADS (commands on stdin)\n");
    return 2;
  }
  at::set_num_threads(std::stoi(argv[1]));
  std::map<std::string, Artifact> artifacts;
  std::string line;
  while (std::getline(std::cin, line)) {
    std::istringstream words(line);
    std::string command;
    words >> command;
    try {
      if (command == "quit") break;
      if (command == "load") {
        std::string name, path, dtype;
        words >> name >> path >> dtype;
        artifacts[name] = Artifact{Load(path), ParseDtype(dtype)};
        std::cout << "ok" << std::endl;
      } else if (command == "run") {
        std::string name, input_path, shape, expected_path;
        int calls = 0;
        words >> name >> input_path >> shape >> expected_path >> calls;
        c10::InferenceMode inference;
        const Artifact& artifact = artifacts.at(name);
        const at::Tensor input = ReadFloats(input_path, ParseShape(shape)).to(artifact.dtype);
        const Forward& forward = artifact.forward;
        std::ostringstream times;
        at::Tensor output;
        for (int call = 0; call < calls; ++call) {
          const auto start = std::chrono::steady_clock::now();
          output = forward(input);
          const std::chrono::duration<double> seconds = std::chrono::steady_clock::now() - start;
          times << ' ' << seconds.count();
        }
        const at::Tensor expected = ReadFloats(expected_path, output.sizes().vec());
        const double diff = (output.to(at::kFloat) - expected).abs().max().item<double>();
        std::cout << diff << times.str() << std::endl;
      } else {
        throw std::runtime_error("unknown command: " + command);
      }
    } catch (const std::exception& error) {
      std::string text = error.what();
      std::cout << "error " << text.substr(0, text.find('\n')) << std::endl;
    }
  }
  return 0;
}
