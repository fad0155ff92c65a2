#include "base/sha256.h"

#include <fcntl.h>
#include <openssl/evp.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <vector>

#include "base/files.h"

namespace pt2ts {

Sha256::Sha256() : context_(EVP_MD_CTX_new()) {
  EVP_DigestInit_ex(static_cast<EVP_MD_CTX*>(context_), EVP_sha256(), nullptr);
}

Sha256::~Sha256() { EVP_MD_CTX_free(static_cast<EVP_MD_CTX*>(context_)); }

void Sha256::Update(const void* data, size_t size) {
  EVP_DigestUpdate(static_cast<EVP_MD_CTX*>(context_), data, size);
}

std::string Sha256::HexDigest() {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  EVP_DigestFinal_ex(static_cast<EVP_MD_CTX*>(context_), digest, &length);
  static const char kHex[] = "0123456789abcdef";
  std::string hex;
  for (unsigned int i = 0; i < length; ++i) {
    hex += kHex[digest[i] >> 4];
    hex += kHex[digest[i] & 15];
  }
  return hex;
}

std::string Sha256Hex(const std::string& text) {
  Sha256 hash;
  hash.Update(text);
  return hash.HexDigest();
}

bool Sha256OfFile(const std::string& path, std::string* hex, std::string* error) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    *error = ErrnoMessage("cannot read", path);
    return false;
  }
  Sha256 hash;
  std::vector<char> buffer(1 << 20);
  for (;;) {
    const ssize_t count = ReadFull(fd, buffer.data(), buffer.size());
    if (count < 0) {
      *error = ErrnoMessage("cannot read", path);
      ::close(fd);
      return false;
    }
    hash.Update(buffer.data(), static_cast<size_t>(count));
    if (static_cast<size_t>(count) < buffer.size()) break;
  }
  ::close(fd);
  *hex = hash.HexDigest();
  return true;
}

}  // namespace pt2ts
