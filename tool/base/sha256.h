// SHA-256 through OpenSSL's libcrypto (EVP): the cache's content hashes.
#pragma once

#include <cstddef>
#include <string>

namespace pt2ts {

// An incremental SHA-256.
class Sha256 {
 public:
  Sha256();
  ~Sha256();
  Sha256(const Sha256&) = delete;
  Sha256& operator=(const Sha256&) = delete;

  void Update(const void* data, size_t size);
  void Update(const std::string& text) { Update(text.data(), text.size()); }
  // The digest as 64 lowercase hex digits; the object is spent afterwards.
  std::string HexDigest();

 private:
  void* context_;  // EVP_MD_CTX, kept out of the header
};

std::string Sha256Hex(const std::string& text);

// The SHA-256 of a file's contents; false with *error set when unreadable.
bool Sha256OfFile(const std::string& path, std::string* hex, std::string* error);

}  // namespace pt2ts
