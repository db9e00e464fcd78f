#include "amaima/server/request_authenticator.h"

#include <cctype>
#include <cmath>

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

RequestAdmission::RequestAdmission(governance::ApiKeyAuthenticator& keys,
                                   governance::Sessions* sessions, boost::asio::thread_pool& pool,
                                   limits::RateLimiter* limiter, bool limiter_blocks,
                                   RateLimits limits)
    : keys_(keys),
      sessions_(sessions),
      pool_(pool),
      limiter_(limiter),
      limiter_blocks_(limiter_blocks),
      limits_(std::move(limits)) {}

boost::asio::awaitable<Status> RequestAdmission::Take(
    http::HttpRequest& request, std::string key, const std::vector<limits::RateLimitRule>& rules,
    bool report) const {
  limits::RateLimiter& limiter = *limiter_;
  auto acquire = [&limiter, &rules, &key] {
    return limiter.Acquire(key, rules);
  };
  limits::RateLimitResult result;
  if (limiter_blocks_) {
    result = co_await RunBlocking(pool_, acquire);
  } else {
    result = acquire();
  }
  const auto seconds = [](std::chrono::milliseconds ms) {
    return std::to_string((ms.count() + 999) / 1000);
  };
  if (report || !result.allowed) {
    request.response_headers.emplace_back(
        "x-ratelimit-limit", std::to_string(static_cast<long long>(result.limit)));  // NOLINT
    request.response_headers.emplace_back(
        "x-ratelimit-remaining",
        std::to_string(static_cast<long long>(std::floor(result.remaining))));  // NOLINT
    request.response_headers.emplace_back("x-ratelimit-reset", seconds(result.reset_after));
  }
  if (result.allowed) {
    co_return Status{};
  }
  const bool never = result.retry_after == limits::kRetryNever;
  const std::string retry = never ? "3600" : seconds(result.retry_after);
  request.response_headers.emplace_back("retry-after", retry);
  const limits::RateLimitRule& rule = rules[result.rule_index];
  co_return Fail(ErrorCode::kResourceExhausted, "RATE_LIMIT_EXCEEDED",
                 "rate limit exceeded (" + rule.name + "); retry after " + retry + " s")
      .With("limit", std::to_string(static_cast<long long>(result.limit)))  // NOLINT
      .With("window", rule.name)
      .With("retry_after_s", retry);
}

boost::asio::awaitable<Result<Principal>> RequestAdmission::Admit(
    http::HttpRequest& request) const {
  if (limiter_ != nullptr && !request.remote_address.empty()) {
    Status address =
        co_await Take(request, "ip:" + request.remote_address, limits_.per_address, false);
    if (!address) {
      co_return address.error();
    }
  }
  std::string storage;
  const std::string_view credential = RequestCredential(request, storage);
  if (credential.empty()) {
    co_return Fail(ErrorCode::kUnauthenticated, "AUTH_REQUIRED",
                   "this route needs an API key or an access token: send "
                   "'Authorization: Bearer <credential>' or 'x-api-key: <key>'");
  }
  Result<Principal> principal = Fail(ErrorCode::kInternal, "not authenticated");
  if (sessions_ != nullptr && governance::Sessions::LooksLikeJwt(credential)) {
    governance::Sessions& sessions = *sessions_;
    auto verify = [&sessions, token = std::string(credential)] {
      return sessions.AuthenticateAccess(token);
    };
    principal = co_await RunBlocking(pool_, verify);
  } else if (std::optional<Result<Principal>> cached = keys_.Cached(credential)) {
    principal = std::move(*cached);
  } else {
    governance::ApiKeyAuthenticator& keys = keys_;
    auto lookup = [&keys, secret = std::string(credential)] {
      return keys.Authenticate(secret);
    };
    principal = co_await RunBlocking(pool_, lookup);
  }
  if (!principal || limiter_ == nullptr) {
    co_return principal;
  }
  std::string bucket =
      principal->key_id.empty() ? "user:" + principal->user_id : "key:" + principal->key_id;
  Status taken = co_await Take(request, std::move(bucket), limits_.per_principal, true);
  if (!taken) {
    co_return taken.error();
  }
  co_return principal;
}

}  // namespace amaima::server
