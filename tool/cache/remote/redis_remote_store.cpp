// redis:// remote store through hiredis: GET/SET of "pt2ts:NAME", as
// ccache's Redis storage. URL: redis://[[USER:]PASSWORD@]HOST[:PORT][/DB].
#include <hiredis/hiredis.h>

#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "cache/remote/remote_store.h"

namespace pt2ts {
namespace {

struct RedisAddress {
  std::string host;
  int port = 6379;
  std::string user;
  std::string password;
  std::string db;
};

bool ParseRedisUrl(const std::string& url, RedisAddress* address) {
  std::string rest = url.substr(8);  // after redis://
  const size_t slash = rest.find('/');
  if (slash != std::string::npos) {
    address->db = rest.substr(slash + 1);
    rest.resize(slash);
  }
  const size_t at = rest.rfind('@');
  if (at != std::string::npos) {
    const std::string credentials = rest.substr(0, at);
    rest = rest.substr(at + 1);
    const size_t colon = credentials.find(':');
    if (colon == std::string::npos) {
      address->password = credentials;
    } else {
      address->user = credentials.substr(0, colon);
      address->password = credentials.substr(colon + 1);
    }
  }
  const size_t colon = rest.rfind(':');
  if (colon != std::string::npos) {
    try {
      address->port = std::stoi(rest.substr(colon + 1));
    } catch (const std::exception&) {
      return false;
    }
    rest.resize(colon);
  }
  address->host = rest;
  return !address->host.empty();
}

class RedisStore : public RemoteStore {
 public:
  explicit RedisStore(RedisAddress address) : address_(std::move(address)) {}
  ~RedisStore() override {
    if (context_ != nullptr) redisFree(context_);
  }
  RedisStore(const RedisStore&) = delete;
  RedisStore& operator=(const RedisStore&) = delete;

  Get Fetch(const std::string& name, const std::string& destination, std::string* error) override {
    redisReply* reply = Command({"GET", "pt2ts:" + name}, error);
    if (reply == nullptr) return Get::kFailed;
    Get result = Get::kFailed;
    if (reply->type == REDIS_REPLY_NIL) {
      result = Get::kMissing;
    } else if (reply->type == REDIS_REPLY_STRING) {
      std::ofstream file(destination, std::ios::binary | std::ios::trunc);
      file.write(reply->str, static_cast<std::streamsize>(reply->len));
      file.close();
      result = file ? Get::kFound : Get::kFailed;
      if (!file) *error = "cannot write " + destination;
    } else {
      *error = "GET answered something else than a string";
    }
    freeReplyObject(reply);
    return result;
  }

  bool Put(const std::string& name, const std::string& source, std::string* error) override {
    std::ifstream file(source, std::ios::binary);
    std::ostringstream buffer;
    buffer << file.rdbuf();
    if (!file) {
      *error = "cannot read " + source;
      return false;
    }
    const std::string content = buffer.str();
    redisReply* reply = Command({"SET", "pt2ts:" + name, content}, error);
    if (reply == nullptr) return false;
    const bool ok = reply->type == REDIS_REPLY_STATUS;
    if (!ok) *error = reply->type == REDIS_REPLY_ERROR ? reply->str : "SET failed";
    freeReplyObject(reply);
    return ok;
  }

 private:
  bool Connect(std::string* error) {
    if (context_ != nullptr) return true;
    const timeval connect_timeout{kRemoteConnectTimeoutMs / 1000, (kRemoteConnectTimeoutMs % 1000) * 1000};
    context_ = redisConnectWithTimeout(address_.host.c_str(), address_.port, connect_timeout);
    if (context_ == nullptr || context_->err != 0) {
      *error = context_ != nullptr ? context_->errstr : "cannot connect";
      if (context_ != nullptr) redisFree(context_);
      context_ = nullptr;
      return false;
    }
    const timeval timeout{kRemoteStallTimeoutMs / 1000, (kRemoteStallTimeoutMs % 1000) * 1000};
    redisSetTimeout(context_, timeout);
    if (!address_.password.empty()) {
      std::vector<std::string> auth{"AUTH"};
      if (!address_.user.empty()) auth.push_back(address_.user);
      auth.push_back(address_.password);
      if (!Simple(auth, error)) return false;
    }
    return address_.db.empty() || Simple({"SELECT", address_.db}, error);
  }

  bool Simple(const std::vector<std::string>& words, std::string* error) {
    redisReply* reply = Raw(words, error);
    if (reply == nullptr) return false;
    const bool ok = reply->type != REDIS_REPLY_ERROR;
    if (!ok) *error = reply->str;
    freeReplyObject(reply);
    return ok;
  }

  redisReply* Command(const std::vector<std::string>& words, std::string* error) {
    return Connect(error) ? Raw(words, error) : nullptr;
  }

  redisReply* Raw(const std::vector<std::string>& words, std::string* error) {
    std::vector<const char*> argv;
    std::vector<size_t> lengths;
    for (const std::string& word : words) {
      argv.push_back(word.data());
      lengths.push_back(word.size());
    }
    auto* reply = static_cast<redisReply*>(
        redisCommandArgv(context_, static_cast<int>(argv.size()), argv.data(), lengths.data()));
    if (reply == nullptr) {
      *error = context_->errstr[0] != '\0' ? context_->errstr : "no reply";
      redisFree(context_);
      context_ = nullptr;
    }
    return reply;
  }

  RedisAddress address_;
  redisContext* context_ = nullptr;
};

}  // namespace

std::unique_ptr<RemoteStore> OpenRedisStore(const std::string& url, std::string* error) {
  RedisAddress address;
  if (!ParseRedisUrl(url, &address)) {
    *error = "PT2TS_REMOTE_CACHE: '" + UrlForMessages(url) + "' is not redis://HOST[:PORT][/DB]";
    return nullptr;
  }
  return std::make_unique<RedisStore>(address);
}

}  // namespace pt2ts
