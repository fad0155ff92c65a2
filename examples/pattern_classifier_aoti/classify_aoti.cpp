// Loads the AOTInductor package pt2ts compiled during the build and
// classifies three 8x8 test images (a batch of 3: the package was exported
// at batch 4 with a dynamic batch dimension), then one image alone; an
// image of another size (8x9) is refused with an error.
#include <torch/csrc/inductor/aoti_package/model_package_loader.h>
#include <torch/torch.h>

#include <array>
#include <cstdio>
#include <exception>
#include <memory>
#include <string>
#include <vector>

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
  const std::string package_path = argc > 1 ? argv[1] : PATTERN_NET_PATH;
  std::unique_ptr<torch::inductor::AOTIModelPackageLoader> model;
  try {
    model = std::make_unique<torch::inductor::AOTIModelPackageLoader>(package_path);
  } catch (const std::exception& error) {
    std::fprintf(stderr, "classify_aoti: cannot load %s: %s\n", package_path.c_str(),
                 error.what());
    return 1;
  }
  torch::NoGradGuard no_grad;
  // A package takes a vector of tensors (the forward arguments) and returns
  // the outputs flattened into a vector of tensors.
  const torch::Tensor images = torch::stack({MakePattern(0), MakePattern(1), MakePattern(2)});
  const torch::Tensor probabilities = model->run({images})[0];
  const torch::Tensor single = model->run({MakePattern(2).unsqueeze(0)})[0];

  // A pt2ts package made with torch >= 2.7 checks its inputs' dtypes and
  // shapes on every call (package metadata pt2ts.input_checks: on): an input
  // it was not compiled for throws instead of giving a wrong result.
  try {
    model->run({torch::zeros({1, 1, 8, 9})});
    std::printf("an 8x9 image: not checked (pt2ts.input_checks: %s)\n",
                model->get_metadata()["pt2ts.input_checks"].c_str());
  } catch (const std::exception& error) {
    const std::string message = error.what();
    std::printf("an 8x9 image: refused (%s)\n", message.substr(0, message.find('\n')).c_str());
  }

  std::printf("package: %s\n", package_path.c_str());
  // pt2ts stores what the package was made from under the metadata key
  // pt2ts.json (beside AOTInductor's own keys).
  std::printf("made by pt2ts from:\n%s\n", model->get_metadata()["pt2ts.json"].c_str());
  int correct = 0;
  for (int i = 0; i < 3; ++i) {
    const int predicted = probabilities[i].argmax().item<int>();
    correct += predicted == i;
    std::printf("image of %-18s -> %-18s (p=%.3f)\n", kClasses[i], kClasses[predicted],
                probabilities[i][predicted].item<float>());
  }
  const bool single_correct = single[0].argmax().item<int>() == 2;
  std::printf("%d of 3 correct (batch of 3); a batch of 1: %s\n", correct,
              single_correct ? "correct" : "wrong");
  return correct == 3 && single_correct ? 0 : 1;
}
