// Loads the converted model with LibTorch, runs it on a fixed input and
// prints every output value, for the test to compare with eager PyTorch.
#include <torch/script.h>

#include <cstdio>

extern const char* const kCnnPath;  // cnn_path.cpp

int main() {
  torch::jit::script::Module model = torch::jit::load(kCnnPath);
  torch::NoGradGuard no_grad;
  const torch::Tensor input = torch::linspace(-1, 1, 2 * 3 * 8 * 8).reshape({2, 3, 8, 8});
  const torch::Tensor output = model.forward({input}).toTensor().contiguous();
  const float* values = output.data_ptr<float>();
  std::printf("%s\n", kCnnPath);
  for (int64_t i = 0; i < output.numel(); ++i) std::printf("%.8g\n", values[i]);
  return 0;
}
