#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <mutex>
#include <span>
#include <string>
#include <string_view>
#include <tuple>
#include <unordered_map>
#include <vector>

#include "amaima/core/clock.h"
#include "amaima/core/result.h"

namespace amaima::limits {

// The calendar period a budget cap applies to, in UTC.
enum class BudgetPeriod : std::uint8_t {
  kDaily,    // From 00:00:00 UTC to the next midnight.
  kMonthly,  // From the 1st, 00:00:00 UTC, to the 1st of the next month.
};

// "daily", "monthly".
std::string_view BudgetPeriodName(BudgetPeriod period);

// A half-open interval [start, end) of wall-clock time.
struct BudgetPeriodBounds {
  std::chrono::system_clock::time_point start{};
  std::chrono::system_clock::time_point end{};
};

// The period of kind `period` that contains `t` (UTC calendar day or month).
BudgetPeriodBounds BudgetPeriodAt(BudgetPeriod period, std::chrono::system_clock::time_point t);

// One cap a request is charged against: an organisation's, key's, user's or agent's daily or
// monthly budget. (id, period) names the account; the same id may have a daily and a
// monthly cap.
struct BudgetScope {
  std::string id{};                             // "org:o1", "key:abc", "user:u1", "agent:a1".
  double cap_usd{0};                            // >= 0; 0 admits only free requests.
  BudgetPeriod period{BudgetPeriod::kMonthly};  // Which calendar period the cap is for.
};

// Where one scope's share of a reservation is held: the period it was admitted in.
struct ScopeReservation {
  std::string scope_id{};
  BudgetPeriod period{BudgetPeriod::kMonthly};
  std::chrono::system_clock::time_point period_start{};
};

// An admitted estimate, held against every scope until Reconcile() or Release(). The ledger
// keeps its own record keyed by request_id; this value tells the caller what was held and
// identifies the reservation when it is settled.
struct Reservation {
  std::string request_id{};
  double estimated_usd{0};                 // Held against each scope.
  std::vector<ScopeReservation> scopes{};  // In the order the scopes were given.
};

// How close spending is to a cap, by threshold: 50 % warning, 80 % alert, 95 % critical,
// 100 % exhausted.
enum class BudgetSeverity : std::uint8_t {
  kWarning,
  kAlert,
  kCritical,
  kExhausted,
};

// "warning", "alert", "critical", "exhausted".
std::string_view BudgetSeverityName(BudgetSeverity severity);

// Spending of one scope in one period reached `threshold_percent` of its cap.
struct BudgetThresholdEvent {
  std::string scope_id{};
  BudgetPeriod period{BudgetPeriod::kMonthly};
  std::chrono::system_clock::time_point period_start{};
  int threshold_percent{0};  // 50, 80, 95 or 100.
  BudgetSeverity severity{BudgetSeverity::kWarning};
  double spent_usd{0};  // Spent in the period, this call included.
  double cap_usd{0};
};

struct ReconcileResult {
  // False when the ledger held no reservation for the request id (settled before, or never
  // made): then nothing changed and there are no events.
  bool settled{false};
  // At most one per scope: the highest threshold this call crossed that had not been
  // reported for that scope and period before.
  std::vector<BudgetThresholdEvent> events{};
};

// A scope's account in the current period.
struct BudgetStatus {
  double spent_usd{0};     // Reconciled cost charged to the period.
  double reserved_usd{0};  // Estimates admitted in the period and not yet settled.
  double cap_usd{0};       // The scope's cap, as passed.
  std::chrono::system_clock::time_point period_start{};
  std::chrono::system_clock::time_point period_end{};
};

// Spending caps enforced by "reserve at admission, reconcile after": a request's estimated
// cost is reserved against every scope it is charged to before it runs, and replaced by the
// actual cost once it has run, so that concurrent requests cannot overshoot a cap on
// estimates (only by what actual costs exceed their estimates).
//
// Each method is one atomic step on the shared state with no read-modify-write split across
// calls, so that a shared back end can implement each as one server-side script (Redis EVAL).
// Periods roll over by the clock: a new period starts with nothing spent, and a reservation
// is settled (released and charged) against the period it was admitted in, even after that
// period has ended.
//
// Amounts are USD; implementations may round them (the in-process one to micro-dollars).
//
// @par Thread Safety
// Implementations are thread-safe. Arguments are not kept after a call returns.
class BudgetLedger {
 public:
  BudgetLedger() = default;
  BudgetLedger(const BudgetLedger&) = delete;
  BudgetLedger& operator=(const BudgetLedger&) = delete;
  BudgetLedger(BudgetLedger&&) = delete;
  BudgetLedger& operator=(BudgetLedger&&) = delete;
  virtual ~BudgetLedger() = default;

  // Reserves `estimated_usd` against every scope if, for every scope, spent + reserved +
  // estimate <= cap in its current period; otherwise reserves nothing and fails with
  // kResourceExhausted, reason "BUDGET_EXCEEDED", and details naming the first scope that
  // refused (scope, period, cap_usd, spent_usd, reserved_usd, estimated_usd, period_end).
  // Fails with kInvalidArgument for an empty request id or scope id, a negative or
  // non-finite amount, or the same (id, period) twice; with kAlreadyExists when a
  // reservation for `request_id` is still held. With no scopes the request is admitted and
  // holds no money. Every successful Reserve must be followed by one Reconcile or Release.
  virtual Result<Reservation> Reserve(std::span<const BudgetScope> scopes, double estimated_usd,
                                      std::string_view request_id) = 0;

