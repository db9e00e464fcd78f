#include "amaima/limits/budget_ledger.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <latch>
#include <mutex>
#include <span>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "test/support/fake_clock.h"

namespace amaima::limits {
namespace {

// Every GoogleTest assertion counts as a branch for clang-tidy 14, which has no option to
// ignore macros; tests that check results field by field exceed the threshold without being
// complex.
// NOLINTBEGIN(readability-function-cognitive-complexity)

using std::chrono::system_clock;
using ::testing::ElementsAre;
using ::testing::Pair;

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

std::string DetailOf(const Error& error, const std::string& key) {
  for (const auto& [name, value] : error.details) {
    if (name == key) {
      return value;
    }
  }
  return "<missing>";
}

std::vector<int> PercentsOf(const ReconcileResult& result) {
  std::vector<int> percents;
  for (const BudgetThresholdEvent& event : result.events) {
    percents.push_back(event.threshold_percent);
  }
  return percents;
}

class InProcessBudgetLedgerTest : public ::testing::Test {
 protected:
  // Reserves `estimate` and reconciles it at `actual`; returns the reconcile result.
  ReconcileResult Spend(std::span<const BudgetScope> scopes, double estimate, double actual) {
    Result<Reservation> reservation = ledger_.Reserve(scopes, estimate, NextId());
    EXPECT_TRUE(reservation) << (reservation ? "" : reservation.error().message);
    if (!reservation) {
      return {};
    }
    return ledger_.Reconcile(*reservation, actual);
  }

  std::string NextId() { return "req-" + std::to_string(next_id_++); }

