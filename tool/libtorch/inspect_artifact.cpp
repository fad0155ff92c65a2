// pt2ts inspect: what a TorchScript file holds, for any TorchScript or
// lite-interpreter file, without starting Python: the format (and bytecode
// version of lite files), format version, methods with their schemas, the
// submodule tree with parameter counts, parameters and buffers by dtype,
// training mode and pt2ts's metadata when present. Text or JSON.
// AOTInductor packages are described by aoti_package.cpp.
#include <caffe2/serialize/inline_container.h>
#include <torch/csrc/jit/mobile/import.h>
#include <torch/csrc/jit/mobile/module.h>
#include <torch/script.h>

#include <cstdio>
#include <map>
#include <sstream>
#include <string>

#include "aoti_package.h"
#include "base/diagnostics.h"
#include "base/exit_codes.h"
#include "inspect_text.h"
#include "libtorch/torch_api.h"

namespace pt2ts {
namespace {

constexpr const char* kMetadataFile = "pt2ts.json";

// torch's Python names (float32, int64), which users know from their code.
std::string DtypeName(c10::ScalarType type) {
  switch (type) {
    case c10::ScalarType::Float: return "float32";
    case c10::ScalarType::Double: return "float64";
    case c10::ScalarType::Half: return "float16";
    case c10::ScalarType::BFloat16: return "bfloat16";
    case c10::ScalarType::Long: return "int64";
    case c10::ScalarType::Int: return "int32";
    case c10::ScalarType::Short: return "int16";
    case c10::ScalarType::Char: return "int8";
    case c10::ScalarType::Byte: return "uint8";
    case c10::ScalarType::Bool: return "bool";
    default: return c10::toString(type);
  }
}

struct TensorTotals {
  int64_t count = 0;  // tensors
  int64_t elements = 0;
  int64_t bytes = 0;
  std::map<std::string, std::pair<int64_t, int64_t>> by_dtype;  // elements, bytes

  void Add(const at::Tensor& tensor) {
    ++count;
    elements += tensor.numel();
    const int64_t size = tensor.numel() * static_cast<int64_t>(tensor.element_size());
    bytes += size;
    auto& entry = by_dtype[DtypeName(tensor.scalar_type())];
    entry.first += tensor.numel();
    entry.second += size;
  }
};

// "forward(Tensor x, int n=2) -> Tensor": the schema without `self`.
std::string MethodSignature(const std::string& name, const c10::FunctionSchema& schema) {
  std::ostringstream text;
  text << name << "(";
  const auto& arguments = schema.arguments();
  for (size_t i = 1; i < arguments.size(); ++i) {
    if (i > 1) text << ", ";
    text << arguments[i].type()->annotation_str() << " " << arguments[i].name();
    if (arguments[i].default_value()) text << "=" << *arguments[i].default_value();
  }
  text << ") -> ";
  const auto& returns = schema.returns();
  if (returns.size() == 1) {
    text << returns[0].type()->annotation_str();
  } else {
    text << "(";
    for (size_t i = 0; i < returns.size(); ++i) {
      text << (i ? ", " : "") << returns[i].type()->annotation_str();
    }
    text << ")";
  }
  return text.str();
}

int64_t ParameterCount(const torch::jit::Module& module) {
  int64_t count = 0;
  for (const at::Tensor& parameter : module.parameters(/*recurse=*/true)) count += parameter.numel();
  return count;
}

std::string TypeName(const torch::jit::Module& module) {
  return module.type()->name() ? module.type()->name()->name() : "Module";
}

void PrintTree(const torch::jit::Module& module, const std::string& name, int depth) {
  std::printf("  %*s%s%s%s: %lld parameters\n", depth * 2, "", name.c_str(),
              name.empty() ? "" : " ", ("(" + TypeName(module) + ")").c_str(),
              static_cast<long long>(ParameterCount(module)));
  for (const torch::jit::NameModule& child : module.named_children()) {
    PrintTree(child.value, child.name, depth + 1);
  }
}

std::string TreeJson(const torch::jit::Module& module, const std::string& name) {
  std::string out = "{\"name\": " + JsonString(name) + ", \"type\": " +
                    JsonString(TypeName(module)) +
                    ", \"parameters\": " + std::to_string(ParameterCount(module)) +
                    ", \"children\": [";
  bool first = true;
  for (const torch::jit::NameModule& child : module.named_children()) {
    out += (first ? "" : ", ") + TreeJson(child.value, child.name);
    first = false;
  }
  return out + "]}";
}

std::string TotalsJson(const TensorTotals& totals) {
  std::string out = "{\"tensors\": " + std::to_string(totals.count) +
                    ", \"elements\": " + std::to_string(totals.elements) +
                    ", \"bytes\": " + std::to_string(totals.bytes) + ", \"by_dtype\": {";
  bool first = true;
  for (const auto& [dtype, sizes] : totals.by_dtype) {
    out += (first ? "" : ", ") + JsonString(dtype) + ": {\"elements\": " +
           std::to_string(sizes.first) + ", \"bytes\": " + std::to_string(sizes.second) + "}";
    first = false;
  }
  return out + "}}";
}

void PrintTotals(const char* title, const TensorTotals& totals) {
  std::printf("%s: %lld tensors, %lld elements, %s\n", title, static_cast<long long>(totals.count),
              static_cast<long long>(totals.elements), HumanBytes(totals.bytes).c_str());
  for (const auto& [dtype, sizes] : totals.by_dtype) {
    std::printf("  %s: %lld elements, %s\n", dtype.c_str(), static_cast<long long>(sizes.first),
                HumanBytes(sizes.second).c_str());
  }
}

std::string Joined(const std::vector<std::string>& items, const std::string& separator) {
  std::string text;
  for (const std::string& item : items) text += (text.empty() ? "" : separator) + item;
  return text;
}

std::string JsonList(const std::vector<std::string>& items) {
  std::string text;
  for (const std::string& item : items) text += (text.empty() ? "" : ", ") + JsonString(item);
  return "[" + text + "]";
}

struct LiteFacts {
  bool is_lite = false;
  int64_t bytecode_version = 0;
  std::vector<std::string> methods;  // the mobile module's method names
};

// What the lite interpreter's own loader sees in the file.
LiteFacts ReadLiteFacts(const std::string& path) {
  LiteFacts facts;
  facts.is_lite = true;
  const torch::jit::mobile::Module module = torch::jit::_load_for_mobile(path);
  facts.bytecode_version = module.bytecode_version();
  for (const torch::jit::mobile::Method& method : module.get_methods()) {
    facts.methods.push_back(method.name());
  }
  return facts;
}

}  // namespace
}  // namespace pt2ts