  // Settles the reservation of `reservation.request_id`: releases what it held and charges
  // `actual_usd` (recorded in full even above the estimate; a negative or non-finite amount
  // counts as 0) to every scope, in the period each was reserved in. Returns the threshold
  // crossings. Settling a reservation that is not held does nothing (settled == false).
  virtual ReconcileResult Reconcile(const Reservation& reservation, double actual_usd) = 0;

  // Settles the reservation of a request that never ran: releases it, charges nothing.
  // Does nothing when the reservation is not held.
  virtual void Release(const Reservation& reservation) = 0;

  // The smallest cap - spent - reserved over `scopes` in their current periods, never below
  // 0: the most a request may be estimated at to be admitted now. +infinity with no scopes.
  virtual double Headroom(std::span<const BudgetScope> scopes) const = 0;

  // The account of `scope` in its current period.
  virtual BudgetStatus Status(const BudgetScope& scope) const = 0;
};

// The in-process BudgetLedger: accounts live in this process's memory, so caps are per
// replica. Amounts are kept as integer micro-dollars (rounded to nearest), so sums do not
// drift; amounts above 1e9 USD are capped there. Periods follow the clock's wall time (Now()).
//
// Memory: one account per (scope id, period) that has been reserved against, plus accounts
// of ended periods while reservations admitted in them are still held; an ended period's
// account is dropped once it holds none (its spending is then forgotten, and only the
// current period is ever reported). Plus one record per held reservation.
//
// @par Thread Safety
// Thread-safe: one mutex guards all state; every call holds it once and reads the clock
// under it (the clock must not call back into the ledger). The clock is borrowed and must
// outlive the ledger.
class InProcessBudgetLedger final : public BudgetLedger {
 public:
  explicit InProcessBudgetLedger(const Clock& clock);

  Result<Reservation> Reserve(std::span<const BudgetScope> scopes, double estimated_usd,
                              std::string_view request_id) override;
  ReconcileResult Reconcile(const Reservation& reservation, double actual_usd) override;
  void Release(const Reservation& reservation) override;
  double Headroom(std::span<const BudgetScope> scopes) const override;
  BudgetStatus Status(const BudgetScope& scope) const override;

  // Reservations currently held (for metrics and tests).
  std::size_t held_count() const;

 private:
  // Names one account: a scope's period starting at `start_ms` (Unix milliseconds).
  struct AccountKey {
    std::string scope_id{};
    BudgetPeriod period{BudgetPeriod::kMonthly};
    std::int64_t start_ms{0};
  };

  // The same, borrowing the id, for lookups without allocating.
  struct AccountKeyView {
    std::string_view scope_id{};
    BudgetPeriod period{BudgetPeriod::kMonthly};
    std::int64_t start_ms{0};
  };

  struct AccountKeyLess {
    using is_transparent = void;  // NOLINT(readability-identifier-naming): the std protocol name.

    static auto Tie(const AccountKey& key) {
      return std::tuple<std::string_view, BudgetPeriod, std::int64_t>(key.scope_id, key.period,
                                                                      key.start_ms);
    }

    static auto Tie(const AccountKeyView& key) {
      return std::tuple<std::string_view, BudgetPeriod, std::int64_t>(key.scope_id, key.period,
                                                                      key.start_ms);
    }

    template <typename A, typename B>
    bool operator()(const A& a, const B& b) const {
      return Tie(a) < Tie(b);
    }
  };

  struct Account {
    std::int64_t cap_micros{0};       // The cap last reserved against.
    std::int64_t spent_micros{0};     // Reconciled cost.
    std::int64_t reserved_micros{0};  // Held estimates.
    std::int64_t holds{0};            // Reservations held (a hold may be of 0 USD).
    int reported_percent{0};          // Highest threshold reported; 0 = none.
  };

  using AccountMap = std::map<AccountKey, Account, AccountKeyLess>;

  struct Held {
    std::int64_t amount_micros{0};
    std::vector<AccountKey> accounts{};
  };

  // The account named by the arguments, or nullptr.
  const Account* FindLocked(std::string_view scope_id, BudgetPeriod period,
                            std::int64_t start_ms) const;  // REQUIRES(mutex_)
  // Forgets the reservation held for `request_id` and settles it at `now`: releases what it
  // held and, when `charge`, charges `actual_micros` and reports threshold crossings.
  ReconcileResult SettleLocked(const std::string& request_id, std::int64_t actual_micros,
                               bool charge,
                               std::chrono::system_clock::time_point now);  // REQUIRES(mutex_)
  // Drops the accounts of periods of (id, period) before `start_ms` that hold nothing.
  void DropEndedLocked(std::string_view scope_id, BudgetPeriod period,
                       std::int64_t start_ms);  // REQUIRES(mutex_)

  const Clock& clock_;
  mutable std::mutex mutex_;
  AccountMap accounts_{};                         // GUARDED_BY(mutex_)
  std::unordered_map<std::string, Held> held_{};  // GUARDED_BY(mutex_), by request id.
};

}  // namespace amaima::limits
