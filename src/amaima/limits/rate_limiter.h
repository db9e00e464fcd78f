#pragma once

#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <mutex>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "amaima/core/clock.h"
#include "amaima/core/result.h"

namespace amaima::limits {

// One token bucket of a key: `limit` tokens per `window`, refilled continuously at
// limit / window, holding at most limit * burst_multiplier tokens. A bucket nobody has
// used yet (or that has been evicted) is full.
struct RateLimitRule {
  std::string name{};                   // "minute", "hour": names the bucket within a key.
  double limit{0};                      // Tokens per window (X-RateLimit-Limit).
  std::chrono::milliseconds window{0};  // Refill period of `limit` tokens.
  double burst_multiplier{1};           // Capacity = limit * burst_multiplier.

  double capacity() const { return limit * burst_multiplier; }
};

// Checks a rule the way configuration must before it reaches a RateLimiter: a non-empty
// name, a finite limit > 0, a window > 0 and a finite burst_multiplier >= 1. Fails with
// kInvalidArgument naming the field. Rules that fail this are a bug in Acquire's caller.
Status ValidateRateLimitRule(const RateLimitRule& rule);

// retry_after for a cost that exceeds a bucket's capacity: waiting never helps.
inline constexpr std::chrono::milliseconds kRetryNever = std::chrono::milliseconds::max();

// The outcome of RateLimiter::Acquire, with what the rate-limit response headers need.
// The figures describe one "binding" rule, rules[rule_index]:
//  - admitted: the rule with the fewest tokens left after this call (ties: the one that
//    takes longer to refill), i.e. the one the client will hit first;
//  - refused: the rule that takes longest to hold `cost` tokens, i.e. the one that decides
//    retry_after.
// With no rules at all a call is admitted and `limit` is 0: send no headers.
struct RateLimitResult {
  bool allowed{false};
  std::size_t rule_index{0};            // Index of the binding rule in the rules passed.
  double limit{0};                      // Its limit: X-RateLimit-Limit.
  std::chrono::milliseconds window{0};  // Its window (RateLimit-Policy "w=").
  // Tokens left in its bucket after this call (before it, when refused), fractional:
  // floor() it for X-RateLimit-Remaining.
  double remaining{0};
  // How long until its bucket is full again (rounded up to the millisecond), and that moment
  // on the wall clock: X-RateLimit-Reset as delta seconds or as an epoch timestamp.
  std::chrono::milliseconds reset_after{0};
  std::chrono::system_clock::time_point reset_at{};
  // Refused only: how long until every bucket holds `cost` tokens (rounded up to the
  // millisecond, at least 1 ms): Retry-After, rounded up to seconds by the caller.
  // kRetryNever when `cost` exceeds a bucket's capacity. 0 when admitted.
  std::chrono::milliseconds retry_after{0};
};

// Token-bucket rate limiting for opaque keys ("key:abc", "user:u1", "ip:127.0.0.1"; the
// caller composes them). A key has one bucket per rule name.
//
// Every call is one atomic check-and-consume across all the rules given, so that a back end
// can implement it as one server-side script (Redis EVAL) with no read-modify-write split
// across calls.
//
// @par Thread Safety
// Implementations are thread-safe. Arguments are not kept after a call returns.
class RateLimiter {
 public:
  RateLimiter() = default;
  RateLimiter(const RateLimiter&) = delete;
  RateLimiter& operator=(const RateLimiter&) = delete;
  RateLimiter(RateLimiter&&) = delete;
  RateLimiter& operator=(RateLimiter&&) = delete;
  virtual ~RateLimiter() = default;

  // Takes `cost` tokens from the bucket of every rule of `key` if every one of them holds
  // at least `cost` tokens after refilling; otherwise takes nothing. Rules must pass
  // ValidateRateLimitRule, have distinct names, and should be the same set on every call for
  // a key (a rule left out of one call keeps its bucket unchanged). `cost` >= 0; a cost of 0
  // only reports the buckets. A cost above a rule's capacity is never admitted.
  virtual RateLimitResult Acquire(std::string_view key, std::span<const RateLimitRule> rules,
                                  double cost) = 0;

