#include "amaima/limits/budget_ledger.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>
#include <utility>

#include "amaima/core/check.h"
#include "amaima/limits/budget_rules.h"

namespace amaima::limits {
namespace {

using internal::BudgetExceeded;
using internal::FormatUsd;
using internal::FromMillis;
using internal::kMaxMicros;
using internal::kMaxUsd;
using internal::kMicrosPerUsd;
using internal::SeverityOf;
using internal::ToMicros;
using internal::ToUsd;
using internal::ValidateReserve;

// Highest first: a call reports only the highest threshold it crossed.
constexpr std::array<int, 4> kThresholdPercents = {100, 95, 80, 50};

// The highest threshold (percent of `cap`) that `spent` has reached, or 0. Nothing spent
// reaches nothing, even against a cap of 0.
int ReachedPercent(std::int64_t spent, std::int64_t cap) {
  if (spent <= 0) {
    return 0;
  }
  for (int percent : kThresholdPercents) {
    if (spent * 100 >= percent * cap) {
      return percent;
    }
  }
  return 0;
}

std::int64_t StartMillis(BudgetPeriod period, std::chrono::system_clock::time_point now) {
  return UnixMillis(BudgetPeriodAt(period, now).start);
}

}  // namespace

std::string_view BudgetPeriodName(BudgetPeriod period) {
  switch (period) {
    case BudgetPeriod::kDaily:
      return "daily";
    case BudgetPeriod::kMonthly:
      return "monthly";
  }
  return "unknown";
}

std::string_view BudgetSeverityName(BudgetSeverity severity) {
  switch (severity) {
    case BudgetSeverity::kWarning:
      return "warning";
    case BudgetSeverity::kAlert:
      return "alert";
    case BudgetSeverity::kCritical:
      return "critical";
    case BudgetSeverity::kExhausted:
      return "exhausted";
  }
  return "unknown";
}

BudgetPeriodBounds BudgetPeriodAt(BudgetPeriod period, std::chrono::system_clock::time_point t) {
  const std::chrono::sys_days day = std::chrono::floor<std::chrono::days>(t);
  if (period == BudgetPeriod::kDaily) {
    return {day, day + std::chrono::days(1)};
  }
  const std::chrono::year_month_day date(day);
  const std::chrono::year_month_day first = date.year() / date.month() / std::chrono::day(1);
  const std::chrono::year_month_day next = first + std::chrono::months(1);
  return {static_cast<std::chrono::sys_days>(first), static_cast<std::chrono::sys_days>(next)};
}

InProcessBudgetLedger::InProcessBudgetLedger(const Clock& clock) : clock_(clock) {}

const InProcessBudgetLedger::Account* InProcessBudgetLedger::FindLocked(
    std::string_view scope_id, BudgetPeriod period, std::int64_t start_ms) const {
  auto it = accounts_.find(AccountKeyView{scope_id, period, start_ms});
  return it == accounts_.end() ? nullptr : &it->second;
}

void InProcessBudgetLedger::DropEndedLocked(std::string_view scope_id, BudgetPeriod period,
                                            std::int64_t start_ms) {
  auto it = accounts_.lower_bound(
      AccountKeyView{scope_id, period, std::numeric_limits<std::int64_t>::min()});
  while (it != accounts_.end() && it->first.scope_id == scope_id && it->first.period == period
         && it->first.start_ms < start_ms) {
    it = it->second.holds == 0 ? accounts_.erase(it) : std::next(it);
  }
}

Result<Reservation> InProcessBudgetLedger::Reserve(std::span<const BudgetScope> scopes,
                                                   double estimated_usd,
                                                   std::string_view request_id) {
  if (auto valid = ValidateReserve(scopes, estimated_usd, request_id); !valid) {
    return valid.error();
  }
  const std::int64_t estimate = ToMicros(estimated_usd);
  Reservation reservation{std::string(request_id), estimated_usd, {}};
  reservation.scopes.reserve(scopes.size());
  Held held{estimate, {}};
  held.accounts.reserve(scopes.size());

  std::lock_guard<std::mutex> lock(mutex_);
  // The time is read under the lock, so that calls see periods roll over in the order they
  // hold it.
  const auto now = clock_.Now();
  for (const BudgetScope& scope : scopes) {
    reservation.scopes.push_back(
        ScopeReservation{scope.id, scope.period, BudgetPeriodAt(scope.period, now).start});
  }
  if (held_.contains(reservation.request_id)) {
    return Fail(ErrorCode::kAlreadyExists,
                "budget reservation: request " + reservation.request_id + " already holds one");
  }
  // Check every scope before holding anything: all or nothing.
  for (std::size_t i = 0; i < scopes.size(); ++i) {
    const BudgetScope& scope = scopes[i];
    const std::int64_t start_ms = UnixMillis(reservation.scopes[i].period_start);
    const Account* account = FindLocked(scope.id, scope.period, start_ms);
    const std::int64_t spent = account == nullptr ? 0 : account->spent_micros;
    const std::int64_t reserved = account == nullptr ? 0 : account->reserved_micros;
    const std::int64_t cap = ToMicros(scope.cap_usd);
    if (spent + reserved + estimate > cap) {
      return BudgetExceeded(scope, BudgetPeriodAt(scope.period, now).end, cap, spent, reserved,
                            estimate);
    }
  }
  for (std::size_t i = 0; i < scopes.size(); ++i) {
    const BudgetScope& scope = scopes[i];
    AccountKey key{scope.id, scope.period, UnixMillis(reservation.scopes[i].period_start)};
    auto it = accounts_.find(key);
    if (it == accounts_.end()) {
      // A scope's first reservation in a new period: its ended periods that hold nothing
      // are of no further use.
      DropEndedLocked(key.scope_id, key.period, key.start_ms);
      it = accounts_.emplace(key, Account{}).first;
    }
    Account& account = it->second;
    account.cap_micros = ToMicros(scope.cap_usd);
    account.reserved_micros += estimate;
    ++account.holds;
    held.accounts.push_back(std::move(key));
  }
  held_.emplace(reservation.request_id, std::move(held));
  return reservation;
}

ReconcileResult InProcessBudgetLedger::SettleLocked(const std::string& request_id,
                                                    std::int64_t actual_micros, bool charge,
                                                    std::chrono::system_clock::time_point now) {
  ReconcileResult result;
  auto held_it = held_.find(request_id);
  if (held_it == held_.end()) {
    return result;
  }
  const Held held = std::move(held_it->second);
  held_.erase(held_it);
  result.settled = true;

  for (const AccountKey& key : held.accounts) {
    auto it = accounts_.find(key);
    // An account is dropped only once it holds no reservation, and this one held ours.
    AMAIMA_CHECK(it != accounts_.end());
    Account& account = it->second;
    account.reserved_micros -= held.amount_micros;
    --account.holds;
    AMAIMA_DCHECK(account.reserved_micros >= 0 && account.holds >= 0);
    if (charge) {
      account.spent_micros = std::min(kMaxMicros, account.spent_micros + actual_micros);
      const int reached = ReachedPercent(account.spent_micros, account.cap_micros);
      if (reached > account.reported_percent) {
        account.reported_percent = reached;
        result.events.push_back(BudgetThresholdEvent{
            key.scope_id, key.period, FromMillis(key.start_ms), reached, SeverityOf(reached),
            ToUsd(account.spent_micros), ToUsd(account.cap_micros)});
      }
    }
    if (account.holds == 0 && key.start_ms < StartMillis(key.period, now)) {
      accounts_.erase(it);  // An ended period with nothing left to settle.
    }
  }
  return result;
}

ReconcileResult InProcessBudgetLedger::Reconcile(const Reservation& reservation,
                                                 double actual_usd) {
  const std::int64_t actual = std::isfinite(actual_usd) ? ToMicros(actual_usd) : 0;
  std::lock_guard<std::mutex> lock(mutex_);
  return SettleLocked(reservation.request_id, actual, /*charge=*/true, clock_.Now());
}

void InProcessBudgetLedger::Release(const Reservation& reservation) {
  std::lock_guard<std::mutex> lock(mutex_);
  // Releasing charges nothing, so there are no events to report.
  static_cast<void>(SettleLocked(reservation.request_id, 0, /*charge=*/false, clock_.Now()));
}

double InProcessBudgetLedger::Headroom(std::span<const BudgetScope> scopes) const {
  if (scopes.empty()) {
    return std::numeric_limits<double>::infinity();
  }
  std::int64_t headroom = std::numeric_limits<std::int64_t>::max();
  std::lock_guard<std::mutex> lock(mutex_);
  const auto now = clock_.Now();
  for (const BudgetScope& scope : scopes) {
    const Account* account = FindLocked(scope.id, scope.period, StartMillis(scope.period, now));
    const std::int64_t used =
        account == nullptr ? 0 : account->spent_micros + account->reserved_micros;
    headroom = std::min(headroom, ToMicros(scope.cap_usd) - used);
  }
  return ToUsd(std::max<std::int64_t>(0, headroom));
}

BudgetStatus InProcessBudgetLedger::Status(const BudgetScope& scope) const {
  std::lock_guard<std::mutex> lock(mutex_);
  const BudgetPeriodBounds bounds = BudgetPeriodAt(scope.period, clock_.Now());
  const Account* account = FindLocked(scope.id, scope.period, UnixMillis(bounds.start));
  BudgetStatus status;
  status.spent_usd = account == nullptr ? 0 : ToUsd(account->spent_micros);
  status.reserved_usd = account == nullptr ? 0 : ToUsd(account->reserved_micros);
  status.cap_usd = scope.cap_usd;
  status.period_start = bounds.start;
  status.period_end = bounds.end;
  return status;
}

std::size_t InProcessBudgetLedger::held_count() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return held_.size();
}

}  // namespace amaima::limits
