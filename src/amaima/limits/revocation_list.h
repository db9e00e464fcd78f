#pragma once

#include <chrono>
#include <cstddef>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

#include "amaima/core/clock.h"
#include "amaima/core/result.h"

namespace amaima::limits {

// Revoked token ids (JWT `jti`, refresh-token families): a set whose members expire. A token
// is only ever checked while it is otherwise valid, so an entry can be forgotten once the
// token it names has expired (`expires_at`).
//
// @par Thread Safety
// Implementations are thread-safe. Calls may block on the network (the Redis back end):
// callers on I/O threads run them on the blocking pool.
class RevocationList {
 public:
  RevocationList() = default;
  RevocationList(const RevocationList&) = delete;
  RevocationList& operator=(const RevocationList&) = delete;
  RevocationList(RevocationList&&) = delete;
  RevocationList& operator=(RevocationList&&) = delete;
  virtual ~RevocationList() = default;

  // Adds `id` until `expires_at` (revoking an id twice keeps the later expiry). An empty id
  // fails with kInvalidArgument; an unreachable back end with kUnavailable.
  virtual Status Revoke(std::string_view id, std::chrono::system_clock::time_point expires_at) = 0;

  // Whether `id` is revoked now. kUnavailable when the back end cannot answer: callers must
  // then refuse the token (fail closed).
  virtual Result<bool> IsRevoked(std::string_view id) = 0;
};

// The in-process RevocationList: revocations are per replica. Expired entries are dropped
// lazily when the list has doubled since its last sweep. Times follow the clock's Now().
//
// @par Thread Safety
// Thread-safe: one mutex. The clock is borrowed and must outlive the list.
class InProcessRevocationList final : public RevocationList {
 public:
  explicit InProcessRevocationList(const Clock& clock) : clock_(clock) {}

  Status Revoke(std::string_view id, std::chrono::system_clock::time_point expires_at) override;
  Result<bool> IsRevoked(std::string_view id) override;

  // Entries currently held (for tests).
  std::size_t size() const;

 private:
  const Clock& clock_;
  mutable std::mutex mutex_;
  std::unordered_map<std::string, std::chrono::system_clock::time_point> entries_{};  // GUARDED_BY
  std::size_t sweep_at_{64};  // GUARDED_BY(mutex_)
};

}  // namespace amaima::limits
