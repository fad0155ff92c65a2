// Runs the models linked by pt2ts_link_models(app mlp mlp-lite EMBED) and
// prints what the tests compare: where path() points, the outputs of the
// model loaded from that path and from the embedded bytes, the lite model's
// output from its embedded bytes, and the torch pt2ts.json records.
// `app load <file>` loads another file, printing pt2ts's exception if any.
#include <pt2ts/runtime.h>
#include <pt2ts_models/mlp-lite.h>
#include <pt2ts_models/mlp.h>

#include <cstdio>
#include <string>

namespace {

void Print(const char* label, const torch::Tensor& output) {
  std::printf("%s", label);
  const torch::Tensor flat = output.flatten();
  for (int64_t i = 0; i < flat.numel(); ++i) std::printf(" %.6f", flat[i].item<float>());
  std::printf("\n");
}

}  // namespace

int main(int argc, char** argv) {
  if (argc == 3 && std::string(argv[1]) == "load") {
    try {
      pt2ts::load(argv[2]);
      std::printf("loaded\n");
      return 0;
    } catch (const pt2ts::TorchVersionMismatch& error) {
      std::printf("mismatch: %s\n", error.what());
    } catch (const pt2ts::LoadError& error) {
      std::printf("error: %s\n", error.what());
    }
    return 1;
  }
  torch::NoGradGuard no_grad;
  const torch::Tensor x = torch::linspace(-1, 1, 8).reshape({2, 4});
  std::printf("path: %s\n", pt2ts_models::mlp::path());
  std::printf("format: %s %s\n", pt2ts_models::mlp::format(), pt2ts_models::mlp_lite::format());
  std::printf("embedded bytes: %zu\n", pt2ts_models::mlp::bytes().size());
  const std::string json = pt2ts::metadata_of_bytes(pt2ts_models::mlp::bytes());
  std::printf("made by torch: %s\n", pt2ts::detail::JsonString(json, "torch_version").c_str());
  if (argc == 1) {  // the file path() names must exist
    Print("from path:", pt2ts::load(pt2ts_models::mlp::path()).forward({x}).toTensor());
  }
  Print("from bytes:", pt2ts::load_bytes(pt2ts_models::mlp::bytes()).forward({x}).toTensor());
  Print("lite from bytes:",
        pt2ts::load_lite_bytes(pt2ts_models::mlp_lite::bytes()).forward({x}).toTensor());
  return 0;
}
