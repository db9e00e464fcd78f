#include "amaima/limits/redis/redis_revocation_list.h"

#include <algorithm>
#include <charconv>
#include <cstdint>
#include <system_error>
#include <utility>
#include <vector>

namespace amaima::limits {
namespace {

// KEYS[1]: the entry. ARGV: its expiry (Unix µs), its lifetime from now (ms). Keeps the later
// of the stored and the new expiry. Returns 1 when it stored the new one.
constexpr std::string_view kRevokeScript = R"lua(
local current = tonumber(redis.call('GET', KEYS[1]))
if current and current >= tonumber(ARGV[1]) then
  return 0
end
if tonumber(ARGV[2]) <= 0 then
  return 0
end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
return 1
)lua";

std::int64_t UnixMicros(std::chrono::system_clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::microseconds>(t.time_since_epoch()).count();
}

}  // namespace

RedisRevocationList::RedisRevocationList(RedisClient& client, const Clock& clock,
                                         RedisRevocationListOptions options)
    : client_(client),
      clock_(clock),
      options_(std::move(options)),
      revoke_script_(std::string(kRevokeScript)) {}

std::string RedisRevocationList::EntryKey(std::string_view id) const {
  std::string key = options_.key_prefix;
  key += "revoked:";
  key += id;
  return key;
}

Status RedisRevocationList::Revoke(std::string_view id,
                                   std::chrono::system_clock::time_point expires_at) {
  if (id.empty()) {
    return Fail(ErrorCode::kInvalidArgument, "VALIDATION_MISSING_FIELD", "empty token id");
  }
  const std::int64_t now_us = UnixMicros(clock_.Now());
  const std::int64_t expires_us = UnixMicros(expires_at);
  // Lifetime in whole milliseconds, rounded up, plus the margin.
  const std::int64_t ttl_ms = (expires_us - now_us + 999) / 1000
                              + std::max<std::int64_t>(0, options_.expiry_margin.count());
  const std::vector<std::string> keys = {EntryKey(id)};
  const std::vector<std::string> args = {std::to_string(expires_us), std::to_string(ttl_ms)};
  Result<RedisReply> reply = client_.Eval(revoke_script_, keys, args);
  if (!reply) {
    return reply.error();
  }
  return {};
}

Result<bool> RedisRevocationList::IsRevoked(std::string_view id) {
  const std::int64_t now_us = UnixMicros(clock_.Now());
  const std::string key = EntryKey(id);
  Result<RedisReply> reply = client_.Command({"GET", key});
  if (!reply) {
    return reply.error();
  }
  if (reply->type == RedisReply::Type::kNil) {
    return false;
  }
  std::int64_t expires_us = 0;
  const std::string& text = reply->text;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), expires_us);
  if (reply->type != RedisReply::Type::kString || error != std::errc()
      || end != text.data() + text.size()) {
    return Fail(ErrorCode::kInternal, "SYSTEM_INTERNAL_ERROR",
                "redis: the revocation entry " + key + " is not a number");
  }
  return expires_us > now_us;
}

}  // namespace amaima::limits
