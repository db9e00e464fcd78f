#include "amaima/server/request_authenticator.h"

#include <cctype>

#include "amaima/core/run_blocking.h"

namespace amaima::server {
namespace {

bool StartsWithIgnoringCase(std::string_view text, std::string_view prefix) {
  if (text.size() < prefix.size()) {
    return false;
  }
  for (std::size_t i = 0; i < prefix.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(text[i]))
        != std::tolower(static_cast<unsigned char>(prefix[i]))) {
      return false;
    }
  }
  return true;
}

}  // namespace

std::string_view RequestCredential(const http::HttpRequest& request, std::string& storage) {
  if (const auto authorization = request.Header("authorization")) {
    if (StartsWithIgnoringCase(*authorization, "bearer ")) {
      std::string_view token = authorization->substr(7);
      while (!token.empty() && token.front() == ' ') {
        token.remove_prefix(1);
      }
      return token;
    }
    return {};  // Another scheme: not ours.
  }
  if (const auto api_key = request.Header("x-api-key")) {
    return *api_key;
  }
  const auto upgrade = request.Header("upgrade");
  if (upgrade && StartsWithIgnoringCase(*upgrade, "websocket")) {
    if (std::optional<std::string> token = request.QueryParam("token")) {
      storage = std::move(*token);
      return storage;
    }
  }
  return {};
}

boost::asio::awaitable<Result<Principal>> AuthenticateRequest(governance::ApiKeyAuthenticator& keys,
                                                              boost::asio::thread_pool& pool,
                                                              const http::HttpRequest& request) {
  std::string storage;
  const std::string_view credential = RequestCredential(request, storage);
  if (credential.empty()) {
    co_return Fail(ErrorCode::kUnauthenticated, "AUTH_REQUIRED",
                   "this route needs an API key: send 'Authorization: Bearer <key>' or "
                   "'x-api-key: <key>'");
  }
  if (std::optional<Result<Principal>> cached = keys.Cached(credential)) {
    co_return std::move(*cached);
  }
  auto lookup = [&keys, secret = std::string(credential)] {
    return keys.Authenticate(secret);
  };
  co_return co_await RunBlocking(pool, lookup);
}

}  // namespace amaima::server