  // Acquire with a cost of one token (one request).
  RateLimitResult Acquire(std::string_view key, std::span<const RateLimitRule> rules) {
    return Acquire(key, rules, 1);
  }
};

// The in-process RateLimiter: buckets live in this process's memory, so limits are per
// replica. Refill arithmetic runs on the clock's monotonic time; reset_at uses its wall time.
//
// Memory: keys are spread over kShardCount shards. A key all of whose buckets are full again
// carries no information (a missing key reads as full) and is evicted lazily: before a shard
// stores a new key while holding at least its sweep threshold of keys, it drops its full
// keys and sets the threshold to max(kMinSweepThreshold, 2 * keys left), so sweeping costs
// amortised O(1) per new key. A shard therefore never holds more than
// max(kMinSweepThreshold, 2 * the keys it held that were not full at its last sweep), and a
// key is not full only if it was admitted within its rules' longest window *
// burst_multiplier. So with N keys active within that time the limiter holds at most about
// kShardCount * kMinSweepThreshold + 2 * N keys (each a string plus one small record per
// rule), whatever the number of keys seen over its lifetime. Refused calls and calls with
// cost 0 never store a new key. EvictFull() sweeps every shard at once (e.g. from a
// periodic task).
//
// Refill arithmetic is in double tokens and integer nanoseconds; a bucket within 1e-9 of a
// token of the cost counts as holding it, and durations are rounded up to the millisecond
// (ignoring sub-nanosecond rounding noise).
//
// @par Thread Safety
// Thread-safe: one mutex per shard, held for one call on one key, which reads the clock under
// it; no call takes two shard locks at once. The clock is borrowed and must outlive the
// limiter.
class InProcessRateLimiter final : public RateLimiter {
 public:
  static constexpr std::size_t kShardCount = 16;
  static constexpr std::size_t kMinSweepThreshold = 64;

  explicit InProcessRateLimiter(const Clock& clock);

  using RateLimiter::Acquire;
  RateLimitResult Acquire(std::string_view key, std::span<const RateLimitRule> rules,
                          double cost) override;

  // Drops every key whose buckets are all full now; returns how many were dropped.
  std::size_t EvictFull();

  // Keys currently stored (for metrics and tests).
  std::size_t key_count() const;

 private:
  struct Bucket {
    std::string rule{};          // RateLimitRule::name.
    double tokens{0};            // Tokens at `updated_ns`.
    std::int64_t updated_ns{0};  // Monotonic time of the last change.
    std::int64_t full_at_ns{0};  // Monotonic time at which it is full again.
  };

  struct KeyState {
    std::vector<Bucket> buckets{};
    std::int64_t full_at_ns{0};  // Max of the buckets' full_at_ns: evictable from then on.
  };

  struct StringHash {
    using is_transparent = void;  // NOLINT(readability-identifier-naming): the std protocol name.

    std::size_t operator()(std::string_view text) const {
      return std::hash<std::string_view>{}(text);
    }
  };

  using KeyMap = std::unordered_map<std::string, KeyState, StringHash, std::equal_to<>>;

  // Cache-line aligned so that threads working on different shards do not share a line.
  struct alignas(64) Shard {
    mutable std::mutex mutex;
    KeyMap keys{};                                    // GUARDED_BY(mutex)
    std::size_t sweep_threshold{kMinSweepThreshold};  // GUARDED_BY(mutex)
  };

  Shard& ShardFor(std::string_view key);
  // Drops the shard's full keys and resets its sweep threshold; returns how many it dropped.
  static std::size_t SweepLocked(Shard& shard, std::int64_t now_ns);  // REQUIRES(shard.mutex)
  // Stores a new, empty key, sweeping the shard first when it has reached its threshold.
  static KeyState& InsertLocked(Shard& shard, std::string_view key,
                                std::int64_t now_ns);  // REQUIRES(shard.mutex)

  // The steps of Acquire on one key's state (nullptr: a key with no stored buckets), run
  // under its shard's lock. Check only reads: whether every bucket holds `cost`, with the
  // refusal's figures. Consume takes `cost` from every bucket (creating them as needed;
  // `state` may be nullptr only when cost is 0) and returns the admission's figures.
  // Neither fills limit, window or reset_at.
  static RateLimitResult Check(const KeyState* state, std::span<const RateLimitRule> rules,
                               double cost, std::int64_t now_ns);
  static RateLimitResult Consume(KeyState* state, std::span<const RateLimitRule> rules, double cost,
                                 std::int64_t now_ns);
  // Index of the bucket of `rule` in state.buckets; state.buckets.size() when it has none.
  static std::size_t BucketIndex(const KeyState& state, std::string_view rule);
  // Tokens in the bucket of `rule` at `now_ns` (a missing bucket is full).
  static double TokensAt(const KeyState* state, const RateLimitRule& rule, std::int64_t now_ns);

  const Clock& clock_;
  std::array<Shard, kShardCount> shards_{};
};

}  // namespace amaima::limits
