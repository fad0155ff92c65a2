#include "aoti_package.h"

#include <torch/csrc/inductor/aoti_package/model_package_loader.h>
#include <zip.h>

#include <cstdio>
#include <map>
#include <memory>
#include <utility>
#include <vector>

#include "base/diagnostics.h"
#include "call_arguments.h"
#include "base/exit_codes.h"
#include "inspect_text.h"

namespace pt2ts {
namespace {

constexpr const char* kMetadataKey = "pt2ts.json";

struct PackageFile {
  std::string name;
  int64_t size = 0;
};

struct ZipCloser {
  void operator()(zip_t* archive) const { zip_discard(archive); }
};
using ZipArchive = std::unique_ptr<zip_t, ZipCloser>;

ZipArchive OpenZip(const std::string& path) {
  int error = 0;
  return ZipArchive(zip_open(path.c_str(), ZIP_RDONLY, &error));
}

std::vector<PackageFile> ListFiles(zip_t* archive) {
  std::vector<PackageFile> files;
  const zip_int64_t count = zip_get_num_entries(archive, 0);
  for (zip_int64_t i = 0; i < count; ++i) {
    zip_stat_t stat;
    if (zip_stat_index(archive, static_cast<zip_uint64_t>(i), 0, &stat) != 0) continue;
    files.push_back({stat.name, static_cast<int64_t>(stat.size)});
  }
  return files;
}

// The contents of the first member whose name ends in `suffix` (torch 2.6
// puts records at the top, newer torch under a folder named after the file).
std::string ReadMember(zip_t* archive, const std::vector<PackageFile>& files,
                       const std::string& suffix) {
  for (const PackageFile& file : files) {
    const std::string& name = file.name;
    const bool matches = name == suffix || (name.size() > suffix.size() &&
                                            name.compare(name.size() - suffix.size() - 1,
                                                         suffix.size() + 1, "/" + suffix) == 0);
    if (!matches || file.size > (1 << 20)) continue;
    zip_file_t* member = zip_fopen(archive, name.c_str(), 0);
    if (member == nullptr) return "";
    std::string content(static_cast<size_t>(file.size), '\0');
    const zip_int64_t read = zip_fread(member, content.data(), content.size());
    zip_fclose(member);
    return read == file.size ? content : "";
  }
  return "";
}

}  // namespace

ForwardFunction LoadAotiPackage(const std::string& path) {
  auto loader = std::make_shared<torch::inductor::AOTIModelPackageLoader>(path);
  return [loader](std::vector<c10::IValue> args, const KeywordArguments& kwargs) {
    std::vector<c10::IValue> outputs;
    for (at::Tensor& output : loader->run(FlatTensors(args, kwargs))) {
      outputs.emplace_back(std::move(output));
    }
    return c10::ivalue::Tuple::create(std::move(outputs));
  };
}

bool IsAotiPackage(const std::string& path) {
  ZipArchive archive = OpenZip(path);
  if (!archive) return false;
  return ReadMember(archive.get(), ListFiles(archive.get()), "archive_format") == "pt2";
}

int InspectAotiPackage(const InspectRequest& request) {
  ZipArchive archive = OpenZip(request.path);
  if (!archive) {
    PrintError("'" + request.path + "' is not a .pt2 package (not a zip archive)");
    return kExitConversionFailed;
  }
  const std::vector<PackageFile> files = ListFiles(archive.get());
  const std::string archive_version = ReadMember(archive.get(), files, "version");
  std::unordered_map<std::string, std::string> metadata;
  std::vector<std::string> call_spec;
  try {
    // Loads the compiled model (a shared library); compiles nothing.
    torch::inductor::AOTIModelPackageLoader loader(request.path);
    metadata = loader.get_metadata();
    call_spec = loader.get_call_spec();
  } catch (const std::exception& error) {
    const std::string message = error.what();
    PrintError("'" + request.path + "' is not an AOTInductor package LibTorch can load: " +
               message.substr(0, message.find('\n')));
    return kExitConversionFailed;
  }
  const std::string record = metadata.count(kMetadataKey) ? metadata[kMetadataKey] : "";
  const std::string producer = ProducerTorchVersion(record);
  const std::map<std::string, std::string> others(metadata.begin(), metadata.end());
  const std::string inputs_spec = call_spec.size() > 0 ? call_spec[0] : "";
  const std::string outputs_spec = call_spec.size() > 1 ? call_spec[1] : "";

  if (request.json) {
    std::string out = "{\n  \"file\": " + JsonString(request.path) +
                      ",\n  \"format\": \"aoti\",\n  \"archive_version\": " +
                      JsonString(archive_version) + ",\n  \"producer_torch_version\": " +
                      (producer.empty() ? "null" : JsonString(producer)) +
                      ",\n  \"call_spec\": {\"inputs\": " + JsonString(inputs_spec) +
                      ", \"outputs\": " + JsonString(outputs_spec) + "},\n  \"files\": [";
    for (size_t i = 0; i < files.size(); ++i) {
      out += (i ? ", " : "") + std::string("{\"name\": ") + JsonString(files[i].name) +
             ", \"size\": " + std::to_string(files[i].size) + "}";
    }
    out += "],\n  \"package_metadata\": {";
    bool first = true;
    for (const auto& [key, value] : others) {
      if (key == kMetadataKey) continue;
      out += (first ? "" : ", ") + JsonString(key) + ": " + JsonString(value);
      first = false;
    }
    out += "},\n  \"pt2ts\": " + (record.empty() ? "null" : record) + "\n}\n";
    std::fputs(out.c_str(), stdout);
    return kExitSuccess;
  }
  std::printf("file: %s\n", request.path.c_str());
  std::printf("format: AOTInductor package (load with torch::inductor::AOTIModelPackageLoader)\n");
  std::printf("archive version: %s\n", archive_version.empty() ? "?" : archive_version.c_str());
  std::printf("producer: %s\n",
              producer.empty() ? "not recorded (not written by pt2ts)"
                               : ("torch " + producer + " (recorded by pt2ts)").c_str());
  std::printf("inputs (pytree spec): %s\n", inputs_spec.c_str());
  std::printf("outputs (pytree spec): %s\n", outputs_spec.c_str());
  std::printf("files:\n");
  for (const PackageFile& file : files) {
    std::printf("  %s (%s)\n", file.name.c_str(), HumanBytes(file.size).c_str());
  }
  std::printf("package metadata:\n");
  for (const auto& [key, value] : others) {
    if (key != kMetadataKey) std::printf("  %s: %s\n", key.c_str(), value.c_str());
  }
  if (record.empty()) {
    std::printf("pt2ts metadata: none\n");
  } else {
    std::printf("pt2ts metadata (%s):\n%s\n", kMetadataKey, record.c_str());
  }
  return kExitSuccess;
}

}  // namespace pt2ts
