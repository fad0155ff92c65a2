// Loads the model that pt2ts converted during the build and classifies three
// 8x8 test images: horizontal stripes, vertical stripes and a checkerboard.
#include <torch/script.h>

#include <array>
#include <cstdio>
#include <string>

namespace {

const std::array<const char*, 3> kClasses = {"horizontal stripes", "vertical stripes",
                                             "checkerboard"};

// The same patterns as make_pattern() in model/patterns.py, shifted by one.
torch::Tensor MakePattern(int kind) {
  torch::Tensor rows = torch::arange(8).unsqueeze(1).expand({8, 8});
  torch::Tensor cols = torch::arange(8).unsqueeze(0).expand({8, 8});
  torch::Tensor image = kind == 0 ? rows + 1 : kind == 1 ? cols + 1 : rows + cols + 1;
  return image.remainder(2).to(torch::kFloat).unsqueeze(0);
}

}  // namespace

int main(int argc, char** argv) {
  const std::string model_path = argc > 1 ? argv[1] : PATTERN_NET_PATH;
  torch::jit::script::Module model;
  // pt2ts embeds what the model was made from as pt2ts.json; ask for it by
  // name and LibTorch fills it in while loading.
  torch::jit::ExtraFilesMap metadata{{"pt2ts.json", ""}};
  try {
    model = torch::jit::load(model_path, c10::nullopt, metadata);
  } catch (const c10::Error& error) {
    std::fprintf(stderr, "classify: cannot load %s: %s\n", model_path.c_str(), error.what());
    return 1;
  }
  torch::NoGradGuard no_grad;
  const torch::Tensor images = torch::stack({MakePattern(0), MakePattern(1), MakePattern(2)});
  const torch::Tensor probabilities = model.forward({images}).toTensor();

  std::printf("model: %s\n", model_path.c_str());
  std::printf("made by pt2ts from:\n%s\n", metadata["pt2ts.json"].c_str());
  int correct = 0;
  for (int i = 0; i < 3; ++i) {
    const int predicted = probabilities[i].argmax().item<int>();
    correct += predicted == i;
    std::printf("image of %-18s -> %-18s (p=%.3f)\n", kClasses[i], kClasses[predicted],
                probabilities[i][predicted].item<float>());
  }
  std::printf("%d of 3 correct\n", correct);
  return correct == 3 ? 0 : 1;
}
