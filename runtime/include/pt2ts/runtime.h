// <pt2ts/runtime.h>: loading pt2ts artifacts in a C++ program, by path or
// from bytes (pt2ts_link_models(... EMBED)), with the torch version check
// every program would otherwise write by hand. Header-only; linked through
// the Pt2ts::runtime target (pt2ts_link_models() adds it).
//
//   torch::jit::Module net = pt2ts::load(pt2ts_models::net::path());
//   torch::jit::Module net = pt2ts::load_bytes(pt2ts_models::net::bytes());
//   torch::jit::mobile::Module lite = pt2ts::load_lite(...);   // .ptl
//   auto package = pt2ts::load_package(path);                    // .pt2
//   std::string json = pt2ts::metadata(path);                    // pt2ts.json
//
// Before LibTorch reads an artifact, what pt2ts recorded in it is compared
// with the LibTorch this program runs: a TorchScript or lite file of a newer
// file format version, or a package made by a newer torch release, is
// refused; when LibTorch fails to read an artifact another torch release
// made, pt2ts::TorchVersionMismatch says which torch made it (recorded in
// pt2ts.json) and which LibTorch runs.
#pragma once

#include <caffe2/serialize/versions.h>
#include <torch/csrc/jit/mobile/import.h>
#include <torch/script.h>
#include <torch/version.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
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

inline uint64_t Little(const char* bytes, int count) {
  uint64_t value = 0;
  for (int i = count - 1; i >= 0; --i) value = (value << 8) | static_cast<unsigned char>(bytes[i]);
  return value;
}

// Whether a zip member's name is `suffix` or ends in "/" + suffix (archives
// put their records under a folder named after the file; torch 2.6's
// packages at the top).
inline bool NamesMember(const std::string& name, const std::string& suffix) {
  return name == suffix ||
         (name.size() > suffix.size() &&
          name.compare(name.size() - suffix.size() - 1, std::string::npos, "/" + suffix) == 0);
}

// Where a zip's central directory is, and how many entries it holds.
struct Directory {
  uint64_t entries = 0, size = 0, offset = 0;
};

// Reads the end of central directory record; false when there is none. A
// zip64 archive (PyTorch writes one past 4 GiB or 65535 members) marks its
// fields 0xFF.. there and keeps them in the zip64 end record, found through
// the locator just before.
inline bool FindDirectory(const ReadAt& read, uint64_t file_size, Directory& directory) {
  const uint64_t tail = file_size < 65557 ? file_size : 65557;  // EOCD + comment
  std::string end(static_cast<size_t>(tail), '\0');
  if (tail < 22 || !read(file_size - tail, end.size(), end.data())) return false;
  const size_t eocd = end.rfind(std::string("PK\x05\x06", 4));
  if (eocd == std::string::npos || eocd + 22 > end.size()) return false;
  directory.entries = Little(&end[eocd + 10], 2);
  directory.size = Little(&end[eocd + 12], 4);
  directory.offset = Little(&end[eocd + 16], 4);
  if (directory.entries != 0xFFFF && directory.size != 0xFFFFFFFF &&
      directory.offset != 0xFFFFFFFF) {
    return true;
  }
  const uint64_t eocd_at = file_size - tail + eocd;
  char locator[20], record[56];
  if (eocd_at < sizeof locator || !read(eocd_at - sizeof locator, sizeof locator, locator) ||
      std::memcmp(locator, "PK\x06\x07", 4) != 0 ||
      !read(Little(locator + 8, 8), sizeof record, record) ||
      std::memcmp(record, "PK\x06\x06", 4) != 0) {
    return false;
  }
  directory.entries = Little(record + 32, 8);
  directory.size = Little(record + 40, 8);
  directory.offset = Little(record + 48, 8);
  return true;
}

// A central directory entry's compressed size and local header offset:
// those marked 0xFFFFFFFF are in its zip64 extra field (id 1), in the order
// uncompressed size, compressed size, offset, each present only when marked.
inline void ReadZip64Extra(const char* entry, const char* extra, size_t extra_length,
                           uint64_t& size, uint64_t& offset) {
  for (size_t at = 0; at + 4 <= extra_length;) {
    const uint64_t id = Little(extra + at, 2), length = Little(extra + at + 2, 2);
    if (at + 4 + length > extra_length) return;
    if (id == 1) {
      const char* field = extra + at + 4;
      const char* fields_end = field + length;
      const auto next = [&](uint64_t& value) {
        if (field + 8 > fields_end) return;
        value = Little(field, 8);
        field += 8;
      };
      uint64_t uncompressed = Little(entry + 24, 4);
      if (uncompressed == 0xFFFFFFFF) next(uncompressed);
      if (size == 0xFFFFFFFF) next(size);
      if (offset == 0xFFFFFFFF) next(offset);
      return;
    }
    at += 4 + length;
  }
}

