#include "amaima/limits/budget_ledger.h"

#include <chrono>
#include <string>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include "test/support/fake_clock.h"

namespace amaima::limits {
namespace {

// Every GoogleTest assertion counts as a branch for clang-tidy 14, which has no option to
// ignore macros; tests that check results field by field exceed the threshold without being
// complex.
// NOLINTBEGIN(readability-function-cognitive-complexity)

using std::chrono::system_clock;

// 00:00 UTC plus `minutes` on the given date.
system_clock::time_point Utc(int year, unsigned month, unsigned day, int minutes = 0) {
  return std::chrono::sys_days(std::chrono::year(year) / std::chrono::month(month)
                               / std::chrono::day(day))
         + std::chrono::minutes(minutes);
}

BudgetScope Monthly(std::string id, double cap) {
  return BudgetScope{std::move(id), cap, BudgetPeriod::kMonthly};
}

BudgetScope Daily(std::string id, double cap) {
  return BudgetScope{std::move(id), cap, BudgetPeriod::kDaily};
}

// The contract (reservations, thresholds, periods, concurrency) is tested against every back
// end in limits_conformance_test.cc; this is about what only the in-process ledger reports.

TEST(InProcessBudgetLedgerTest, HeldCountTracksReservationsUntilSettled) {
  testing::FakeClock clock(Utc(2026, 3, 10, 12 * 60));
  InProcessBudgetLedger ledger(clock);
  const std::vector<BudgetScope> scopes = {Monthly("org:o1", 10), Daily("key:k1", 5)};

  Result<Reservation> first = ledger.Reserve(scopes, 3, "req-1");
  Result<Reservation> second = ledger.Reserve(scopes, 1, "req-2");
  Result<Reservation> refused = ledger.Reserve(scopes, 2, "req-3");
  Result<Reservation> duplicate = ledger.Reserve(scopes, 0, "req-1");
  Result<Reservation> invalid = ledger.Reserve(scopes, -1, "req-4");
  const std::size_t held = ledger.held_count();
  ASSERT_TRUE(first && second);
  static_cast<void>(ledger.Reconcile(*first, 3));
  const std::size_t after_reconcile = ledger.held_count();
  ledger.Release(*second);

  EXPECT_FALSE(refused);
  EXPECT_FALSE(duplicate);
  EXPECT_FALSE(invalid);
  EXPECT_EQ(held, 2U);
  EXPECT_EQ(after_reconcile, 1U);
  EXPECT_EQ(ledger.held_count(), 0U);
}

TEST(BudgetPeriodTest, DaysAndMonthsAreUtcCalendarPeriods) {
  struct Case {
    system_clock::time_point at;
    BudgetPeriod period;
    system_clock::time_point start;
    system_clock::time_point end;
  };

  const std::vector<Case> cases = {
      {Utc(2026, 3, 10, 12 * 60), BudgetPeriod::kDaily, Utc(2026, 3, 10), Utc(2026, 3, 11)},
      {Utc(2026, 3, 10), BudgetPeriod::kDaily, Utc(2026, 3, 10), Utc(2026, 3, 11)},
      {Utc(2026, 3, 11) - std::chrono::milliseconds(1), BudgetPeriod::kDaily, Utc(2026, 3, 10),
       Utc(2026, 3, 11)},
      {Utc(2026, 12, 31, 23 * 60), BudgetPeriod::kDaily, Utc(2026, 12, 31), Utc(2027, 1, 1)},
      {Utc(2026, 1, 31, 60), BudgetPeriod::kMonthly, Utc(2026, 1, 1), Utc(2026, 2, 1)},
      {Utc(2026, 2, 14), BudgetPeriod::kMonthly, Utc(2026, 2, 1), Utc(2026, 3, 1)},      // 28 days
      {Utc(2024, 2, 29, 60), BudgetPeriod::kMonthly, Utc(2024, 2, 1), Utc(2024, 3, 1)},  // leap
      {Utc(2026, 4, 30, 23 * 60), BudgetPeriod::kMonthly, Utc(2026, 4, 1), Utc(2026, 5, 1)},
      {Utc(2026, 12, 31, 23 * 60), BudgetPeriod::kMonthly, Utc(2026, 12, 1), Utc(2027, 1, 1)},
      {Utc(1969, 12, 31, 60), BudgetPeriod::kMonthly, Utc(1969, 12, 1), Utc(1970, 1, 1)},
  };

  for (const Case& c : cases) {
    const BudgetPeriodBounds bounds = BudgetPeriodAt(c.period, c.at);

    EXPECT_EQ(bounds.start, c.start) << FormatRfc3339(c.at);
    EXPECT_EQ(bounds.end, c.end) << FormatRfc3339(c.at);
  }
}

TEST(BudgetPeriodTest, NamesPeriodsAndSeverities) {
  EXPECT_EQ(BudgetPeriodName(BudgetPeriod::kDaily), "daily");
  EXPECT_EQ(BudgetPeriodName(BudgetPeriod::kMonthly), "monthly");
  EXPECT_EQ(BudgetSeverityName(BudgetSeverity::kWarning), "warning");
  EXPECT_EQ(BudgetSeverityName(BudgetSeverity::kAlert), "alert");
  EXPECT_EQ(BudgetSeverityName(BudgetSeverity::kCritical), "critical");
  EXPECT_EQ(BudgetSeverityName(BudgetSeverity::kExhausted), "exhausted");
}

// NOLINTEND(readability-function-cognitive-complexity)

}  // namespace
}  // namespace amaima::limits
