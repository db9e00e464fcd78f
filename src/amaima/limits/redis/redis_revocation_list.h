#pragma once

#include <chrono>
#include <string>
#include <string_view>

#include "amaima/core/clock.h"
#include "amaima/core/result.h"
#include "amaima/limits/redis/redis_client.h"
#include "amaima/limits/revocation_list.h"

namespace amaima::limits {

struct RedisRevocationListOptions {
  // Prepended to every key this list writes: "<prefix>revoked:<id>".
  std::string key_prefix{"amaima:"};
  // Added to an entry's lifetime for its PEXPIRE, so that a replica whose clock runs behind
  // still finds it while the token is valid by that clock.
  std::chrono::milliseconds expiry_margin{std::chrono::seconds(60)};
};

// A RevocationList in Redis, shared by every replica using the server.
//
// An entry is the key "<prefix>revoked:<id>" holding its expiry (Unix microseconds) and
// expiring (PEXPIRE) expiry_margin after it. Revoke is one Lua script (keep the later expiry,
// atomically); IsRevoked one GET, compared with the clock passed here (wall time), not the
// server's, so that a FakeClock drives the same tests as the in-process list.
//
// Fails closed: when Redis cannot answer, both calls fail with kUnavailable (and a malformed
// entry makes IsRevoked fail with kInternal); callers refuse the token.
//
// @par Thread Safety
// Thread-safe. Calls block on the network: callers on I/O threads run them on the blocking
// pool. The client and the clock are borrowed and must outlive the list.
class RedisRevocationList final : public RevocationList {
 public:
  RedisRevocationList(RedisClient& client, const Clock& clock,
                      RedisRevocationListOptions options = {});

  Status Revoke(std::string_view id, std::chrono::system_clock::time_point expires_at) override;
  Result<bool> IsRevoked(std::string_view id) override;

  // The Redis key of the entry for `id`.
  std::string EntryKey(std::string_view id) const;

 private:
  RedisClient& client_;
  const Clock& clock_;
  const RedisRevocationListOptions options_;
  const RedisScript revoke_script_;
};

}  // namespace amaima::limits
