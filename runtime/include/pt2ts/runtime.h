// <pt2ts/runtime.h>: loading pt2ts artifacts in a C++ program, by path or
// from bytes (pt2ts_link_models(... EMBED)), with the torch version check
// every program would otherwise write by hand. Header-only; linked through
// the Pt2ts::runtime target (pt2ts_link_models() adds it).
//
//   torch::jit::Module net = pt2ts::load(pt2ts_models::net::path());
//   torch::jit::Module net = pt2ts::load_bytes(pt2ts_models::net::bytes());
//   torch::jit::mobile::Module lite = pt2ts::load_lite(...);   // .ptl
//   std::string json = pt2ts::metadata(path);                    // pt2ts.json
//
// Before LibTorch reads an artifact, its file format version is compared
// with the newest this LibTorch reads; when it is newer, or LibTorch fails to
// read an artifact that another torch made, pt2ts::TorchVersionMismatch says
// which torch made it (recorded in pt2ts.json) and which LibTorch runs.
#pragma once

#include <caffe2/serialize/versions.h>
#include <torch/csrc/jit/mobile/import.h>
#include <torch/script.h>
#include <torch/version.h>

#include <cstdint>
#include <cstring>
#include <fstream>
#include <functional>
#include <istream>
#include <memory>
#include <stdexcept>
#include <streambuf>
#include <string>
#include <string_view>
#include <utility>

#if __has_include(<torch/csrc/inductor/aoti_package/model_package_loader.h>)
#include <torch/csrc/inductor/aoti_package/model_package_loader.h>
#define PT2TS_RUNTIME_HAS_AOTI 1
#endif

namespace pt2ts {

// An artifact that cannot be read or loaded.
class LoadError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// An artifact made by a torch whose files this LibTorch cannot load.
class TorchVersionMismatch : public LoadError {
 public:
  TorchVersionMismatch(const std::string& what, std::string producer)
      : LoadError(what), producer_(std::move(producer)) {}
  // The torch that made the artifact ("" when pt2ts.json does not say).
  const std::string& producer_torch_version() const { return producer_; }
  static std::string running_torch_version() { return TORCH_VERSION; }

