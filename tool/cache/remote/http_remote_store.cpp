// http:// remote store through libcurl: GET URL/NAME into a file, PUT a file
// to URL/NAME. Basic auth comes from user:password@ in the URL (curl reads
// it there); a bearer token from PT2TS_REMOTE_CACHE_TOKEN.
#include <curl/curl.h>

#include <cstdio>
#include <cstdlib>
#include <mutex>

#include "cache/remote/remote_store.h"

namespace pt2ts {
namespace {

size_t Discard(char* /*data*/, size_t size, size_t count, void* /*user*/) { return size * count; }

class CurlHandle {
 public:
  CurlHandle() {
    static std::once_flag once;
    std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
    handle_ = curl_easy_init();
  }
  ~CurlHandle() {
    if (headers_ != nullptr) curl_slist_free_all(headers_);
    if (handle_ != nullptr) curl_easy_cleanup(handle_);
  }
  CurlHandle(const CurlHandle&) = delete;
  CurlHandle& operator=(const CurlHandle&) = delete;

  CURL* get() const { return handle_; }
  void AddHeader(const std::string& header) {
    headers_ = curl_slist_append(headers_, header.c_str());
    curl_easy_setopt(handle_, CURLOPT_HTTPHEADER, headers_);
  }

 private:
  CURL* handle_ = nullptr;
  curl_slist* headers_ = nullptr;
};

class HttpStore : public RemoteStore {
 public:
  explicit HttpStore(std::string base) : base_(std::move(base)) {
    while (!base_.empty() && base_.back() == '/') base_.pop_back();
    if (const char* token = std::getenv("PT2TS_REMOTE_CACHE_TOKEN")) token_ = token;
  }

  Get Fetch(const std::string& name, const std::string& destination, std::string* error) override {
    std::FILE* file = std::fopen(destination.c_str(), "wb");
    if (file == nullptr) {
      *error = "cannot write " + destination;
      return Get::kFailed;
    }
    CurlHandle curl;
    Prepare(curl, name);
    curl_easy_setopt(curl.get(), CURLOPT_WRITEDATA, file);
    long status = 0;
    const bool done = Perform(curl, &status, error);
    const bool closed = std::fclose(file) == 0;
    if (!done) return Get::kFailed;
    if (status == 404) return Get::kMissing;
    if (status != 200 || !closed) {
      *error = "GET " + name + " answered HTTP " + std::to_string(status);
      return Get::kFailed;
    }
    return Get::kFound;
  }

  bool Put(const std::string& name, const std::string& source, std::string* error) override {
    std::FILE* file = std::fopen(source.c_str(), "rb");
    if (file == nullptr) {
      *error = "cannot read " + source;
      return false;
    }
    std::fseek(file, 0, SEEK_END);
    const long size = std::ftell(file);
    std::fseek(file, 0, SEEK_SET);
    CurlHandle curl;
    Prepare(curl, name);
    curl_easy_setopt(curl.get(), CURLOPT_UPLOAD, 1L);
    curl_easy_setopt(curl.get(), CURLOPT_READDATA, file);
    curl_easy_setopt(curl.get(), CURLOPT_INFILESIZE_LARGE, static_cast<curl_off_t>(size));
    curl_easy_setopt(curl.get(), CURLOPT_WRITEFUNCTION, Discard);  // the reply's body
    curl.AddHeader("Expect:");  // no 100-continue round trip
    long status = 0;
    const bool done = Perform(curl, &status, error);
    std::fclose(file);
    if (!done) return false;
    if (status < 200 || status >= 300) {
      *error = "PUT " + name + " answered HTTP " + std::to_string(status);
      return false;
    }
    return true;
  }

 private:
  void Prepare(CurlHandle& curl, const std::string& name) {
    const std::string url = base_ + "/" + name;
    curl_easy_setopt(curl.get(), CURLOPT_URL, url.c_str());
    curl_easy_setopt(curl.get(), CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(curl.get(), CURLOPT_CONNECTTIMEOUT_MS, kRemoteConnectTimeoutMs);
    // Stalled, not slow: large artifacts may take long, but not at < 1 kB/s.
    curl_easy_setopt(curl.get(), CURLOPT_LOW_SPEED_LIMIT, 1024L);
    curl_easy_setopt(curl.get(), CURLOPT_LOW_SPEED_TIME, kRemoteStallTimeoutMs / 1000);
    if (!token_.empty()) curl.AddHeader("Authorization: Bearer " + token_);
  }

  bool Perform(CurlHandle& curl, long* status, std::string* error) {
    if (curl.get() == nullptr) {
      *error = "cannot start libcurl";
      return false;
    }
    const CURLcode code = curl_easy_perform(curl.get());
    if (code != CURLE_OK) {
      *error = curl_easy_strerror(code);
      return false;
    }
    curl_easy_getinfo(curl.get(), CURLINFO_RESPONSE_CODE, status);
    return true;
  }

  std::string base_;
  std::string token_;
};

}  // namespace

std::unique_ptr<RemoteStore> OpenHttpStore(const std::string& url, std::string* /*error*/) {
  return std::make_unique<HttpStore>(url);
}

}  // namespace pt2ts
