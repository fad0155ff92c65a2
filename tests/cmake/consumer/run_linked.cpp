// Runs model mlp, linked by pt2ts_link_models(run_linked mlp EMBED), from
// the file path() names and from the embedded bytes, on a fixed input, and
// prints the path and both outputs for the test to compare with eager PyTorch.
#include <pt2ts/runtime.h>
#include <pt2ts_models/mlp.h>

#include <cstdio>

namespace {

void Print(const char* label, const torch::Tensor& output) {
  std::printf("%s", label);
  const torch::Tensor flat = output.flatten();
  for (int64_t i = 0; i < flat.numel(); ++i) std::printf(" %.8g", flat[i].item<float>());
  std::printf("\n");
}

}  // namespace

int main() {
  torch::NoGradGuard no_grad;
  const torch::Tensor x = torch::linspace(-1, 1, 8).reshape({2, 4});
  std::printf("path: %s\n", pt2ts_models::mlp::path());
  Print("from path:", pt2ts::load(pt2ts_models::mlp::path()).forward({x}).toTensor());
  Print("from bytes:", pt2ts::load_bytes(pt2ts_models::mlp::bytes()).forward({x}).toTensor());
  return 0;
}