 private:
  std::string producer_;
};

// The LibTorch this program runs (its headers' TORCH_VERSION).
inline std::string running_torch_version() { return TORCH_VERSION; }

namespace detail {

// Reads `size` bytes at `offset` into `out`; false past the end.
using ReadAt = std::function<bool(uint64_t offset, size_t size, char* out)>;

inline uint32_t Little(const char* bytes, int count) {
  uint32_t value = 0;
  for (int i = count - 1; i >= 0; --i) value = (value << 8) | static_cast<unsigned char>(bytes[i]);
  return value;
}

// The stored (uncompressed: PyTorch writes archives so) zip member whose
// name ends in "/" + suffix, or "" when there is none. A plain reader of the
// central directory, so that the metadata is read before LibTorch is asked
// to load anything.
inline std::string ReadStoredMember(const ReadAt& read, uint64_t file_size,
                                    const std::string& suffix) {
  const uint64_t tail = file_size < 65557 ? file_size : 65557;  // EOCD + comment
  std::string end(static_cast<size_t>(tail), '\0');
  if (tail < 22 || !read(file_size - tail, end.size(), end.data())) return "";
  const size_t eocd = end.rfind(std::string("PK\x05\x06", 4));
  if (eocd == std::string::npos || eocd + 22 > end.size()) return "";
  const uint32_t entries = Little(&end[eocd + 10], 2);
  const uint32_t directory_size = Little(&end[eocd + 12], 4);
  const uint32_t directory_offset = Little(&end[eocd + 16], 4);
  std::string directory(directory_size, '\0');
  if (!read(directory_offset, directory.size(), directory.data())) return "";
  size_t at = 0;
  for (uint32_t i = 0; i < entries && at + 46 <= directory.size(); ++i) {
    const char* entry = &directory[at];
    const uint32_t method = Little(entry + 10, 2);
    const uint32_t size = Little(entry + 20, 4);
    const uint32_t name_length = Little(entry + 28, 2);
    const uint32_t extra_length = Little(entry + 30, 2);
    const uint32_t comment_length = Little(entry + 32, 2);
    const uint32_t local_offset = Little(entry + 42, 4);
    const std::string name(entry + 46, name_length);
    at += 46 + name_length + extra_length + comment_length;
    const bool matches = name.size() > suffix.size() &&
                         name.compare(name.size() - suffix.size() - 1, std::string::npos,
                                      "/" + suffix) == 0;
    if (!matches || method != 0) continue;
    char local[30];
    if (!read(local_offset, sizeof local, local)) return "";
    const uint64_t data = local_offset + 30 + Little(local + 26, 2) + Little(local + 28, 2);
    std::string content(size, '\0');
    return read(data, content.size(), content.data()) ? content : "";
  }
  return "";
}

// The value of "key": "value" in pt2ts.json (flat string values only).
inline std::string JsonString(const std::string& json, const std::string& key) {
  const std::string quoted = "\"" + key + "\": \"";
  const size_t start = json.find(quoted);
  if (start == std::string::npos) return "";
  const size_t from = start + quoted.size();
  const size_t to = json.find('"', from);
  return to == std::string::npos ? "" : json.substr(from, to - from);
}

// What pt2ts recorded, read without LibTorch.
struct Record {
  std::string metadata;         // pt2ts.json ("" when absent)
  std::string producer;         // torch_version in it
  uint64_t format_version = 0;  // the archive's "version" record (0: unknown)
};

inline Record ReadRecord(const ReadAt& read, uint64_t size) {
  Record record;
  record.metadata = ReadStoredMember(read, size, "extra/pt2ts.json");
  record.producer = JsonString(record.metadata, "torch_version");
  const std::string version = ReadStoredMember(read, size, "version");
  if (!version.empty() && version.find_first_not_of("0123456789\r\n") == std::string::npos) {
    record.format_version = std::stoull(version);
  }
  return record;
}

inline Record ReadFileRecord(const std::string& path) {
  std::ifstream file(path, std::ios::binary | std::ios::ate);
  if (!file) throw LoadError("pt2ts: cannot open model '" + path + "'");
  const uint64_t size = static_cast<uint64_t>(file.tellg());
  return ReadRecord(
      [&file](uint64_t offset, size_t count, char* out) {
        file.clear();
        file.seekg(static_cast<std::streamoff>(offset));
        return static_cast<bool>(file.read(out, static_cast<std::streamsize>(count)));
      },
      size);
}

inline Record ReadBytesRecord(std::string_view bytes) {
  return ReadRecord(
      [bytes](uint64_t offset, size_t count, char* out) {
        if (offset > bytes.size() || count > bytes.size() - offset) return false;
        std::memcpy(out, bytes.data() + offset, count);
        return true;
      },
      bytes.size());
}

inline std::string Describe(const Record& record) {
  return record.producer.empty() ? "an unknown torch (no pt2ts.json torch_version)"
                                 : "torch " + record.producer;
}

// "1.13" of "1.13.1+cpu".
inline std::string Release(const std::string& version) {
  const size_t first = version.find('.');
  const size_t second = first == std::string::npos ? first : version.find('.', first + 1);
  return version.substr(0, second);
}

// Throws TorchVersionMismatch when the archive's format is newer than this
// LibTorch reads.
inline void CheckBeforeLoading(const Record& record, const std::string& what) {
  if (record.format_version > caffe2::serialize::kMaxSupportedFileFormatVersion) {
    throw TorchVersionMismatch(
        "pt2ts: " + what + " was made by " + Describe(record) + " (file format version " +
            std::to_string(record.format_version) + "), but this program runs LibTorch " +
            TORCH_VERSION + ", which reads file format versions up to " +
            std::to_string(caffe2::serialize::kMaxSupportedFileFormatVersion) +
            ": convert the model with the torch of this LibTorch, or link the LibTorch of the "
            "torch that converted it",
        record.producer);
  }
}

// Runs load(); a LibTorch error becomes TorchVersionMismatch when another
// torch release made the artifact, else LoadError.
template <typename Load>
auto LoadChecked(const Record& record, const std::string& what, Load load) -> decltype(load()) {
  CheckBeforeLoading(record, what);
  try {
    return load();
  } catch (const c10::Error& error) {
    const std::string reason = error.msg().substr(0, error.msg().find('\n'));
    if (!record.producer.empty() && Release(record.producer) != Release(TORCH_VERSION)) {
      throw TorchVersionMismatch("pt2ts: " + what + " was made by torch " + record.producer +
                                     " and cannot be loaded by this program's LibTorch " +
                                     TORCH_VERSION + ": " + reason,
                                 record.producer);
    }
    throw LoadError("pt2ts: cannot load " + what + ": " + reason);
  }
}

// A read-only, seekable istream over bytes that stay where they are.
class BytesBuffer : public std::streambuf {
 public:
  explicit BytesBuffer(std::string_view bytes) {
    char* begin = const_cast<char*>(bytes.data());
    setg(begin, begin, begin + bytes.size());
  }

