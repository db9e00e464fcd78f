#include "amaima/limits/redis/redis_rate_limiter.h"

#include <algorithm>
#include <cmath>
#include <utility>
#include <vector>

#include "amaima/core/check.h"

namespace amaima::limits {
namespace {

// KEYS[1]: the key's hash. ARGV: now (Unix µs), cost, expiry margin (ms), then four per rule:
// name, limit, window (ms), burst multiplier. Returns {1 if admitted else 0, then per rule
// the tokens its bucket holds after the call (admitted) or before it (refused), as strings:
// Redis would truncate Lua numbers to integers}.
//
// Numbers are doubles, as in the in-process limiter, and the refill is computed in the same
// order (elapsed * limit / window) so that both give the same figures. Tokens are stored as
// "%.17g", which reads back exactly.
constexpr std::string_view kAcquireScript = R"lua(
local key = KEYS[1]
local now = tonumber(ARGV[1])
local cost = tonumber(ARGV[2])
local margin = tonumber(ARGV[3])
local count = (#ARGV - 3) / 4
local tokens = {}
local stamps = {}
local allowed = true
for i = 1, count do
  local at = 3 + (i - 1) * 4
  local name = ARGV[at + 1]
  local limit = tonumber(ARGV[at + 2])
  local window = tonumber(ARGV[at + 3]) * 1000
  local capacity = limit * tonumber(ARGV[at + 4])
  local stored = redis.call('HMGET', key, 't:' .. name, 'u:' .. name)
  local held = capacity
  local stamp = now
  if stored[1] and stored[2] then
    local updated = tonumber(stored[2])
    -- Never refill backwards: a replica whose clock is behind sees no refill.
    if updated > stamp then
      stamp = updated
    end
    held = math.min(capacity, tonumber(stored[1]) + (stamp - updated) * limit / window)
  end
  tokens[i] = held
  stamps[i] = stamp
  if held < cost - 1e-9 then
    allowed = false
  end
end
if allowed and cost > 0 then
  local ttl = 1
  for i = 1, count do
    local at = 3 + (i - 1) * 4
    local name = ARGV[at + 1]
    local limit = tonumber(ARGV[at + 2])
    local window = tonumber(ARGV[at + 3]) * 1000
    local capacity = limit * tonumber(ARGV[at + 4])
    local left = math.max(0, tokens[i] - cost)
    tokens[i] = left
    redis.call('HSET', key, 't:' .. name, string.format('%.17g', left),
               'u:' .. name, string.format('%.0f', stamps[i]))
    -- Microseconds from now until this bucket is full again.
    local full = (stamps[i] - now) + (capacity - left) * window / limit
    ttl = math.max(ttl, math.ceil(full / 1000) + margin)
  end
  ttl = math.min(ttl, 1e12)
  -- Never shorten: a bucket of a rule left out of this call may need the longer expiry.
  if redis.call('PTTL', key) < ttl then
    redis.call('PEXPIRE', key, string.format('%.0f', ttl))
  end
end
local reply = {allowed and 1 or 0}
for i = 1, count do
  reply[i + 1] = string.format('%.17g', tokens[i])
end
return reply
)lua";

// The arithmetic below is the in-process limiter's (rate_limiter.cc), so that both back ends
// report the same figures.
constexpr double kTokenEpsilon = 1e-9;
constexpr double kMillisTolerance = 1e-6;
constexpr double kMaxReportedMillis = 1e12;

std::int64_t UnixMicros(std::chrono::system_clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::microseconds>(t.time_since_epoch()).count();
}

// Milliseconds, rounded up, until `rule` refills `tokens` tokens.
std::chrono::milliseconds MillisToGain(double tokens, const RateLimitRule& rule) {
  if (tokens <= 0) {
    return std::chrono::milliseconds(0);
  }
  const double millis = tokens * static_cast<double>(rule.window.count()) / rule.limit;
  const double rounded = std::ceil(millis - kMillisTolerance);
  return std::chrono::milliseconds(
      static_cast<std::int64_t>(std::clamp(rounded, 0.0, kMaxReportedMillis)));
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

// The figures of the binding rule, from the tokens of every bucket (after the call when
// admitted, before it when refused). Leaves limit, window and reset_at.
RateLimitResult Figures(bool allowed, std::span<const RateLimitRule> rules,
                        std::span<const double> tokens, double cost) {
  RateLimitResult result;
  for (std::size_t i = 0; i < rules.size(); ++i) {
    const RateLimitRule& rule = rules[i];
    RateLimitResult candidate;
    candidate.rule_index = i;
    candidate.remaining = tokens[i];
    candidate.reset_after = MillisToGain(rule.capacity() - tokens[i], rule);
    if (!allowed) {
      candidate.retry_after = WaitFor(tokens[i], cost, rule);
    }
    if (i == 0 || (allowed ? BindsAdmission(candidate, result) : BindsRefusal(candidate, result))) {
      result = candidate;
    }
  }
  result.allowed = allowed;
  return result;
}

}  // namespace

RedisRateLimiter::RedisRateLimiter(RedisClient& client, const Clock& clock,
                                   RedisRateLimiterOptions options)
    : client_(client),
      clock_(clock),
      options_(std::move(options)),
      script_(std::string(kAcquireScript)) {}

std::string RedisRateLimiter::BucketKey(std::string_view key) const {
  std::string bucket_key = options_.key_prefix;
  bucket_key += "rl:";
  bucket_key += key;
  return bucket_key;
}

Result<RateLimitResult> RedisRateLimiter::TryAcquire(std::string_view key,
                                                     std::span<const RateLimitRule> rules,
                                                     double cost) {
  AMAIMA_DCHECK(cost >= 0);
  if (rules.empty()) {
    RateLimitResult unlimited;
    unlimited.allowed = true;
    return unlimited;
  }
  const auto now = clock_.Now();
  const std::vector<std::string> keys = {BucketKey(key)};
  std::vector<std::string> args;
  args.reserve(3 + 4 * rules.size());
  args.push_back(std::to_string(UnixMicros(now)));
  args.push_back(RedisNumberArg(cost));
  args.push_back(std::to_string(std::max<std::int64_t>(0, options_.expiry_margin.count())));
  for (const RateLimitRule& rule : rules) {
    AMAIMA_DCHECK(rule.limit > 0 && rule.window.count() > 0);
    args.push_back(rule.name);
    args.push_back(RedisNumberArg(rule.limit));
    args.push_back(std::to_string(rule.window.count()));
    args.push_back(RedisNumberArg(rule.burst_multiplier));
  }

  Result<RedisReply> reply = client_.Eval(script_, keys, args);
  if (!reply) {
    return reply.error();
  }
  Result<std::int64_t> allowed = RedisIntegerAt(*reply, 0);
  if (!allowed) {
    return allowed.error();
  }
  std::vector<double> tokens(rules.size());
  for (std::size_t i = 0; i < rules.size(); ++i) {
    Result<double> held = RedisNumberAt(*reply, i + 1);
    if (!held) {
      return held.error();
    }
    tokens[i] = *held;
  }

  RateLimitResult result = Figures(*allowed == 1, rules, tokens, cost);
  const RateLimitRule& rule = rules[result.rule_index];
  result.limit = rule.limit;
  result.window = rule.window;
  result.reset_at = now + result.reset_after;
  return result;
}

RateLimitResult RedisRateLimiter::Acquire(std::string_view key,
                                          std::span<const RateLimitRule> rules, double cost) {
  Result<RateLimitResult> result = TryAcquire(key, rules, cost);
  if (result) {
    return *result;
  }
  failures_.fetch_add(1, std::memory_order_relaxed);
  return Unavailable(rules, cost);
}

RateLimitResult RedisRateLimiter::Unavailable(std::span<const RateLimitRule> rules,
                                              double cost) const {
  AMAIMA_DCHECK(!rules.empty());
  const RateLimitRule& rule = rules[0];
  RateLimitResult result;
  result.rule_index = 0;
  result.limit = rule.limit;
  result.window = rule.window;
  if (options_.when_unavailable == RedisFailurePolicy::kAdmit) {
    result.allowed = true;
    result.remaining = std::max(0.0, rule.capacity() - cost);
    result.reset_after = MillisToGain(rule.capacity() - result.remaining, rule);
  } else {
    result.allowed = false;
    result.remaining = 0;
    result.retry_after = std::max(std::chrono::milliseconds(1), options_.unavailable_retry_after);
    result.reset_after = result.retry_after;
  }
  result.reset_at = clock_.Now() + result.reset_after;
  return result;
}

}  // namespace amaima::limits
