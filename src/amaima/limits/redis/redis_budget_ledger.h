#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "amaima/core/clock.h"
#include "amaima/core/result.h"
#include "amaima/limits/budget_ledger.h"
#include "amaima/limits/redis/redis_client.h"

namespace amaima::limits {

struct RedisBudgetLedgerOptions {
  // Prepended to every key this ledger writes: "<prefix>budget:...".
  std::string key_prefix{"amaima:"};
  // How long an account outlives the end of its period (PEXPIRE), and a held reservation the
  // end of its latest period: the time a reservation admitted just before a period ended has
  // to be settled in it, and room for replicas' clocks to differ.
  std::chrono::milliseconds period_margin{std::chrono::hours(24)};
  // Attempts of Reconcile and Release when Redis fails (settling is idempotent: a second
  // attempt after a lost reply finds nothing held and changes nothing).
  int settle_attempts{2};
};

// A BudgetLedger whose accounts live in Redis, so that every replica sharing the server
// enforces one cap.
//
// Each Reserve, Reconcile, Release and Headroom is one Lua script (EVALSHA) run atomically by
// the server; Status is one HMGET. Keys:
//  - "<prefix>budget:<daily|monthly>:<period start, Unix ms>:<scope id>": a scope's account
//    in one period, a hash {spent, reserved, holds, cap, reported, end} of integer
//    micro-dollars (and the highest threshold reported, the period end in Unix ms). It
//    expires period_margin after its period ends; once an ended period's account holds no
//    reservation, settling deletes it.
//  - "<prefix>budget:hold:<request id>": a held reservation, a hash {amount, count, a1..an
//    (the account keys)}, deleted when settled and expiring with its latest account.
// Periods and `now` come from the clock passed here (wall time), not from the server.
// Amounts, rounding (micro-dollars, to nearest, capped at 1e9 USD), validation, error
// codes and BUDGET_EXCEEDED details, threshold events and the period a reservation is
// settled in are those of InProcessBudgetLedger.
//
// When Redis fails: Reserve fails with kUnavailable (fail closed); Reconcile and Release try
// settle_attempts times, then give up (Reconcile reports settled == false; the hold expires
// with its accounts); Headroom reports 0 and Status an exhausted account (spent = cap, 0
// reserved). Each such failure is counted. The Try* methods return the error instead.
// A Reserve whose reply is lost after the script ran leaves its hold in place until then.
//
// @par Thread Safety
// Thread-safe. Calls block on the network: callers on I/O threads run them on the blocking
// pool. The client and the clock are borrowed and must outlive the ledger.
class RedisBudgetLedger final : public BudgetLedger {
 public:
  RedisBudgetLedger(RedisClient& client, const Clock& clock, RedisBudgetLedgerOptions options = {});

  Result<Reservation> Reserve(std::span<const BudgetScope> scopes, double estimated_usd,
                              std::string_view request_id) override;
  ReconcileResult Reconcile(const Reservation& reservation, double actual_usd) override;
  void Release(const Reservation& reservation) override;
  double Headroom(std::span<const BudgetScope> scopes) const override;
  BudgetStatus Status(const BudgetScope& scope) const override;

  // The same, failing with kUnavailable when Redis cannot answer (kInternal for a reply the
  // script should never give). Each makes one attempt.
  Result<ReconcileResult> TryReconcile(const Reservation& reservation, double actual_usd);
  amaima::Status TryRelease(const Reservation& reservation);
  Result<double> TryHeadroom(std::span<const BudgetScope> scopes) const;
  Result<BudgetStatus> TryStatus(const BudgetScope& scope) const;

  // Calls answered by the failure policy, and Reserve calls failed by Redis (for metrics).
  std::uint64_t unavailable_count() const { return failures_.load(std::memory_order_relaxed); }

  // The Redis keys of an account and of a held reservation.
  std::string AccountKey(std::string_view scope_id, BudgetPeriod period,
                         std::chrono::system_clock::time_point period_start) const;
  std::string HoldKey(std::string_view request_id) const;

 private:
  // One attempt to settle `request_id`: releases its hold and, when `charge`, charges
  // `actual_micros` and reports threshold crossings.
  Result<ReconcileResult> Settle(std::string_view request_id, std::int64_t actual_micros,
                                 bool charge);
  // Settle, retried settle_attempts times while Redis fails.
  Result<ReconcileResult> SettleWithRetries(std::string_view request_id, std::int64_t actual_micros,
                                            bool charge);
  // Reads a threshold event from one element of the settle script's reply.
  Result<BudgetThresholdEvent> EventFrom(const RedisReply& element) const;

  RedisClient& client_;
  const Clock& clock_;
  const RedisBudgetLedgerOptions options_;
  const RedisScript reserve_script_;
  const RedisScript settle_script_;
  const RedisScript headroom_script_;
  mutable std::atomic<std::uint64_t> failures_{0};
};

}  // namespace amaima::limits