extern "C" __attribute__((visibility("default"))) int pt2ts_torch_inspect(
    const pt2ts::InspectRequest& request) {
  using namespace pt2ts;
  if (IsAotiPackage(request.path)) return InspectAotiPackage(request);
  uint64_t format_version = 0;
  torch::jit::Module module;
  torch::jit::ExtraFilesMap extra_files{{kMetadataFile, ""}};
  LiteFacts lite;
  try {
    caffe2::serialize::PyTorchStreamReader reader(request.path);
    format_version = reader.version();
    // Lite-interpreter files hold the mobile bytecode beside the TorchScript
    // code; the methods shown are the ones the mobile loader runs.
    if (reader.hasRecord("bytecode.pkl")) lite = ReadLiteFacts(request.path);
    module = torch::jit::load(request.path, c10::nullopt, extra_files);
  } catch (const c10::Error& error) {
    const std::string& message = error.msg();
    PrintError("'" + request.path + "' is not a TorchScript file LibTorch can load: " +
               message.substr(0, message.find('\n')));
    return kExitConversionFailed;
  } catch (const std::exception& error) {
    PrintError("'" + request.path + "' is not a TorchScript file LibTorch can load: " + error.what());
    return kExitConversionFailed;
  }
  const std::string metadata = extra_files[kMetadataFile];
  const std::string producer = ProducerTorchVersion(metadata);
  TensorTotals parameters, buffers;
  for (const at::Tensor& tensor : module.parameters()) parameters.Add(tensor);
  for (const at::Tensor& tensor : module.buffers()) buffers.Add(tensor);
  std::vector<std::string> signatures;
  for (const torch::jit::Method& method : module.get_methods()) {
    signatures.push_back(MethodSignature(method.name(), method.function().getSchema()));
  }
  const std::string format = lite.is_lite ? "lite" : "torchscript";

  if (request.json) {
    std::string out = "{\n  \"file\": " + JsonString(request.path) +
                      ",\n  \"format\": " + JsonString(format) +
                      ",\n  \"bytecode_version\": " +
                      (lite.is_lite ? std::to_string(lite.bytecode_version) : "null") +
                      ",\n  \"lite_methods\": " +
                      (lite.is_lite ? JsonList(lite.methods) : "null") +
                      ",\n  \"format_version\": " + std::to_string(format_version) +
                      ",\n  \"producer_torch_version\": " +
                      (producer.empty() ? "null" : JsonString(producer)) +
                      ",\n  \"training\": " + (module.is_training() ? "true" : "false") +
                      ",\n  \"methods\": [";
    for (size_t i = 0; i < signatures.size(); ++i) {
      const std::string name = signatures[i].substr(0, signatures[i].find('('));
      out += (i ? ", " : "") + std::string("{\"name\": ") + JsonString(name) +
             ", \"signature\": " + JsonString(signatures[i]) + "}";
    }
    out += "],\n  \"modules\": " + TreeJson(module, "") +
           ",\n  \"parameters\": " + TotalsJson(parameters) +
           ",\n  \"buffers\": " + TotalsJson(buffers) +
           ",\n  \"pt2ts\": " + (metadata.empty() ? "null" : metadata) + "\n}\n";
    std::fputs(out.c_str(), stdout);
    return kExitSuccess;
  }
  std::printf("file: %s\n", request.path.c_str());
  if (lite.is_lite) {
    std::printf("format: lite-interpreter file, bytecode version %lld, methods %s (load with "
                "torch::jit::_load_for_mobile)\n",
                static_cast<long long>(lite.bytecode_version), Joined(lite.methods, ", ").c_str());
  } else {
    std::printf("format: TorchScript archive (load with torch::jit::load)\n");
  }
  std::printf("format version: %llu\n", static_cast<unsigned long long>(format_version));
  std::printf("producer: %s\n",
              producer.empty() ? "not recorded (not written by pt2ts)"
                               : ("torch " + producer + " (recorded by pt2ts)").c_str());
  std::printf("mode: %s\n", module.is_training() ? "training" : "eval");
  std::printf("methods:\n");
  for (const std::string& signature : signatures) std::printf("  %s\n", signature.c_str());
  std::printf("modules:\n");
  PrintTree(module, "", 0);
  PrintTotals("parameters", parameters);
  PrintTotals("buffers", buffers);
  if (metadata.empty()) {
    std::printf("pt2ts metadata: none\n");
  } else {
    std::printf("pt2ts metadata (%s):\n%s\n", kMetadataFile, metadata.c_str());
  }
  return kExitSuccess;
}