// The first stored (uncompressed: PyTorch writes archives so) zip member
// whose name `wanted` accepts, or "" when there is none (or it is larger than
// a record pt2ts reads). A plain reader of the central directory, so that
// the metadata is read before LibTorch is asked to load anything.
inline std::string ReadStoredMember(const ReadAt& read, uint64_t file_size,
                                    const std::function<bool(const std::string&)>& wanted) {
  constexpr uint64_t kLargestRecord = 16 << 20;
  Directory where;
  if (!FindDirectory(read, file_size, where) || where.size > file_size) return "";
  std::string directory(static_cast<size_t>(where.size), '\0');
  if (!read(where.offset, directory.size(), directory.data())) return "";
  size_t at = 0;
  for (uint64_t i = 0; i < where.entries && at + 46 <= directory.size(); ++i) {
    const char* entry = &directory[at];
    const uint64_t method = Little(entry + 10, 2);
    const size_t name_length = Little(entry + 28, 2);
    const size_t extra_length = Little(entry + 30, 2);
    const size_t comment_length = Little(entry + 32, 2);
    if (at + 46 + name_length + extra_length > directory.size()) return "";
    const std::string name(entry + 46, name_length);
    uint64_t size = Little(entry + 20, 4);
    uint64_t local_offset = Little(entry + 42, 4);
    ReadZip64Extra(entry, entry + 46 + name_length, extra_length, size, local_offset);
    at += 46 + name_length + extra_length + comment_length;
    if (!wanted(name) || method != 0) continue;
    char local[30];
    if (size > kLargestRecord || !read(local_offset, sizeof local, local)) return "";
    const uint64_t data = local_offset + 30 + Little(local + 26, 2) + Little(local + 28, 2);
    std::string content(static_cast<size_t>(size), '\0');
    return read(data, content.size(), content.data()) ? content : "";
  }
  return "";
}