  testing::FakeClock clock_{Utc(2026, 3, 10, 12 * 60)};
  InProcessBudgetLedger ledger_{clock_};
  int next_id_{0};
};

TEST_F(InProcessBudgetLedgerTest, ReservesWhenEveryScopeHasRoom) {
  const std::vector<BudgetScope> scopes = {Monthly("org:o1", 10), Daily("key:k1", 5)};

  Result<Reservation> reservation = ledger_.Reserve(scopes, 3, "req-1");

  ASSERT_TRUE(reservation);
  EXPECT_EQ(reservation->request_id, "req-1");
  EXPECT_EQ(reservation->estimated_usd, 3);
  ASSERT_EQ(reservation->scopes.size(), 2U);
  EXPECT_EQ(reservation->scopes[0].scope_id, "org:o1");
  EXPECT_EQ(reservation->scopes[0].period_start, Utc(2026, 3, 1));
  EXPECT_EQ(reservation->scopes[1].period_start, Utc(2026, 3, 10));
  EXPECT_EQ(ledger_.Status(scopes[0]).reserved_usd, 3);
  EXPECT_EQ(ledger_.Status(scopes[1]).reserved_usd, 3);
  EXPECT_EQ(ledger_.Headroom(scopes), 2);
  EXPECT_EQ(ledger_.held_count(), 1U);
}

TEST_F(InProcessBudgetLedgerTest, RefusesAtomicallyWhenOneScopeLacksRoom) {
  const std::vector<BudgetScope> scopes = {Monthly("org:o1", 100), Daily("key:k1", 1)};
  ASSERT_TRUE(ledger_.Reserve(scopes, 0.6, "req-1"));

  Result<Reservation> refused = ledger_.Reserve(scopes, 0.5, "req-2");

  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, ErrorCode::kResourceExhausted);
  EXPECT_EQ(refused.error().reason, "BUDGET_EXCEEDED");
  EXPECT_EQ(DetailOf(refused.error(), "scope"), "key:k1");
  EXPECT_EQ(DetailOf(refused.error(), "period"), "daily");
  EXPECT_EQ(DetailOf(refused.error(), "cap_usd"), "1");
  EXPECT_EQ(DetailOf(refused.error(), "spent_usd"), "0");
  EXPECT_EQ(DetailOf(refused.error(), "reserved_usd"), "0.6");
  EXPECT_EQ(DetailOf(refused.error(), "estimated_usd"), "0.5");
  EXPECT_EQ(DetailOf(refused.error(), "period_end"), "2026-03-11T00:00:00.000Z");
  // The organisation, which had room, holds nothing for the refused request.
  EXPECT_DOUBLE_EQ(ledger_.Status(scopes[0]).reserved_usd, 0.6);
  EXPECT_EQ(ledger_.held_count(), 1U);
}

TEST_F(InProcessBudgetLedgerTest, AdmitsUpToTheCapExactly) {
  const std::vector<BudgetScope> scopes = {Monthly("org:o1", 0.3)};

  // 0.1 + 0.2 != 0.3 in binary floating point; in micro-dollars it is.
  const bool first = static_cast<bool>(ledger_.Reserve(scopes, 0.1, "a"));
  const bool second = static_cast<bool>(ledger_.Reserve(scopes, 0.2, "b"));
  const bool third = static_cast<bool>(ledger_.Reserve(scopes, 0.000001, "c"));

  EXPECT_TRUE(first);
  EXPECT_TRUE(second);
  EXPECT_FALSE(third);
  EXPECT_EQ(ledger_.Headroom(scopes), 0);
}

TEST_F(InProcessBudgetLedgerTest, ReconcileReplacesTheEstimateWithTheActualCost) {
  const std::vector<BudgetScope> scopes = {Monthly("org:o1", 10), Monthly("user:u1", 10)};
  Result<Reservation> reservation = ledger_.Reserve(scopes, 2, "req-1");
  ASSERT_TRUE(reservation);

  const ReconcileResult result = ledger_.Reconcile(*reservation, 1.5);

  EXPECT_TRUE(result.settled);
  EXPECT_TRUE(result.events.empty());
  for (const BudgetScope& scope : scopes) {
    const BudgetStatus status = ledger_.Status(scope);
    EXPECT_EQ(status.spent_usd, 1.5);
    EXPECT_EQ(status.reserved_usd, 0);
    EXPECT_EQ(status.cap_usd, 10);
  }
  EXPECT_EQ(ledger_.Headroom(scopes), 8.5);
  EXPECT_EQ(ledger_.held_count(), 0U);
}

TEST_F(InProcessBudgetLedgerTest, RecordsAnActualCostAboveTheEstimate) {
  const std::vector<BudgetScope> scopes = {Monthly("org:o1", 1)};
  Result<Reservation> reservation = ledger_.Reserve(scopes, 0.5, "req-1");
  ASSERT_TRUE(reservation);

  const ReconcileResult result = ledger_.Reconcile(*reservation, 3);
  Result<Reservation> free_request = ledger_.Reserve(scopes, 0, "req-2");

  EXPECT_EQ(ledger_.Status(scopes[0]).spent_usd, 3);
  EXPECT_THAT(PercentsOf(result), ElementsAre(100));
  EXPECT_EQ(ledger_.Headroom(scopes), 0);
  // Overspent: even a free request is refused until the period ends.
  ASSERT_FALSE(free_request);
  EXPECT_EQ(DetailOf(free_request.error(), "spent_usd"), "3");
}

TEST_F(InProcessBudgetLedgerTest, ReleaseChargesNothing) {
  const std::vector<BudgetScope> scopes = {Monthly("org:o1", 10)};
  Result<Reservation> reservation = ledger_.Reserve(scopes, 4, "req-1");
  ASSERT_TRUE(reservation);

  ledger_.Release(*reservation);

  const BudgetStatus status = ledger_.Status(scopes[0]);
  EXPECT_EQ(status.spent_usd, 0);
  EXPECT_EQ(status.reserved_usd, 0);
  EXPECT_EQ(ledger_.Headroom(scopes), 10);
  EXPECT_EQ(ledger_.held_count(), 0U);
}

TEST_F(InProcessBudgetLedgerTest, SettlingTwiceChangesNothing) {
  const std::vector<BudgetScope> scopes = {Monthly("org:o1", 10)};
  Result<Reservation> reservation = ledger_.Reserve(scopes, 4, "req-1");
  ASSERT_TRUE(reservation);
  ASSERT_TRUE(ledger_.Reserve(scopes, 1, "req-2"));
  ASSERT_TRUE(ledger_.Reconcile(*reservation, 4).settled);

  const ReconcileResult again = ledger_.Reconcile(*reservation, 4);
  ledger_.Release(*reservation);

  EXPECT_FALSE(again.settled);
  const BudgetStatus status = ledger_.Status(scopes[0]);
  EXPECT_EQ(status.spent_usd, 4);
  EXPECT_EQ(status.reserved_usd, 1);  // req-2's hold is untouched
}

TEST_F(InProcessBudgetLedgerTest, ARequestIdHoldsOneReservationAtATime) {
  const std::vector<BudgetScope> scopes = {Monthly("org:o1", 10)};
  Result<Reservation> first = ledger_.Reserve(scopes, 1, "req-1");
  ASSERT_TRUE(first);

  Result<Reservation> duplicate = ledger_.Reserve(scopes, 1, "req-1");
  ledger_.Release(*first);
  Result<Reservation> after_release = ledger_.Reserve(scopes, 1, "req-1");

  ASSERT_FALSE(duplicate);
  EXPECT_EQ(duplicate.error().code, ErrorCode::kAlreadyExists);
  EXPECT_TRUE(after_release);
  EXPECT_EQ(ledger_.Status(scopes[0]).reserved_usd, 1);
}

TEST_F(InProcessBudgetLedgerTest, RefusesInvalidArguments) {
  const std::vector<BudgetScope> scopes = {Monthly("org:o1", 10)};
  const std::vector<BudgetScope> twice = {Monthly("org:o1", 10), Monthly("org:o1", 20)};
  const std::vector<BudgetScope> both_periods = {Monthly("org:o1", 10), Daily("org:o1", 2)};
  const std::vector<BudgetScope> negative_cap = {Monthly("org:o1", -1)};
  const std::vector<BudgetScope> no_id = {Monthly("", 1)};

  EXPECT_EQ(ledger_.Reserve(scopes, 1, "").error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(ledger_.Reserve(scopes, -1, "a").error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(ledger_.Reserve(scopes, std::nan(""), "b").error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(ledger_.Reserve(twice, 1, "c").error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(ledger_.Reserve(negative_cap, 1, "d").error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(ledger_.Reserve(no_id, 1, "e").error().code, ErrorCode::kInvalidArgument);
  EXPECT_TRUE(ledger_.Reserve(both_periods, 1, "f"));
  EXPECT_EQ(ledger_.held_count(), 1U);
}

TEST_F(InProcessBudgetLedgerTest, NoScopesAdmitsEverything) {
  Result<Reservation> reservation = ledger_.Reserve({}, 5, "req-1");

  ASSERT_TRUE(reservation);
  EXPECT_TRUE(reservation->scopes.empty());
  EXPECT_TRUE(ledger_.Reconcile(*reservation, 5).settled);
  EXPECT_TRUE(std::isinf(ledger_.Headroom({})));
}

TEST_F(InProcessBudgetLedgerTest, ACapOfZeroAdmitsOnlyFreeRequests) {
  const std::vector<BudgetScope> scopes = {Monthly("agent:a1", 0)};

  EXPECT_FALSE(ledger_.Reserve(scopes, 0.000001, "a"));
  EXPECT_TRUE(Spend(scopes, 0, 0).events.empty());
}

TEST_F(InProcessBudgetLedgerTest, ReportsEachThresholdOnceAsSpendingCrossesIt) {
  const std::vector<BudgetScope> scopes = {Monthly("org:o1", 100)};
  std::vector<std::vector<int>> reported;

  for (double actual : {40.0, 10.0, 20.0, 15.0, 5.0, 5.0, 4.0, 1.0, 10.0}) {
    reported.push_back(PercentsOf(Spend(scopes, 0, actual)));
  }

  // Spent: 40, 50, 70, 85, 90, 95, 99, 100, 110.
  EXPECT_THAT(reported, ElementsAre(ElementsAre(), ElementsAre(50), ElementsAre(), ElementsAre(80),
                                    ElementsAre(), ElementsAre(95), ElementsAre(), ElementsAre(100),
                                    ElementsAre()));
}

TEST_F(InProcessBudgetLedgerTest, AJumpReportsOnlyTheHighestThresholdCrossed) {
  const std::vector<BudgetScope> scopes = {Daily("key:k1", 10)};

  const ReconcileResult jump = Spend(scopes, 1, 9.6);
  const ReconcileResult small = Spend(scopes, 0, 0.1);
  const ReconcileResult exhausted = Spend(scopes, 0, 0.3);

  ASSERT_EQ(jump.events.size(), 1U);
  const BudgetThresholdEvent& event = jump.events[0];
  EXPECT_EQ(event.scope_id, "key:k1");
  EXPECT_EQ(event.period, BudgetPeriod::kDaily);
  EXPECT_EQ(event.period_start, Utc(2026, 3, 10));
  EXPECT_EQ(event.threshold_percent, 95);
  EXPECT_EQ(event.severity, BudgetSeverity::kCritical);
  EXPECT_DOUBLE_EQ(event.spent_usd, 9.6);
  EXPECT_EQ(event.cap_usd, 10);
  EXPECT_TRUE(small.events.empty());
  ASSERT_EQ(exhausted.events.size(), 1U);
  EXPECT_EQ(exhausted.events[0].severity, BudgetSeverity::kExhausted);
  EXPECT_DOUBLE_EQ(exhausted.events[0].spent_usd, 10);
}

TEST_F(InProcessBudgetLedgerTest, ThresholdsAreTrackedPerScopeAndPeriod) {
  const std::vector<BudgetScope> scopes = {Monthly("org:o1", 100), Daily("org:o1", 10),
                                           Monthly("key:k1", 10)};

  const ReconcileResult first = Spend(scopes, 1, 5);
  const ReconcileResult second = Spend(scopes, 1, 3);

  ASSERT_EQ(first.events.size(), 2U);
  EXPECT_EQ(first.events[0].scope_id, "org:o1");
  EXPECT_EQ(first.events[0].period, BudgetPeriod::kDaily);
  EXPECT_EQ(first.events[0].severity, BudgetSeverity::kWarning);
  EXPECT_EQ(first.events[1].scope_id, "key:k1");
  EXPECT_EQ(first.events[1].severity, BudgetSeverity::kWarning);
  ASSERT_EQ(second.events.size(), 2U);
  EXPECT_EQ(second.events[0].threshold_percent, 80);
  EXPECT_EQ(second.events[1].threshold_percent, 80);
}

TEST_F(InProcessBudgetLedgerTest, ANewDayStartsWithNothingSpent) {
  const std::vector<BudgetScope> scopes = {Daily("key:k1", 10)};
  clock_.Advance(std::chrono::minutes(11 * 60 + 59));  // 23:59 UTC
  ASSERT_EQ(PercentsOf(Spend(scopes, 1, 6)), std::vector<int>{50});

  const BudgetStatus before = ledger_.Status(scopes[0]);
  clock_.Advance(std::chrono::minutes(1));
  const BudgetStatus after = ledger_.Status(scopes[0]);
  const ReconcileResult next_day = Spend(scopes, 1, 6);

  EXPECT_EQ(before.spent_usd, 6);
  EXPECT_EQ(before.period_start, Utc(2026, 3, 10));
  EXPECT_EQ(before.period_end, Utc(2026, 3, 11));
  EXPECT_EQ(after.spent_usd, 0);
  EXPECT_EQ(after.period_start, Utc(2026, 3, 11));
  EXPECT_EQ(after.period_end, Utc(2026, 3, 12));
  EXPECT_EQ(ledger_.Headroom(scopes), 4);
  // Thresholds are reported again in the new period.
  EXPECT_THAT(PercentsOf(next_day), ElementsAre(50));
}

TEST_F(InProcessBudgetLedgerTest, ANewMonthStartsWithNothingSpent) {
  testing::FakeClock clock(Utc(2026, 2, 28, 23 * 60 + 30));
  InProcessBudgetLedger ledger(clock);
  const std::vector<BudgetScope> scopes = {Monthly("org:o1", 100)};
  Result<Reservation> reservation = ledger.Reserve(scopes, 10, "req-1");
  ASSERT_TRUE(reservation);
  static_cast<void>(ledger.Reconcile(*reservation, 60));

  clock.Advance(std::chrono::minutes(29));
  const BudgetStatus february = ledger.Status(scopes[0]);
  clock.Advance(std::chrono::minutes(1));
  const BudgetStatus march = ledger.Status(scopes[0]);

  EXPECT_EQ(february.spent_usd, 60);
  EXPECT_EQ(february.period_start, Utc(2026, 2, 1));
  EXPECT_EQ(february.period_end, Utc(2026, 3, 1));
  EXPECT_EQ(march.spent_usd, 0);
  EXPECT_EQ(march.period_start, Utc(2026, 3, 1));
  EXPECT_EQ(march.period_end, Utc(2026, 4, 1));
  EXPECT_EQ(ledger.Headroom(scopes), 100);
}

TEST_F(InProcessBudgetLedgerTest, AReservationIsSettledInThePeriodItWasAdmittedIn) {
  const std::vector<BudgetScope> scopes = {Daily("key:k1", 10), Monthly("org:o1", 1000)};
  clock_.Advance(std::chrono::minutes(11 * 60 + 59));  // 23:59 on 10 March
  Result<Reservation> late = ledger_.Reserve(scopes, 8, "req-late");
  ASSERT_TRUE(late);

  clock_.Advance(std::chrono::minutes(2));  // 00:01 on 11 March
  const double headroom_next_day = ledger_.Headroom(scopes);
  const BudgetStatus next_day_before = ledger_.Status(scopes[0]);
  const ReconcileResult settled = ledger_.Reconcile(*late, 9);
  const BudgetStatus next_day_after = ledger_.Status(scopes[0]);
  const BudgetStatus month = ledger_.Status(scopes[1]);

  // The old day's hold does not count against the new day...
  EXPECT_EQ(headroom_next_day, 10);
  EXPECT_EQ(next_day_before.reserved_usd, 0);
  // ...and its actual cost is charged to the day it was admitted in, which crossed 80 %.
  ASSERT_TRUE(settled.settled);
  ASSERT_EQ(settled.events.size(), 1U);
  EXPECT_EQ(settled.events[0].scope_id, "key:k1");
  EXPECT_EQ(settled.events[0].period_start, Utc(2026, 3, 10));
  EXPECT_EQ(settled.events[0].threshold_percent, 80);
  EXPECT_DOUBLE_EQ(settled.events[0].spent_usd, 9);
  EXPECT_EQ(next_day_after.spent_usd, 0);
  EXPECT_EQ(next_day_after.reserved_usd, 0);
  EXPECT_EQ(month.spent_usd, 9);  // same month
  EXPECT_EQ(month.reserved_usd, 0);
}

TEST_F(InProcessBudgetLedgerTest, LastMonthsHoldDoesNotCountAgainstTheNewMonth) {
  const std::vector<BudgetScope> scopes = {Monthly("org:o1", 10)};
  testing::FakeClock clock(Utc(2026, 1, 31, 23 * 60 + 59));
  InProcessBudgetLedger ledger(clock);
  Result<Reservation> january = ledger.Reserve(scopes, 10, "req-1");
  ASSERT_TRUE(january);
  clock.Advance(std::chrono::minutes(1));

  Result<Reservation> february = ledger.Reserve(scopes, 10, "req-2");
  ledger.Release(*january);
  Result<Reservation> february_full = ledger.Reserve(scopes, 0.01, "req-3");

  EXPECT_TRUE(february);
  EXPECT_FALSE(february_full);
  EXPECT_EQ(ledger.Status(scopes[0]).reserved_usd, 10);
  EXPECT_EQ(ledger.held_count(), 1U);
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

TEST_F(InProcessBudgetLedgerTest, ConcurrentReservationsNeverExceedTheCap) {
  constexpr int kThreads = 16;
  constexpr int kAttempts = 250;
  const std::vector<BudgetScope> scopes = {Monthly("org:o1", 20), Daily("key:k1", 1'000)};
  std::atomic<std::int64_t> admitted_micros{0};
  std::atomic<int> admitted{0};
  std::vector<std::vector<Reservation>> held(kThreads);
  std::latch start(kThreads);

  // Phase 1: everybody reserves and nobody settles; estimates vary from 0.01 to 0.05.
  std::vector<std::thread> threads;
  threads.reserve(kThreads);
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      start.arrive_and_wait();
      for (int i = 0; i < kAttempts; ++i) {
        const std::int64_t micros = std::int64_t{10'000} * (1 + (t + i) % 5);
        const std::string id = "t" + std::to_string(t) + "-" + std::to_string(i);
        Result<Reservation> reservation =
            ledger_.Reserve(scopes, static_cast<double>(micros) / 1e6, id);
        if (reservation) {
          admitted_micros.fetch_add(micros);
          admitted.fetch_add(1);
          held[t].push_back(std::move(*reservation));
        } else {
          EXPECT_EQ(reservation.error().reason, "BUDGET_EXCEEDED");
        }
      }
    });
  }
  for (std::thread& thread : threads) {
    thread.join();
  }
  const std::int64_t admitted_before_settling = admitted_micros.load();
  const double reserved = ledger_.Status(scopes[0]).reserved_usd;

  // Phase 2: everybody reconciles at actual = estimate, concurrently.
  std::mutex events_mutex;
  std::vector<int> events;
  threads.clear();
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (const Reservation& reservation : held[t]) {
        const ReconcileResult result = ledger_.Reconcile(reservation, reservation.estimated_usd);
        EXPECT_TRUE(result.settled);
        std::lock_guard<std::mutex> lock(events_mutex);
        for (const BudgetThresholdEvent& event : result.events) {
          if (event.scope_id == "org:o1") {
            events.push_back(event.threshold_percent);
          }
        }
      }
    });
  }
  for (std::thread& thread : threads) {
    thread.join();
  }

  EXPECT_LE(admitted_before_settling, 20'000'000);
  // Demand (about 120 USD) far exceeds the cap: the cap must have been nearly filled.
  EXPECT_GT(admitted_before_settling, 20'000'000 - 50'000);
  EXPECT_DOUBLE_EQ(reserved, static_cast<double>(admitted_before_settling) / 1e6);
  const BudgetStatus status = ledger_.Status(scopes[0]);
  EXPECT_DOUBLE_EQ(status.spent_usd, static_cast<double>(admitted_before_settling) / 1e6);
  EXPECT_LE(status.spent_usd, 20);
  EXPECT_EQ(status.reserved_usd, 0);
  EXPECT_EQ(ledger_.held_count(), 0U);
  // Spending climbed past 50, 80 and 95 % from below: each reported exactly once.
  std::sort(events.begin(), events.end());
  ASSERT_GE(events.size(), 3U);
  EXPECT_THAT(std::vector<int>(events.begin(), events.begin() + 3), ElementsAre(50, 80, 95));
  EXPECT_LE(events.size(), 4U);
}

TEST_F(InProcessBudgetLedgerTest, InterleavedReserveAndReconcileEndsWithinTheCap) {
  constexpr int kThreads = 16;
  constexpr int kAttempts = 300;
  const std::vector<BudgetScope> scopes = {Monthly("org:o1", 5), Daily("user:u1", 1'000)};
  std::atomic<int> admitted{0};
  std::mutex events_mutex;
  std::vector<std::pair<std::string, int>> events;
  std::latch start(kThreads);

  std::vector<std::thread> threads;
  threads.reserve(kThreads);
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      start.arrive_and_wait();
      for (int i = 0; i < kAttempts; ++i) {
        Result<Reservation> reservation =
            ledger_.Reserve(scopes, 0.01, "t" + std::to_string(t) + "-" + std::to_string(i));
        if (!reservation) {
          continue;
        }
        admitted.fetch_add(1);
        const ReconcileResult result = ledger_.Reconcile(*reservation, 0.01);
        std::lock_guard<std::mutex> lock(events_mutex);
        for (const BudgetThresholdEvent& event : result.events) {
          events.emplace_back(event.scope_id, event.threshold_percent);
        }
      }
    });
  }
  for (std::thread& thread : threads) {
    thread.join();
  }

  // 4800 attempts at 0.01 against a cap of 5: exactly 500 fit, since each is charged its
  // estimate.
  EXPECT_EQ(admitted.load(), 500);
  EXPECT_EQ(ledger_.Status(scopes[0]).spent_usd, 5);
  EXPECT_EQ(ledger_.Status(scopes[0]).reserved_usd, 0);
  std::sort(events.begin(), events.end());
  EXPECT_THAT(events, ElementsAre(Pair("org:o1", 50), Pair("org:o1", 80), Pair("org:o1", 95),
                                  Pair("org:o1", 100)));
}

// NOLINTEND(readability-function-cognitive-complexity)

}  // namespace
}  // namespace amaima::limits
