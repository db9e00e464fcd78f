#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "amaima/core/clock.h"
#include "amaima/core/result.h"
#include "amaima/limits/rate_limiter.h"
#include "amaima/limits/redis/redis_client.h"

namespace amaima::limits {

// What RedisRateLimiter::Acquire answers when Redis cannot (unreachable, timed out, an error
// reply): Acquire returns a RateLimitResult and has no way to fail.
enum class RedisFailurePolicy : std::uint8_t {
  // Fail closed (the default): refuse, binding rule rules[0], remaining 0, retry_after and
  // reset_after = unavailable_retry_after. Clients back off and retry; nothing is admitted
  // that the shared limit has not seen.
  kRefuse,
  // Fail open: admit, reporting rules[0] as if its bucket had been full before this call.
  // Limits are not enforced while Redis is down.
  kAdmit,
};

struct RedisRateLimiterOptions {
  // Prepended to every key this limiter writes: "<prefix>rl:<key>".
  std::string key_prefix{"amaima:"};
  // Added to a bucket's time to full for its PEXPIRE, so that a replica whose clock runs
  // behind never finds a bucket gone (read as full) while it would still count as partly
  // empty by its own clock.
  std::chrono::milliseconds expiry_margin{std::chrono::seconds(60)};
  RedisFailurePolicy when_unavailable{RedisFailurePolicy::kRefuse};
  // retry_after of a refusal by kRefuse (at least 1 ms).
  std::chrono::milliseconds unavailable_retry_after{std::chrono::seconds(1)};
};

// A RateLimiter whose buckets live in Redis, so that every replica sharing the server
// enforces one limit.
//
// Each Acquire is one Lua script (EVALSHA), run atomically by the server: refill, check and
// consume across all rules with no read-modify-write split across round trips. A key's
// buckets are one hash, "<prefix>rl:<key>", with fields "t:<rule>" (tokens, a decimal
// double) and "u:<rule>" (Unix microseconds of the last change). Time comes from the clock
// passed here (wall time, Now()), not from the server, so that a FakeClock drives the same
// tests as the in-process limiter; a bucket never refills backwards when a replica's clock
// is behind the one that last wrote it (its time is max(stored time, now)). After a write
// the hash expires (PEXPIRE, never shortened) when every bucket is full again plus
// expiry_margin: a missing hash reads as full, so memory stays bounded by the active keys.
// Refused calls and calls with cost 0 write nothing.
//
// The refill arithmetic is the in-process limiter's (double tokens, a bucket within 1e-9 of
// a token of the cost holds it, durations rounded up to the millisecond), and so are the
// binding rule, remaining, reset and retry figures.
//
// When Redis fails, Acquire applies options.when_unavailable (fail closed by default) and
// counts the failure; TryAcquire returns the error instead.
//
// @par Thread Safety
// Thread-safe. Calls block on the network: callers on I/O threads run them on the blocking
// pool. The client and the clock are borrowed and must outlive the limiter.
class RedisRateLimiter final : public RateLimiter {
 public:
  RedisRateLimiter(RedisClient& client, const Clock& clock, RedisRateLimiterOptions options = {});

  using RateLimiter::Acquire;
  RateLimitResult Acquire(std::string_view key, std::span<const RateLimitRule> rules,
                          double cost) override;

  // Acquire, failing with kUnavailable when Redis cannot answer (and kInternal for a reply
  // the script should never give) instead of applying the failure policy.
  Result<RateLimitResult> TryAcquire(std::string_view key, std::span<const RateLimitRule> rules,
                                     double cost);

  // Calls of Acquire answered by the failure policy (for metrics).
  std::uint64_t unavailable_count() const { return failures_.load(std::memory_order_relaxed); }

  // The Redis key holding the buckets of `key`.
  std::string BucketKey(std::string_view key) const;

 private:
  // The answer of the failure policy.
  RateLimitResult Unavailable(std::span<const RateLimitRule> rules, double cost) const;

  RedisClient& client_;
  const Clock& clock_;
  const RedisRateLimiterOptions options_;
  const RedisScript script_;
  std::atomic<std::uint64_t> failures_{0};
};

}  // namespace amaima::limits