// Appends code point `code` to `out` as UTF-8.
inline void AppendUtf8(uint32_t code, std::string& out) {
  if (code < 0x80) {
    out += static_cast<char>(code);
  } else if (code < 0x800) {
    out += static_cast<char>(0xC0 | (code >> 6));
    out += static_cast<char>(0x80 | (code & 0x3F));
  } else if (code < 0x10000) {
    out += static_cast<char>(0xE0 | (code >> 12));
    out += static_cast<char>(0x80 | ((code >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (code & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (code >> 18));
    out += static_cast<char>(0x80 | ((code >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((code >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (code & 0x3F));
  }
}

// The four hex digits at json[at] as a number; false when they are not.
inline bool Hex4(const std::string& json, size_t at, uint32_t& code) {
  if (at + 4 > json.size()) return false;
  code = 0;
  for (size_t i = at; i < at + 4; ++i) {
    const char c = json[i];
    const int digit = c >= '0' && c <= '9'   ? c - '0'
                      : c >= 'a' && c <= 'f' ? c - 'a' + 10
                      : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                             : -1;
    if (digit < 0) return false;
    code = code * 16 + static_cast<uint32_t>(digit);
  }
  return true;
}

// The string value of the first `"key": "..."` in a JSON text, its escapes
// decoded ("" when there is none). Enough for pt2ts.json's flat strings and
// for AOTInductor's package metadata, whose values are strings (pt2ts.json
// among them, escaped).
inline std::string JsonString(const std::string& json, const std::string& key) {
  const std::string quoted = "\"" + key + "\"";
  size_t at = json.find(quoted);
  if (at == std::string::npos) return "";
  at = json.find_first_not_of(" \t\r\n", at + quoted.size());
  if (at == std::string::npos || json[at] != ':') return "";
  at = json.find_first_not_of(" \t\r\n", at + 1);
  if (at == std::string::npos || json[at] != '"') return "";
  std::string value;
  for (++at; at < json.size() && json[at] != '"'; ++at) {
    if (json[at] != '\\') {
      value += json[at];
      continue;
    }
    if (++at == json.size()) return "";
    const char escaped = json[at];
    if (escaped == 'u') {
      uint32_t code = 0, low = 0;
      if (!Hex4(json, at + 1, code)) return "";
      at += 4;
      // A surrogate pair (Python's json writes characters past U+FFFF so).
      if (code >= 0xD800 && code < 0xDC00 && json.compare(at + 1, 2, "\\u") == 0 &&
          Hex4(json, at + 3, low)) {
        code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00);
        at += 6;
      }
      AppendUtf8(code, value);
    } else {
      const std::string from = "bfnrt", to = "\b\f\n\r\t";
      const size_t index = from.find(escaped);
      value += index == std::string::npos ? escaped : to[index];  // \" \\ \/
    }
  }
  return at < json.size() ? value : "";
}

// AOTInductor's metadata beside a package's compiled model
// (data/aotinductor/<model>/<name>_metadata.json): a JSON object of strings,
// where pt2ts puts pt2ts.json.
inline bool IsPackageMetadata(const std::string& name) {
  const std::string suffix = "_metadata.json";
  return name.find("data/aotinductor/") != std::string::npos && name.size() > suffix.size() &&
         name.compare(name.size() - suffix.size(), std::string::npos, suffix) == 0;
}

// What pt2ts recorded, read without LibTorch.
struct Record {
  std::string metadata;         // pt2ts.json ("" when absent)
  std::string producer;         // torch_version in it
  bool package = false;         // an AOTInductor package (.pt2)
  uint64_t format_version = 0;  // a TorchScript archive's "version" record (0: unknown)
};

inline Record ReadRecord(const ReadAt& read, uint64_t size) {
  Record record;
  record.metadata = ReadStoredMember(
      read, size, [](const std::string& name) { return NamesMember(name, "extra/pt2ts.json"); });
  if (record.metadata.empty()) {
    const std::string package_metadata = ReadStoredMember(read, size, IsPackageMetadata);
    record.package = !package_metadata.empty();
    record.metadata = JsonString(package_metadata, "pt2ts.json");
  }
  record.producer = JsonString(record.metadata, "torch_version");
  if (record.package) return record;  // its "version" records are not TorchScript's
  const std::string version = ReadStoredMember(
      read, size, [](const std::string& name) { return NamesMember(name, "version"); });
  if (!version.empty() && version.find_first_not_of("0123456789\r\n") == std::string::npos) {
    record.format_version = std::strtoull(version.c_str(), nullptr, 10);  // "\n": 0
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

// Whether release `version` ("2.14.1") comes after `than`'s ("2.13.0+cpu").
inline bool NewerRelease(const std::string& version, const std::string& than) {
  int major = 0, minor = 0, than_major = 0, than_minor = 0;
  if (std::sscanf(version.c_str(), "%d.%d", &major, &minor) != 2 ||
      std::sscanf(than.c_str(), "%d.%d", &than_major, &than_minor) != 2) {
    return false;
  }
  return major != than_major ? major > than_major : minor > than_minor;
}

constexpr const char* kConvertAgain =
    "convert the model with the torch of this LibTorch, or link the LibTorch of the torch that "
    "converted it";

// Throws TorchVersionMismatch where this LibTorch cannot load the artifact:
// a TorchScript or lite archive of a newer file format than it reads; an
// AOTInductor package compiled by a newer torch release. A package's code
// is compiled against its torch's C shim, which upstream keeps backward
// compatible only (code compiled by a torch runs on that release or a later
// one): a newer package may call functions this LibTorch lacks, or be laid
// out in a way its loader does not know (docs/cmake.md, "Version checks").
inline void CheckBeforeLoading(const Record& record, const std::string& what) {
  if (record.package && NewerRelease(record.producer, TORCH_VERSION)) {
    throw TorchVersionMismatch("pt2ts: " + what + " was compiled by torch " + record.producer +
                                   ", a newer release than this program's LibTorch " +
                                   TORCH_VERSION +
                                   ", and upstream supports an AOTInductor package only on "
                                   "the torch release that compiled it or a later one: " +
                                   kConvertAgain,
                               record.producer);
  }
  if (record.format_version > caffe2::serialize::kMaxSupportedFileFormatVersion) {
    throw TorchVersionMismatch(
        "pt2ts: " + what + " was made by " + Describe(record) + " (file format version " +
            std::to_string(record.format_version) + "), but this program runs LibTorch " +
            TORCH_VERSION + ", which reads file format versions up to " +
            std::to_string(caffe2::serialize::kMaxSupportedFileFormatVersion) + ": " +
            kConvertAgain,
        record.producer);
  }
}

// The first line of a LibTorch error (c10::Error's message without its
// backtrace).
inline std::string Reason(const std::exception& error) {
  const auto* torch_error = dynamic_cast<const c10::Error*>(&error);
  const std::string message = torch_error ? torch_error->msg() : error.what();
  return message.substr(0, message.find('\n'));
}

// Runs load(); a LibTorch error becomes TorchVersionMismatch when another
// torch release made the artifact, else LoadError.
template <typename Load>
auto LoadChecked(const Record& record, const std::string& what, Load load) -> decltype(load()) {
  CheckBeforeLoading(record, what);
  try {
    return load();
  } catch (const std::exception& error) {
    if (!record.producer.empty() && Release(record.producer) != Release(TORCH_VERSION)) {
      throw TorchVersionMismatch("pt2ts: " + what + " was made by torch " + record.producer +
                                     " and cannot be loaded by this program's LibTorch " +
                                     TORCH_VERSION + ": " + Reason(error),
                                 record.producer);
    }
    throw LoadError("pt2ts: cannot load " + what + " with LibTorch " + TORCH_VERSION + ": " +
                    Reason(error));
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

// The pt2ts.json text pt2ts embeds in every artifact ("" when there is
// none), read without loading the model: a TorchScript or lite archive's
// extra/pt2ts.json, an AOTInductor package's "pt2ts.json" metadata.
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
// the loader's get_metadata()["pt2ts.json"] (or metadata(path)). Packages
// load from a file only. A package compiled by a newer torch release than
// this LibTorch is refused before loading (TorchVersionMismatch).
inline std::unique_ptr<torch::inductor::AOTIModelPackageLoader> load_package(
    const std::string& path) {
  return detail::LoadChecked(detail::ReadFileRecord(path), "package '" + path + "'", [&] {
    return std::make_unique<torch::inductor::AOTIModelPackageLoader>(path);
  });
}
#endif

}  // namespace pt2ts
