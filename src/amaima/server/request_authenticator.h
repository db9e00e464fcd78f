#pragma once

#include <string>
#include <string_view>
#include <vector>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/thread_pool.hpp>

#include "amaima/governance/api_keys.h"
#include "amaima/governance/sessions.h"
#include "amaima/http/server/http_types.h"
#include "amaima/limits/rate_limiter.h"

namespace amaima::server {

// The credential a request carries, in this order: `Authorization: Bearer <key>`,
// `x-api-key: <key>` (Anthropic's SDK), or `?token=<key>` on a WebSocket upgrade (browsers
// cannot set headers there). Empty when there is none.
std::string_view RequestCredential(const http::HttpRequest& request, std::string& storage);

// The rules of `api.rate_limiting`, as token-bucket rules.
struct RateLimits {
  std::vector<limits::RateLimitRule> per_principal{};  // Per key and per user.
  std::vector<limits::RateLimitRule> per_address{};    // Per client address.
};

// Admits requests to protected routes: the client address's bucket first (so that guessing
// keys is throttled), then the credential (an API key, or a user's JWT access token when
// `sessions` is set), then the key's (or user's) bucket. Sets
// X-RateLimit-Limit / -Remaining / -Reset (delta seconds) on every admitted request and
// Retry-After on a 429 (RATE_LIMIT_EXCEEDED).
//
// @par Thread Safety
// Thread-safe; everything is borrowed. `limiter` null = no rate limits; `limiter_blocks` =
// its calls go over the network (Redis) and run on `pool`, not on the I/O thread.
class RequestAdmission {
 public:
  RequestAdmission(governance::ApiKeyAuthenticator& keys, governance::Sessions* sessions,
                   boost::asio::thread_pool& pool, limits::RateLimiter* limiter,
                   bool limiter_blocks, RateLimits limits);

  // The server's http::Authenticator. The key is resolved from the cache on the I/O thread,
  // or on `pool` on a miss.
  boost::asio::awaitable<Result<Principal>> Admit(http::HttpRequest& request) const;

 private:
  // Takes one token of `key`'s buckets; on refusal returns the 429 error and sets Retry-After.
  boost::asio::awaitable<Status> Take(http::HttpRequest& request, std::string key,
                                      const std::vector<limits::RateLimitRule>& rules,
                                      bool report) const;

  governance::ApiKeyAuthenticator& keys_;
  governance::Sessions* sessions_;
  boost::asio::thread_pool& pool_;
  limits::RateLimiter* limiter_;
  bool limiter_blocks_;
  RateLimits limits_;
};

}  // namespace amaima::server