 protected:
  pos_type seekoff(off_type offset, std::ios_base::seekdir dir,
                   std::ios_base::openmode) override {
    char* base = dir == std::ios_base::beg ? eback() : dir == std::ios_base::cur ? gptr() : egptr();
    char* target = base + offset;
    if (target < eback() || target > egptr()) return pos_type(off_type(-1));
    setg(eback(), target, egptr());
    return pos_type(target - eback());
  }
  pos_type seekpos(pos_type position, std::ios_base::openmode mode) override {
    return seekoff(off_type(position), std::ios_base::beg, mode);
  }
};

struct BytesStream : private BytesBuffer, public std::istream {
  explicit BytesStream(std::string_view bytes)
      : BytesBuffer(bytes), std::istream(static_cast<BytesBuffer*>(this)) {}
};

}  // namespace detail

// The pt2ts.json text pt2ts embeds in every TorchScript and lite artifact
// ("" when there is none), read without loading the model.
inline std::string metadata(const std::string& path) {
  return detail::ReadFileRecord(path).metadata;
}
inline std::string metadata_of_bytes(std::string_view bytes) {
  return detail::ReadBytesRecord(bytes).metadata;
}

// A TorchScript file (.pt), by path or from bytes.
inline torch::jit::Module load(const std::string& path,
                               c10::optional<c10::Device> device = c10::nullopt) {
  return detail::LoadChecked(detail::ReadFileRecord(path), "'" + path + "'",
                             [&] { return torch::jit::load(path, device); });
}
inline torch::jit::Module load_bytes(std::string_view bytes,
                                     c10::optional<c10::Device> device = c10::nullopt) {
  return detail::LoadChecked(detail::ReadBytesRecord(bytes), "the embedded model", [&] {
    detail::BytesStream stream(bytes);
    return torch::jit::load(stream, device);
  });
}

// A lite-interpreter file (.ptl), by path or from bytes.
inline torch::jit::mobile::Module load_lite(const std::string& path,
                                            c10::optional<c10::Device> device = c10::nullopt) {
  return detail::LoadChecked(detail::ReadFileRecord(path), "'" + path + "'",
                             [&] { return torch::jit::_load_for_mobile(path, device); });
}
inline torch::jit::mobile::Module load_lite_bytes(
    std::string_view bytes, c10::optional<c10::Device> device = c10::nullopt) {
  return detail::LoadChecked(detail::ReadBytesRecord(bytes), "the embedded model", [&] {
    detail::BytesStream stream(bytes);
    return torch::jit::_load_for_mobile(stream, device);
  });
}

#ifdef PT2TS_RUNTIME_HAS_AOTI
// An AOTInductor package (.pt2), with the input checks pt2ts compiles into
// it (on by default; see the pt2ts.input_checks metadata). Its pt2ts.json is
// the loader's get_metadata()["pt2ts.json"]. Packages load from a file only.
inline std::unique_ptr<torch::inductor::AOTIModelPackageLoader> load_package(
    const std::string& path) {
  try {
    return std::make_unique<torch::inductor::AOTIModelPackageLoader>(path);
  } catch (const std::exception& error) {
    const std::string message = error.what();
    throw LoadError("pt2ts: cannot load package '" + path + "' with LibTorch " TORCH_VERSION ": " +
                    message.substr(0, message.find('\n')));
  }
}
#endif

}  // namespace pt2ts
