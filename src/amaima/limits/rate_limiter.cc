#include "amaima/limits/rate_limiter.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <utility>

#include "amaima/core/check.h"

namespace amaima::limits {
namespace {

// Tokens are doubles. Refilling by fractions of a token leaves rounding noise far below
// this, so a bucket within kTokenEpsilon of the cost counts as holding it.
constexpr double kTokenEpsilon = 1e-9;
// Rounding noise tolerated when a duration is rounded up to whole milliseconds (1 ns), so
// that 1000.0000000000002 ms reads as 1000 ms, not 1001.
constexpr double kMillisTolerance = 1e-6;
constexpr double kNanosPerMilli = 1e6;
// Far-future sentinel for monotonic nanoseconds; leaves room for additions.
constexpr std::int64_t kFarNanos = std::numeric_limits<std::int64_t>::max() / 2;
// Longest duration reported (about 31 years), so that adding it to a time cannot overflow.
constexpr double kMaxReportedMillis = 1e12;

std::int64_t MonotonicNanos(const Clock& clock) {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(clock.Monotonic().time_since_epoch())
      .count();
}

// Tokens a bucket that held `tokens` at `updated_ns` holds at `now_ns` (refill capped at the
// capacity; a capacity lowered by a configuration change also caps what is left).
double Refill(double tokens, std::int64_t updated_ns, const RateLimitRule& rule,
              std::int64_t now_ns) {
  const auto elapsed = static_cast<double>(std::max<std::int64_t>(0, now_ns - updated_ns));
  const double window_ns = static_cast<double>(rule.window.count()) * kNanosPerMilli;
  return std::min(rule.capacity(), tokens + elapsed * rule.limit / window_ns);
}

// Milliseconds, rounded up, until `rule` refills `tokens` tokens.
std::chrono::milliseconds MillisToGain(double tokens, const RateLimitRule& rule) {
  if (tokens <= 0) {
    return std::chrono::milliseconds(0);
  }
  // Multiply before dividing: exact whenever the true answer is a whole number of ms.
  const double millis = tokens * static_cast<double>(rule.window.count()) / rule.limit;
  const double rounded = std::ceil(millis - kMillisTolerance);
  return std::chrono::milliseconds(
      static_cast<std::int64_t>(std::clamp(rounded, 0.0, kMaxReportedMillis)));
}

// Nanoseconds, rounded up, until `rule` refills `tokens` tokens.
std::int64_t NanosToGain(double tokens, const RateLimitRule& rule) {
  if (tokens <= 0) {
    return 0;
  }
  const double nanos =
      std::ceil(tokens * static_cast<double>(rule.window.count()) * kNanosPerMilli / rule.limit);
  return nanos >= static_cast<double>(kFarNanos) ? kFarNanos : static_cast<std::int64_t>(nanos);
}

// How long until a bucket holding `tokens` holds `cost`: 0 if it does now, at least 1 ms
// otherwise, kRetryNever if it never will.
std::chrono::milliseconds WaitFor(double tokens, double cost, const RateLimitRule& rule) {
  if (tokens >= cost - kTokenEpsilon) {
    return std::chrono::milliseconds(0);
  }
  if (cost > rule.capacity() + kTokenEpsilon) {
    return kRetryNever;
  }
  return std::max(std::chrono::milliseconds(1), MillisToGain(cost - tokens, rule));
}

// Refused: the rule that makes the client wait longest; ties: the emptier one.
bool BindsRefusal(const RateLimitResult& candidate, const RateLimitResult& best) {
  if (candidate.retry_after != best.retry_after) {
    return candidate.retry_after > best.retry_after;
  }
  return candidate.remaining < best.remaining;
}

// Admitted: the rule with the fewest tokens left; ties: the one slower to refill.
bool BindsAdmission(const RateLimitResult& candidate, const RateLimitResult& best) {
  if (candidate.remaining != best.remaining) {
    return candidate.remaining < best.remaining;
  }
  return candidate.reset_after > best.reset_after;
}

}  // namespace

Status ValidateRateLimitRule(const RateLimitRule& rule) {
  if (rule.name.empty()) {
    return Fail(ErrorCode::kInvalidArgument, "rate limit rule: name is empty");
  }
  if (!std::isfinite(rule.limit) || rule.limit <= 0) {
    return Fail(ErrorCode::kInvalidArgument,
                "rate limit rule '" + rule.name + "': limit must be a number > 0");
  }
  if (rule.window <= std::chrono::milliseconds(0)) {
    return Fail(ErrorCode::kInvalidArgument,
                "rate limit rule '" + rule.name + "': window must be > 0");
  }
  if (!std::isfinite(rule.burst_multiplier) || rule.burst_multiplier < 1) {
    return Fail(ErrorCode::kInvalidArgument,
                "rate limit rule '" + rule.name + "': burst_multiplier must be >= 1");
  }
  return {};
}

InProcessRateLimiter::InProcessRateLimiter(const Clock& clock) : clock_(clock) {}

InProcessRateLimiter::Shard& InProcessRateLimiter::ShardFor(std::string_view key) {
  const std::size_t hash = StringHash{}(key);
  // The map buckets by hash modulo a prime; the shard uses the high bits, mixed in.
  return shards_[(hash ^ (hash >> 32U)) % kShardCount];
}

std::size_t InProcessRateLimiter::SweepLocked(Shard& shard, std::int64_t now_ns) {
  const std::size_t removed = std::erase_if(
      shard.keys, [now_ns](const auto& entry) { return entry.second.full_at_ns <= now_ns; });
  shard.sweep_threshold = std::max(kMinSweepThreshold, 2 * shard.keys.size());
  return removed;
}

InProcessRateLimiter::KeyState& InProcessRateLimiter::InsertLocked(Shard& shard,
                                                                   std::string_view key,
                                                                   std::int64_t now_ns) {
  if (shard.keys.size() >= shard.sweep_threshold) {
    SweepLocked(shard, now_ns);
  }
  return shard.keys.try_emplace(std::string(key)).first->second;
}

std::size_t InProcessRateLimiter::BucketIndex(const KeyState& state, std::string_view rule) {
  auto found = std::find_if(state.buckets.begin(), state.buckets.end(),
                            [rule](const Bucket& bucket) { return bucket.rule == rule; });
  return static_cast<std::size_t>(found - state.buckets.begin());
}

double InProcessRateLimiter::TokensAt(const KeyState* state, const RateLimitRule& rule,
                                      std::int64_t now_ns) {
  if (state == nullptr) {
    return rule.capacity();
  }
  const std::size_t index = BucketIndex(*state, rule.name);
  if (index == state->buckets.size()) {
    return rule.capacity();
  }
  const Bucket& bucket = state->buckets[index];
  return Refill(bucket.tokens, bucket.updated_ns, rule, now_ns);
}

RateLimitResult InProcessRateLimiter::Check(const KeyState* state,
                                            std::span<const RateLimitRule> rules, double cost,
                                            std::int64_t now_ns) {
  RateLimitResult result;
  result.allowed = true;
  for (std::size_t i = 0; i < rules.size(); ++i) {
    const RateLimitRule& rule = rules[i];
    AMAIMA_DCHECK(rule.limit > 0 && rule.window.count() > 0);
    RateLimitResult candidate;
    candidate.rule_index = i;
    candidate.remaining = TokensAt(state, rule, now_ns);
    candidate.reset_after = MillisToGain(rule.capacity() - candidate.remaining, rule);
    candidate.retry_after = WaitFor(candidate.remaining, cost, rule);
    const bool allowed = result.allowed && candidate.retry_after.count() == 0;
    if (i == 0 || BindsRefusal(candidate, result)) {
      result = candidate;
    }
    result.allowed = allowed;
  }
  return result;
}

RateLimitResult InProcessRateLimiter::Consume(KeyState* state, std::span<const RateLimitRule> rules,
                                              double cost, std::int64_t now_ns) {
  AMAIMA_DCHECK(state != nullptr || cost == 0);
  RateLimitResult result;
  for (std::size_t i = 0; i < rules.size(); ++i) {
    const RateLimitRule& rule = rules[i];
    // Refilling is a pure function of the stored state and the time, so this matches what
    // Check saw.
    const double left = std::max(0.0, TokensAt(state, rule, now_ns) - cost);
    if (cost > 0) {
      const std::size_t index = BucketIndex(*state, rule.name);
      Bucket& bucket = index < state->buckets.size()
                           ? state->buckets[index]
                           : state->buckets.emplace_back(Bucket{rule.name});
      bucket.tokens = left;
      bucket.updated_ns = now_ns;
      bucket.full_at_ns = now_ns + NanosToGain(rule.capacity() - left, rule);
    }
    RateLimitResult candidate;
    candidate.rule_index = i;
    candidate.remaining = left;
    candidate.reset_after = MillisToGain(rule.capacity() - left, rule);
    if (i == 0 || BindsAdmission(candidate, result)) {
      result = candidate;
    }
  }
  if (cost > 0) {
    state->full_at_ns = 0;
    for (const Bucket& bucket : state->buckets) {
      state->full_at_ns = std::max(state->full_at_ns, bucket.full_at_ns);
    }
  }
  result.allowed = true;
  return result;
}

RateLimitResult InProcessRateLimiter::Acquire(std::string_view key,
                                              std::span<const RateLimitRule> rules, double cost) {
  AMAIMA_DCHECK(cost >= 0);
  if (rules.empty()) {
    RateLimitResult unlimited;
    unlimited.allowed = true;
    return unlimited;
  }

  Shard& shard = ShardFor(key);
  RateLimitResult result;
  {
    std::lock_guard<std::mutex> lock(shard.mutex);
    // Read under the lock, so that the times a bucket is updated at never go backwards.
    const std::int64_t now_ns = MonotonicNanos(clock_);
    auto it = shard.keys.find(key);
    KeyState* state = it == shard.keys.end() ? nullptr : &it->second;
    // Check first and consume only if every bucket holds `cost`: a refusal takes nothing
    // from any bucket, and stores no new key.
    result = Check(state, rules, cost, now_ns);
    if (result.allowed) {
      if (state == nullptr && cost > 0) {
        state = &InsertLocked(shard, key, now_ns);
      }
      result = Consume(state, rules, cost, now_ns);
    }
  }

  const RateLimitRule& rule = rules[result.rule_index];
  result.limit = rule.limit;
  result.window = rule.window;
  result.reset_at = clock_.Now() + result.reset_after;
  return result;
}

std::size_t InProcessRateLimiter::EvictFull() {
  const std::int64_t now_ns = MonotonicNanos(clock_);
  std::size_t removed = 0;
  for (Shard& shard : shards_) {
    std::lock_guard<std::mutex> lock(shard.mutex);
    removed += SweepLocked(shard, now_ns);
  }
  return removed;
}

std::size_t InProcessRateLimiter::key_count() const {
  std::size_t count = 0;
  for (const Shard& shard : shards_) {
    std::lock_guard<std::mutex> lock(shard.mutex);
    count += shard.keys.size();
  }
  return count;
}

}  // namespace amaima::limits
