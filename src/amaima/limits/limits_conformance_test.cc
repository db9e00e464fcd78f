// The contract of RateLimiter, BudgetLedger and RevocationList, run against every back end:
// the in-process implementations and the Redis ones (a real redis-server on loopback, see
// test/support/redis_server.h). Implementation-specific tests live next to each
// implementation (rate_limiter_test.cc, budget_ledger_test.cc, redis/*_test.cc).

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <latch>
#include <memory>
#include <mutex>
#include <ostream>
#include <span>
#include <string>
#include <thread>
#include <tuple>
#include <utility>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "amaima/limits/budget_ledger.h"
#include "amaima/limits/rate_limiter.h"
#include "amaima/limits/redis/redis_budget_ledger.h"
#include "amaima/limits/redis/redis_client.h"
#include "amaima/limits/redis/redis_rate_limiter.h"
#include "amaima/limits/redis/redis_revocation_list.h"
#include "amaima/limits/revocation_list.h"
#include "test/support/fake_clock.h"
#include "test/support/redis_server.h"

namespace amaima::limits {
namespace {

// Every GoogleTest assertion counts as a branch for clang-tidy 14, which has no option to
// ignore macros; tests that check results field by field exceed the threshold without being
// complex.
// NOLINTBEGIN(readability-function-cognitive-complexity)

using std::chrono::milliseconds;
using std::chrono::system_clock;
using ::testing::ElementsAre;
using ::testing::Pair;

enum class Backend : std::uint8_t { kInProcess, kRedis };

std::string BackendName(Backend backend) {
  return backend == Backend::kInProcess ? "InProcess" : "Redis";
}

// For GoogleTest's messages ("where GetParam() = Redis").
void PrintTo(Backend backend, std::ostream* os) {
  *os << BackendName(backend);
}

// Makes the implementations under test for one test. For Redis: the process's shared
// redis-server, and a fresh key prefix for every object made, so that two objects never share
// state unless a test means them to (as in-process objects never do).
class BackendTest : public ::testing::Test {
 protected:
  virtual Backend backend() const = 0;

  void SetUp() override {
    if (backend() != Backend::kRedis) {
      return;
    }
    if (!testing::RedisServer::Available()) {
      if (testing::RedisServer::Required()) {
        FAIL() << "AMAIMA_REQUIRE_REDIS=1 but " << testing::RedisServer::Binary()
               << " is missing (apt-get install redis-server)";
      }
      GTEST_SKIP() << testing::RedisServer::Binary()
                   << " is missing; set AMAIMA_REQUIRE_REDIS=1 to fail instead";
    }
    Result<RedisOptions> options = ParseRedisUrl(testing::SharedRedisServer().url());
    ASSERT_TRUE(options);
    client_ = std::make_unique<RedisClient>(*options);
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    prefix_ = std::string("conformance:") + info->test_suite_name() + "." + info->name() + ":";
  }

  // A prefix of its own for the next object.
  std::string NextPrefix() { return prefix_ + std::to_string(objects_++) + ":"; }

  std::unique_ptr<RateLimiter> MakeRateLimiter(const Clock& clock) {
    if (backend() == Backend::kInProcess) {
      return std::make_unique<InProcessRateLimiter>(clock);
    }
    RedisRateLimiterOptions options;
    options.key_prefix = NextPrefix();
    // The fake clock runs ahead of real time: keep buckets from expiring under a test.
    options.expiry_margin = std::chrono::hours(1);
    return std::make_unique<RedisRateLimiter>(*client_, clock, options);
  }

  std::unique_ptr<BudgetLedger> MakeLedger(const Clock& clock) {
    if (backend() == Backend::kInProcess) {
      return std::make_unique<InProcessBudgetLedger>(clock);
    }
    RedisBudgetLedgerOptions options;
    options.key_prefix = NextPrefix();
    return std::make_unique<RedisBudgetLedger>(*client_, clock, options);
  }

  std::unique_ptr<RevocationList> MakeRevocationList(const Clock& clock) {
    if (backend() == Backend::kInProcess) {
      return std::make_unique<InProcessRevocationList>(clock);
    }
    RedisRevocationListOptions options;
    options.key_prefix = NextPrefix();
    return std::make_unique<RedisRevocationList>(*client_, clock, options);
  }

 private:
  std::unique_ptr<RedisClient> client_{};
  std::string prefix_{};
  int objects_{0};
};

std::string ParamName(const ::testing::TestParamInfo<Backend>& info) {
  return BackendName(info.param);
}

// ---------------------------------------------------------------------------------------
// RateLimiter

constexpr milliseconds kMinute(60'000);
constexpr milliseconds kHour(3'600'000);

RateLimitRule Rule(std::string name, double limit, milliseconds window, double burst = 1) {
  return RateLimitRule{std::move(name), limit, window, burst};
}

class RateLimiterConformanceTest : public BackendTest,
                                   public ::testing::WithParamInterface<Backend> {
 protected:
  Backend backend() const override { return GetParam(); }

  void SetUp() override {
    BackendTest::SetUp();
    if (!IsSkipped() && !HasFatalFailure()) {
      limiter_ = MakeRateLimiter(clock_);
    }
  }

  testing::FakeClock clock_;
  std::unique_ptr<RateLimiter> limiter_;
};

INSTANTIATE_TEST_SUITE_P(Backends, RateLimiterConformanceTest,
                         ::testing::Values(Backend::kInProcess, Backend::kRedis), ParamName);

TEST_P(RateLimiterConformanceTest, AFreshKeyAdmitsTheBurstThenRefuses) {
  const std::vector<RateLimitRule> rules = {Rule("minute", 10, kMinute, 2)};

  for (int i = 0; i < 20; ++i) {
    const RateLimitResult result = limiter_->Acquire("key:a", rules);
    ASSERT_TRUE(result.allowed) << i;
    EXPECT_DOUBLE_EQ(result.remaining, 19 - i);
  }
  const RateLimitResult refused = limiter_->Acquire("key:a", rules);

  EXPECT_FALSE(refused.allowed);
  EXPECT_EQ(refused.limit, 10);
  EXPECT_EQ(refused.window, kMinute);
  EXPECT_EQ(refused.remaining, 0);
  EXPECT_EQ(refused.retry_after, milliseconds(6'000));
}

TEST_P(RateLimiterConformanceTest, RefillsContinuouslyAtLimitPerWindow) {
  const std::vector<RateLimitRule> rules = {Rule("minute", 60, kMinute)};
  for (int i = 0; i < 60; ++i) {
    ASSERT_TRUE(limiter_->Acquire("key:a", rules).allowed);
  }

  const RateLimitResult empty = limiter_->Acquire("key:a", rules);
  clock_.Advance(milliseconds(999));
  const RateLimitResult almost = limiter_->Acquire("key:a", rules);
  clock_.Advance(milliseconds(1));
  const RateLimitResult refilled = limiter_->Acquire("key:a", rules);
  const RateLimitResult again = limiter_->Acquire("key:a", rules);

  EXPECT_FALSE(empty.allowed);
  EXPECT_EQ(empty.retry_after, milliseconds(1'000));
  EXPECT_FALSE(almost.allowed);
  EXPECT_EQ(almost.retry_after, milliseconds(1));
  EXPECT_NEAR(almost.remaining, 0.999, 1e-12);
  EXPECT_TRUE(refilled.allowed);
  EXPECT_EQ(refilled.retry_after, milliseconds(0));
  EXPECT_EQ(refilled.remaining, 0);
  EXPECT_FALSE(again.allowed);
}

TEST_P(RateLimiterConformanceTest, RefillStopsAtCapacity) {
  const std::vector<RateLimitRule> rules = {Rule("minute", 6, kMinute, 1.5)};
  ASSERT_TRUE(limiter_->Acquire("key:a", rules).allowed);

  clock_.Advance(kHour);
  const RateLimitResult result = limiter_->Acquire("key:a", rules);

  EXPECT_TRUE(result.allowed);
  EXPECT_DOUBLE_EQ(result.remaining, 8);  // capacity 9, less this call
}

TEST_P(RateLimiterConformanceTest, ResetIsWhenTheBucketIsFullAgain) {
  const std::vector<RateLimitRule> rules = {Rule("minute", 60, kMinute)};

  const RateLimitResult result = limiter_->Acquire("key:a", rules, 30);

  EXPECT_TRUE(result.allowed);
  EXPECT_EQ(result.remaining, 30);
  EXPECT_EQ(result.reset_after, milliseconds(30'000));
  EXPECT_EQ(result.reset_at, clock_.Now() + milliseconds(30'000));
  EXPECT_EQ(result.retry_after, milliseconds(0));
}

TEST_P(RateLimiterConformanceTest, AFullBucketResetsNow) {
  const std::vector<RateLimitRule> rules = {Rule("minute", 60, kMinute)};

  const RateLimitResult result = limiter_->Acquire("key:a", rules, 0);

  EXPECT_TRUE(result.allowed);
  EXPECT_EQ(result.remaining, 60);
  EXPECT_EQ(result.reset_after, milliseconds(0));
  EXPECT_EQ(result.reset_at, clock_.Now());
}

TEST_P(RateLimiterConformanceTest, ACostOfZeroOnlyReports) {
  const std::vector<RateLimitRule> rules = {Rule("minute", 60, kMinute)};
  ASSERT_TRUE(limiter_->Acquire("key:a", rules, 10).allowed);

  const RateLimitResult first = limiter_->Acquire("key:a", rules, 0);
  const RateLimitResult second = limiter_->Acquire("key:a", rules, 0);

  EXPECT_TRUE(first.allowed);
  EXPECT_EQ(first.remaining, 50);
  EXPECT_EQ(first.reset_after, milliseconds(10'000));
  EXPECT_EQ(second.remaining, 50);
}

TEST_P(RateLimiterConformanceTest, ARefusalByOneRuleConsumesFromNone) {
  const std::vector<RateLimitRule> rules = {Rule("minute", 5, kMinute), Rule("hour", 8, kHour)};
  ASSERT_TRUE(limiter_->Acquire("user:u1", rules, 5).allowed);

  const RateLimitResult by_minute = limiter_->Acquire("user:u1", rules);
  clock_.Advance(kMinute);
  const RateLimitResult second_burst = limiter_->Acquire("user:u1", rules, 3);
  const RateLimitResult by_hour = limiter_->Acquire("user:u1", rules);
  const RateLimitResult minute_intact =
      limiter_->Acquire("user:u1", std::span<const RateLimitRule>(rules).first(1), 0);

  EXPECT_FALSE(by_minute.allowed);
  EXPECT_EQ(by_minute.rule_index, 0U);
  EXPECT_EQ(by_minute.retry_after, milliseconds(12'000));
  // The refusal took nothing from the hour bucket: 3 tokens left, plus a minute's refill.
  ASSERT_TRUE(second_burst.allowed);
  EXPECT_EQ(second_burst.rule_index, 1U);
  EXPECT_NEAR(second_burst.remaining, 8.0 / 60, 1e-12);
  EXPECT_FALSE(by_hour.allowed);
  EXPECT_EQ(by_hour.rule_index, 1U);
  EXPECT_EQ(by_hour.limit, 8);
  EXPECT_EQ(by_hour.window, kHour);
  EXPECT_EQ(by_hour.retry_after, milliseconds(390'000));  // (1 - 8/60) tokens at 450 s each
  // Nor did the refusal by the hour rule take anything from the minute bucket.
  EXPECT_EQ(minute_intact.remaining, 2);
}

TEST_P(RateLimiterConformanceTest, ReportsTheRuleClosestToExhaustion) {
  const std::vector<RateLimitRule> rules = {Rule("minute", 60, kMinute), Rule("hour", 100, kHour)};

  const RateLimitResult first = limiter_->Acquire("key:a", rules);
  ASSERT_TRUE(limiter_->Acquire("key:a", rules, 59).allowed);
  clock_.Advance(kMinute);
  const RateLimitResult later = limiter_->Acquire("key:a", rules);

  EXPECT_EQ(first.rule_index, 0U);
  EXPECT_EQ(first.limit, 60);
  EXPECT_EQ(first.remaining, 59);
  EXPECT_EQ(later.rule_index, 1U);
  EXPECT_EQ(later.limit, 100);
  EXPECT_NEAR(later.remaining, 40 + 100.0 / 60 - 1, 1e-9);
  EXPECT_EQ(later.reset_after, milliseconds(2'136'000));  // 59.33 tokens at 36 s each
}

TEST_P(RateLimiterConformanceTest, ACostAboveOneTakesThatManyTokens) {
  const std::vector<RateLimitRule> rules = {Rule("minute", 10, kMinute)};

  const RateLimitResult first = limiter_->Acquire("key:a", rules, 4);
  const RateLimitResult second = limiter_->Acquire("key:a", rules, 4);
  const RateLimitResult third = limiter_->Acquire("key:a", rules, 4);
  const RateLimitResult fits = limiter_->Acquire("key:a", rules, 2);

  EXPECT_TRUE(first.allowed);
  EXPECT_EQ(first.remaining, 6);
  EXPECT_TRUE(second.allowed);
  EXPECT_EQ(second.remaining, 2);
  EXPECT_FALSE(third.allowed);
  EXPECT_EQ(third.remaining, 2);
  EXPECT_EQ(third.retry_after, milliseconds(12'000));  // 2 more tokens at 6 s each
  EXPECT_TRUE(fits.allowed);
  EXPECT_EQ(fits.remaining, 0);
}

TEST_P(RateLimiterConformanceTest, ACostAboveCapacityIsNeverAdmittedAndTakesNothing) {
  const std::vector<RateLimitRule> rules = {Rule("minute", 10, kMinute, 2),
                                            Rule("hour", 100, kHour)};

  const RateLimitResult result = limiter_->Acquire("key:a", rules, 21);
  const RateLimitResult after = limiter_->Acquire("key:a", rules, 0);

  EXPECT_FALSE(result.allowed);
  EXPECT_EQ(result.rule_index, 0U);
  EXPECT_EQ(result.retry_after, kRetryNever);
  EXPECT_EQ(after.rule_index, 0U);
  EXPECT_EQ(after.remaining, 20);
}

TEST_P(RateLimiterConformanceTest, NoRulesAdmitsEverything) {
  const RateLimitResult result = limiter_->Acquire("key:a", {}, 1000);

  EXPECT_TRUE(result.allowed);
  EXPECT_EQ(result.limit, 0);
  EXPECT_EQ(result.retry_after, milliseconds(0));
}

TEST_P(RateLimiterConformanceTest, KeysHaveTheirOwnBuckets) {
  const std::vector<RateLimitRule> rules = {Rule("minute", 1, kMinute)};

  EXPECT_TRUE(limiter_->Acquire("key:a", rules).allowed);
  EXPECT_FALSE(limiter_->Acquire("key:a", rules).allowed);
  EXPECT_TRUE(limiter_->Acquire("ip:127.0.0.1", rules).allowed);
  EXPECT_TRUE(limiter_->Acquire("user:u1", rules).allowed);
  EXPECT_FALSE(limiter_->Acquire("user:u1", rules).allowed);
}

TEST_P(RateLimiterConformanceTest, ALowerCapacityCapsTheStoredTokens) {
  const std::vector<RateLimitRule> generous = {Rule("minute", 100, kMinute)};
  const std::vector<RateLimitRule> strict = {Rule("minute", 10, kMinute)};
  ASSERT_TRUE(limiter_->Acquire("key:a", generous).allowed);

  const RateLimitResult result = limiter_->Acquire("key:a", strict);

  EXPECT_TRUE(result.allowed);
  EXPECT_EQ(result.remaining, 9);
}

TEST_P(RateLimiterConformanceTest, ARuleLeftOutKeepsItsBucket) {
  const std::vector<RateLimitRule> both = {Rule("minute", 10, kMinute), Rule("hour", 20, kHour)};
  ASSERT_TRUE(limiter_->Acquire("key:a", both, 5).allowed);

  const RateLimitResult minute_only =
      limiter_->Acquire("key:a", std::span<const RateLimitRule>(both).first(1), 5);
  const RateLimitResult report = limiter_->Acquire("key:a", both, 0);

  ASSERT_TRUE(minute_only.allowed);
  EXPECT_EQ(minute_only.remaining, 0);
  EXPECT_EQ(report.rule_index, 0U);
  EXPECT_EQ(report.remaining, 0);
  EXPECT_EQ(limiter_->Acquire("key:a", std::span<const RateLimitRule>(both).last(1), 0).remaining,
            15);
}

TEST_P(RateLimiterConformanceTest, AFrozenClockAdmitsExactlyTheCapacityUnderContention) {
  const std::vector<RateLimitRule> rules = {Rule("minute", 50, kMinute, 2),
                                            Rule("hour", 1'000, kHour)};
  constexpr int kThreads = 16;
  constexpr int kAttempts = 100;
  std::atomic<int> admitted{0};
  std::latch start(kThreads);

  std::vector<std::thread> threads;
  threads.reserve(kThreads);
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&] {
      start.arrive_and_wait();
      for (int i = 0; i < kAttempts; ++i) {
        if (limiter_->Acquire("key:shared", rules).allowed) {
          admitted.fetch_add(1, std::memory_order_relaxed);
        }
      }
    });
  }
  for (std::thread& thread : threads) {
    thread.join();
  }

  EXPECT_EQ(admitted.load(), 100);  // capacity 50 * 2
  EXPECT_EQ(limiter_->Acquire("key:shared", rules, 0).remaining, 0);
}

// Bucket arithmetic, table-driven: drain `taken` tokens from a fresh bucket, wait, then ask
// for `cost`.
struct ArithmeticCase {
  const char* label{""};
  double limit{0};
  milliseconds window{0};
  double burst{1};
  double taken{0};
  milliseconds wait{0};
  double cost{1};
  bool allowed{false};
  double remaining{0};
  milliseconds retry_after{0};
  milliseconds reset_after{0};
};

class RateLimiterArithmeticTest
    : public BackendTest,
      public ::testing::WithParamInterface<std::tuple<ArithmeticCase, Backend>> {
 protected:
  Backend backend() const override { return std::get<1>(GetParam()); }
};

TEST_P(RateLimiterArithmeticTest, MatchesTheTokenBucketFormula) {
  const ArithmeticCase& c = std::get<0>(GetParam());
  testing::FakeClock clock;
  std::unique_ptr<RateLimiter> limiter = MakeRateLimiter(clock);
  const std::vector<RateLimitRule> rules = {Rule("r", c.limit, c.window, c.burst)};
  if (c.taken > 0) {
    ASSERT_TRUE(limiter->Acquire("k", rules, c.taken).allowed);
  }
  clock.Advance(c.wait);

  const RateLimitResult result = limiter->Acquire("k", rules, c.cost);

  EXPECT_EQ(result.allowed, c.allowed);
  EXPECT_NEAR(result.remaining, c.remaining, 1e-9);
  EXPECT_EQ(result.retry_after, c.retry_after);
  EXPECT_EQ(result.reset_after, c.reset_after);
}

INSTANTIATE_TEST_SUITE_P(
    Cases, RateLimiterArithmeticTest,
    ::testing::Combine(
        ::testing::Values(
            // 1 token per second, capacity 60.
            ArithmeticCase{"drained", 60, kMinute, 1, 60, milliseconds(0), 1, false, 0,
                           milliseconds(1'000), milliseconds(60'000)},
            ArithmeticCase{"half_refilled", 60, kMinute, 1, 60, milliseconds(500), 1, false, 0.5,
                           milliseconds(500), milliseconds(59'500)},
            ArithmeticCase{"cost_three", 60, kMinute, 1, 60, milliseconds(0), 3, false, 0,
                           milliseconds(3'000), milliseconds(60'000)},
            ArithmeticCase{"after_cost", 60, kMinute, 1, 58, milliseconds(2'000), 4, true, 0,
                           milliseconds(0), milliseconds(60'000)},
            // Burst 3: capacity 30 at 10 per minute, one token per 6 s.
            ArithmeticCase{"burst", 10, kMinute, 3, 25, milliseconds(0), 6, false, 5,
                           milliseconds(6'000), milliseconds(150'000)},
            ArithmeticCase{"burst_refill", 10, kMinute, 3, 30, milliseconds(180'000), 30, true, 0,
                           milliseconds(0), milliseconds(180'000)},
            // 1000 per hour: 3.6 s per token.
            ArithmeticCase{"hourly", 1000, kHour, 1, 1000, milliseconds(1'800), 1, false, 0.5,
                           milliseconds(1'800), milliseconds(3'598'200)},
            // One token per 7 s: a wait of 1/7 token rounds up to the millisecond.
            ArithmeticCase{"thirds", 3, milliseconds(21'000), 1, 3, milliseconds(6'000), 1, false,
                           6.0 / 7, milliseconds(1'000), milliseconds(15'000)},
            ArithmeticCase{"fractional", 3, milliseconds(20'000), 1, 3, milliseconds(1), 1, false,
                           0.00015, milliseconds(6'666), milliseconds(19'999)},
            // Fractional limits and costs.
            ArithmeticCase{"half_token_cost", 2.5, milliseconds(10'000), 1, 2, milliseconds(0), 0.5,
                           true, 0, milliseconds(0), milliseconds(10'000)},
            ArithmeticCase{"fractional_burst", 0.5, kMinute, 4, 2, milliseconds(30'000), 0.3, false,
                           0.25, milliseconds(6'000), milliseconds(210'000)}),
        ::testing::Values(Backend::kInProcess, Backend::kRedis)),
    [](const ::testing::TestParamInfo<std::tuple<ArithmeticCase, Backend>>& param_info) {
      return std::string(std::get<0>(param_info.param).label) + "_"
             + BackendName(std::get<1>(param_info.param));
    });

// ---------------------------------------------------------------------------------------
// BudgetLedger

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

class BudgetLedgerConformanceTest : public BackendTest,
                                    public ::testing::WithParamInterface<Backend> {
 protected:
  Backend backend() const override { return GetParam(); }

  void SetUp() override {
    BackendTest::SetUp();
    if (!IsSkipped() && !HasFatalFailure()) {
      ledger_ = MakeLedger(clock_);
    }
  }

  // Reserves `estimate` and reconciles it at `actual`; returns the reconcile result.
  ReconcileResult Spend(std::span<const BudgetScope> scopes, double estimate, double actual) {
    Result<Reservation> reservation = ledger_->Reserve(scopes, estimate, NextId());
    EXPECT_TRUE(reservation) << (reservation ? "" : reservation.error().message);
    if (!reservation) {
      return {};
    }
    return ledger_->Reconcile(*reservation, actual);
  }

  std::string NextId() { return "req-" + std::to_string(next_id_++); }

  testing::FakeClock clock_{Utc(2026, 3, 10, 12 * 60)};
  std::unique_ptr<BudgetLedger> ledger_;
  int next_id_{0};
};

INSTANTIATE_TEST_SUITE_P(Backends, BudgetLedgerConformanceTest,
                         ::testing::Values(Backend::kInProcess, Backend::kRedis), ParamName);

TEST_P(BudgetLedgerConformanceTest, ReservesWhenEveryScopeHasRoom) {
  const std::vector<BudgetScope> scopes = {Monthly("org:o1", 10), Daily("key:k1", 5)};

  Result<Reservation> reservation = ledger_->Reserve(scopes, 3, "req-1");

  ASSERT_TRUE(reservation);
  EXPECT_EQ(reservation->request_id, "req-1");
  EXPECT_EQ(reservation->estimated_usd, 3);
  ASSERT_EQ(reservation->scopes.size(), 2U);
  EXPECT_EQ(reservation->scopes[0].scope_id, "org:o1");
  EXPECT_EQ(reservation->scopes[0].period, BudgetPeriod::kMonthly);
  EXPECT_EQ(reservation->scopes[0].period_start, Utc(2026, 3, 1));
  EXPECT_EQ(reservation->scopes[1].period_start, Utc(2026, 3, 10));
  EXPECT_EQ(ledger_->Status(scopes[0]).reserved_usd, 3);
  EXPECT_EQ(ledger_->Status(scopes[1]).reserved_usd, 3);
  EXPECT_EQ(ledger_->Headroom(scopes), 2);
}

TEST_P(BudgetLedgerConformanceTest, RefusesAtomicallyWhenOneScopeLacksRoom) {
  const std::vector<BudgetScope> scopes = {Monthly("org:o1", 100), Daily("key:k1", 1)};
  ASSERT_TRUE(ledger_->Reserve(scopes, 0.6, "req-1"));

  Result<Reservation> refused = ledger_->Reserve(scopes, 0.5, "req-2");

  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, ErrorCode::kResourceExhausted);
  EXPECT_EQ(refused.error().reason, "BUDGET_EXCEEDED");
  EXPECT_EQ(refused.error().message,
            "the daily budget of key:k1 (1 USD) cannot admit a request estimated at 0.5 USD");
  EXPECT_EQ(DetailOf(refused.error(), "scope"), "key:k1");
  EXPECT_EQ(DetailOf(refused.error(), "period"), "daily");
  EXPECT_EQ(DetailOf(refused.error(), "cap_usd"), "1");
  EXPECT_EQ(DetailOf(refused.error(), "spent_usd"), "0");
  EXPECT_EQ(DetailOf(refused.error(), "reserved_usd"), "0.6");
  EXPECT_EQ(DetailOf(refused.error(), "estimated_usd"), "0.5");
  EXPECT_EQ(DetailOf(refused.error(), "period_end"), "2026-03-11T00:00:00.000Z");
  // The organisation, which had room, holds nothing for the refused request.
  EXPECT_DOUBLE_EQ(ledger_->Status(scopes[0]).reserved_usd, 0.6);
  // Nor is req-2 held: it may reserve again once there is room.
  EXPECT_TRUE(ledger_->Reserve(scopes, 0.4, "req-2"));
}

TEST_P(BudgetLedgerConformanceTest, AdmitsUpToTheCapExactly) {
  const std::vector<BudgetScope> scopes = {Monthly("org:o1", 0.3)};

  // 0.1 + 0.2 != 0.3 in binary floating point; in micro-dollars it is.
  const bool first = static_cast<bool>(ledger_->Reserve(scopes, 0.1, "a"));
  const bool second = static_cast<bool>(ledger_->Reserve(scopes, 0.2, "b"));
  const bool third = static_cast<bool>(ledger_->Reserve(scopes, 0.000001, "c"));

  EXPECT_TRUE(first);
  EXPECT_TRUE(second);
  EXPECT_FALSE(third);
  EXPECT_EQ(ledger_->Headroom(scopes), 0);
}

TEST_P(BudgetLedgerConformanceTest, RoundsAmountsToMicroDollars) {
  const std::vector<BudgetScope> scopes = {Monthly("org:o1", 1)};

  Result<Reservation> reservation = ledger_->Reserve(scopes, 0.0000004, "a");
  ASSERT_TRUE(reservation);
  const double reserved = ledger_->Status(scopes[0]).reserved_usd;
  static_cast<void>(ledger_->Reconcile(*reservation, 0.1234567));

  EXPECT_EQ(reserved, 0);
  EXPECT_DOUBLE_EQ(ledger_->Status(scopes[0]).spent_usd, 0.123457);
}

TEST_P(BudgetLedgerConformanceTest, ReconcileReplacesTheEstimateWithTheActualCost) {
  const std::vector<BudgetScope> scopes = {Monthly("org:o1", 10), Monthly("user:u1", 10)};
  Result<Reservation> reservation = ledger_->Reserve(scopes, 2, "req-1");
  ASSERT_TRUE(reservation);

  const ReconcileResult result = ledger_->Reconcile(*reservation, 1.5);

  EXPECT_TRUE(result.settled);
  EXPECT_TRUE(result.events.empty());
  for (const BudgetScope& scope : scopes) {
    const BudgetStatus status = ledger_->Status(scope);
    EXPECT_EQ(status.spent_usd, 1.5);
    EXPECT_EQ(status.reserved_usd, 0);
    EXPECT_EQ(status.cap_usd, 10);
  }
  EXPECT_EQ(ledger_->Headroom(scopes), 8.5);
}

TEST_P(BudgetLedgerConformanceTest, RecordsAnActualCostAboveTheEstimate) {
  const std::vector<BudgetScope> scopes = {Monthly("org:o1", 1)};
  Result<Reservation> reservation = ledger_->Reserve(scopes, 0.5, "req-1");
  ASSERT_TRUE(reservation);

  const ReconcileResult result = ledger_->Reconcile(*reservation, 3);
  Result<Reservation> free_request = ledger_->Reserve(scopes, 0, "req-2");

  EXPECT_EQ(ledger_->Status(scopes[0]).spent_usd, 3);
  EXPECT_THAT(PercentsOf(result), ElementsAre(100));
  EXPECT_EQ(ledger_->Headroom(scopes), 0);
  // Overspent: even a free request is refused until the period ends.
  ASSERT_FALSE(free_request);
  EXPECT_EQ(DetailOf(free_request.error(), "spent_usd"), "3");
}

TEST_P(BudgetLedgerConformanceTest, ANegativeOrNonFiniteActualCostChargesNothing) {
  const std::vector<BudgetScope> scopes = {Monthly("org:o1", 10)};
  Result<Reservation> negative = ledger_->Reserve(scopes, 1, "req-1");
  Result<Reservation> nan = ledger_->Reserve(scopes, 1, "req-2");
  ASSERT_TRUE(negative);
  ASSERT_TRUE(nan);

  EXPECT_TRUE(ledger_->Reconcile(*negative, -5).settled);
  EXPECT_TRUE(ledger_->Reconcile(*nan, std::nan("")).settled);

  const BudgetStatus status = ledger_->Status(scopes[0]);
  EXPECT_EQ(status.spent_usd, 0);
  EXPECT_EQ(status.reserved_usd, 0);
}

TEST_P(BudgetLedgerConformanceTest, ReleaseChargesNothing) {
  const std::vector<BudgetScope> scopes = {Monthly("org:o1", 10)};
  Result<Reservation> reservation = ledger_->Reserve(scopes, 4, "req-1");
  ASSERT_TRUE(reservation);

  ledger_->Release(*reservation);

  const BudgetStatus status = ledger_->Status(scopes[0]);
  EXPECT_EQ(status.spent_usd, 0);
  EXPECT_EQ(status.reserved_usd, 0);
  EXPECT_EQ(ledger_->Headroom(scopes), 10);
  EXPECT_FALSE(ledger_->Reconcile(*reservation, 4).settled);
}

TEST_P(BudgetLedgerConformanceTest, SettlingTwiceChangesNothing) {
  const std::vector<BudgetScope> scopes = {Monthly("org:o1", 10)};
  Result<Reservation> reservation = ledger_->Reserve(scopes, 4, "req-1");
  ASSERT_TRUE(reservation);
  ASSERT_TRUE(ledger_->Reserve(scopes, 1, "req-2"));
  ASSERT_TRUE(ledger_->Reconcile(*reservation, 4).settled);

  const ReconcileResult again = ledger_->Reconcile(*reservation, 4);
  ledger_->Release(*reservation);

  EXPECT_FALSE(again.settled);
  EXPECT_TRUE(again.events.empty());
  const BudgetStatus status = ledger_->Status(scopes[0]);
  EXPECT_EQ(status.spent_usd, 4);
  EXPECT_EQ(status.reserved_usd, 1);  // req-2's hold is untouched
}

TEST_P(BudgetLedgerConformanceTest, ARequestIdHoldsOneReservationAtATime) {
  const std::vector<BudgetScope> scopes = {Monthly("org:o1", 10)};
  Result<Reservation> first = ledger_->Reserve(scopes, 1, "req-1");
  ASSERT_TRUE(first);

  Result<Reservation> duplicate = ledger_->Reserve(scopes, 1, "req-1");
  ledger_->Release(*first);
  Result<Reservation> after_release = ledger_->Reserve(scopes, 1, "req-1");

  ASSERT_FALSE(duplicate);
  EXPECT_EQ(duplicate.error().code, ErrorCode::kAlreadyExists);
  EXPECT_TRUE(after_release);
  EXPECT_EQ(ledger_->Status(scopes[0]).reserved_usd, 1);
}

TEST_P(BudgetLedgerConformanceTest, RefusesInvalidArguments) {
  const std::vector<BudgetScope> scopes = {Monthly("org:o1", 10)};
  const std::vector<BudgetScope> twice = {Monthly("org:o1", 10), Monthly("org:o1", 20)};
  const std::vector<BudgetScope> both_periods = {Monthly("org:o1", 10), Daily("org:o1", 2)};
  const std::vector<BudgetScope> negative_cap = {Monthly("org:o1", -1)};
  const std::vector<BudgetScope> infinite_cap = {Monthly("org:o1", INFINITY)};
  const std::vector<BudgetScope> no_id = {Monthly("", 1)};

  EXPECT_EQ(ledger_->Reserve(scopes, 1, "").error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(ledger_->Reserve(scopes, -1, "a").error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(ledger_->Reserve(scopes, std::nan(""), "b").error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(ledger_->Reserve(twice, 1, "c").error().message,
            "budget reservation: scope org:o1 (monthly) is given twice");
  EXPECT_EQ(ledger_->Reserve(negative_cap, 1, "d").error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(ledger_->Reserve(infinite_cap, 1, "d").error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(ledger_->Reserve(no_id, 1, "e").error().code, ErrorCode::kInvalidArgument);
  EXPECT_TRUE(ledger_->Reserve(both_periods, 1, "f"));
  // Nothing invalid was held: the monthly account holds only f's dollar.
  EXPECT_EQ(ledger_->Status(scopes[0]).reserved_usd, 1);
}

TEST_P(BudgetLedgerConformanceTest, NoScopesAdmitsEverything) {
  Result<Reservation> reservation = ledger_->Reserve({}, 5, "req-1");

  ASSERT_TRUE(reservation);
  EXPECT_TRUE(reservation->scopes.empty());
  EXPECT_EQ(ledger_->Reserve({}, 5, "req-1").error().code, ErrorCode::kAlreadyExists);
  EXPECT_TRUE(ledger_->Reconcile(*reservation, 5).settled);
  EXPECT_TRUE(std::isinf(ledger_->Headroom({})));
}

TEST_P(BudgetLedgerConformanceTest, ACapOfZeroAdmitsOnlyFreeRequests) {
  const std::vector<BudgetScope> scopes = {Monthly("agent:a1", 0)};

  EXPECT_FALSE(ledger_->Reserve(scopes, 0.000001, "a"));
  EXPECT_TRUE(Spend(scopes, 0, 0).events.empty());
}

TEST_P(BudgetLedgerConformanceTest, ReportsEachThresholdOnceAsSpendingCrossesIt) {
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

TEST_P(BudgetLedgerConformanceTest, ThresholdsAreExactAtLargeAmounts) {
  // Near the 1e9 USD ceiling, spent * 100 and percent * cap in micro-dollars exceed 2^53: here
  // 94999999999999900 < 94999999999999905, which doubles cannot tell apart.
  const std::vector<BudgetScope> scopes = {Monthly("org:big", 999'999'999.999999)};

  const ReconcileResult below = Spend(scopes, 0, 949'999'999.999999);
  const ReconcileResult at = Spend(scopes, 0, 0.000001);

  EXPECT_THAT(PercentsOf(below), ElementsAre(80));
  EXPECT_THAT(PercentsOf(at), ElementsAre(95));
  EXPECT_EQ(ledger_->Status(scopes[0]).spent_usd, 950'000'000);
}

TEST_P(BudgetLedgerConformanceTest, AJumpReportsOnlyTheHighestThresholdCrossed) {
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

TEST_P(BudgetLedgerConformanceTest, ThresholdsAreTrackedPerScopeAndPeriod) {
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

TEST_P(BudgetLedgerConformanceTest, ScopeIdsMayContainSeparators) {
  const std::vector<BudgetScope> scopes = {Monthly("user:a:b", 10), Monthly("user:a", 10)};

  const ReconcileResult result = Spend(scopes, 1, 6);

  ASSERT_EQ(result.events.size(), 2U);
  EXPECT_EQ(result.events[0].scope_id, "user:a:b");
  EXPECT_EQ(result.events[1].scope_id, "user:a");
  EXPECT_EQ(ledger_->Status(scopes[0]).spent_usd, 6);
}

TEST_P(BudgetLedgerConformanceTest, ANewDayStartsWithNothingSpent) {
  const std::vector<BudgetScope> scopes = {Daily("key:k1", 10)};
  clock_.Advance(std::chrono::minutes(11 * 60 + 59));  // 23:59 UTC
  ASSERT_EQ(PercentsOf(Spend(scopes, 1, 6)), std::vector<int>{50});

  const BudgetStatus before = ledger_->Status(scopes[0]);
  clock_.Advance(std::chrono::minutes(1));
  const BudgetStatus after = ledger_->Status(scopes[0]);
  const ReconcileResult next_day = Spend(scopes, 1, 6);

  EXPECT_EQ(before.spent_usd, 6);
  EXPECT_EQ(before.period_start, Utc(2026, 3, 10));
  EXPECT_EQ(before.period_end, Utc(2026, 3, 11));
  EXPECT_EQ(after.spent_usd, 0);
  EXPECT_EQ(after.period_start, Utc(2026, 3, 11));
  EXPECT_EQ(after.period_end, Utc(2026, 3, 12));
  EXPECT_EQ(ledger_->Headroom(scopes), 4);
  // Thresholds are reported again in the new period.
  EXPECT_THAT(PercentsOf(next_day), ElementsAre(50));
}

TEST_P(BudgetLedgerConformanceTest, ANewMonthStartsWithNothingSpent) {
  testing::FakeClock clock(Utc(2026, 2, 28, 23 * 60 + 30));
  std::unique_ptr<BudgetLedger> ledger = MakeLedger(clock);
  const std::vector<BudgetScope> scopes = {Monthly("org:o1", 100)};
  Result<Reservation> reservation = ledger->Reserve(scopes, 10, "req-1");
  ASSERT_TRUE(reservation);
  static_cast<void>(ledger->Reconcile(*reservation, 60));

  clock.Advance(std::chrono::minutes(29));
  const BudgetStatus february = ledger->Status(scopes[0]);
  clock.Advance(std::chrono::minutes(1));
  const BudgetStatus march = ledger->Status(scopes[0]);

  EXPECT_EQ(february.spent_usd, 60);
  EXPECT_EQ(february.period_start, Utc(2026, 2, 1));
  EXPECT_EQ(february.period_end, Utc(2026, 3, 1));
  EXPECT_EQ(march.spent_usd, 0);
  EXPECT_EQ(march.period_start, Utc(2026, 3, 1));
  EXPECT_EQ(march.period_end, Utc(2026, 4, 1));
  EXPECT_EQ(ledger->Headroom(scopes), 100);
}

TEST_P(BudgetLedgerConformanceTest, AReservationIsSettledInThePeriodItWasAdmittedIn) {
  const std::vector<BudgetScope> scopes = {Daily("key:k1", 10), Monthly("org:o1", 1000)};
  clock_.Advance(std::chrono::minutes(11 * 60 + 59));  // 23:59 on 10 March
  Result<Reservation> late = ledger_->Reserve(scopes, 8, "req-late");
  ASSERT_TRUE(late);

  clock_.Advance(std::chrono::minutes(2));  // 00:01 on 11 March
  const double headroom_next_day = ledger_->Headroom(scopes);
  const BudgetStatus next_day_before = ledger_->Status(scopes[0]);
  const ReconcileResult settled = ledger_->Reconcile(*late, 9);
  const BudgetStatus next_day_after = ledger_->Status(scopes[0]);
  const BudgetStatus month = ledger_->Status(scopes[1]);

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

TEST_P(BudgetLedgerConformanceTest, LastMonthsHoldDoesNotCountAgainstTheNewMonth) {
  const std::vector<BudgetScope> scopes = {Monthly("org:o1", 10)};
  testing::FakeClock clock(Utc(2026, 1, 31, 23 * 60 + 59));
  std::unique_ptr<BudgetLedger> ledger = MakeLedger(clock);
  Result<Reservation> january = ledger->Reserve(scopes, 10, "req-1");
  ASSERT_TRUE(january);
  clock.Advance(std::chrono::minutes(1));

  Result<Reservation> february = ledger->Reserve(scopes, 10, "req-2");
  ledger->Release(*january);
  Result<Reservation> february_full = ledger->Reserve(scopes, 0.01, "req-3");

  EXPECT_TRUE(february);
  EXPECT_FALSE(february_full);
  EXPECT_EQ(ledger->Status(scopes[0]).reserved_usd, 10);
}

TEST_P(BudgetLedgerConformanceTest, ConcurrentReservationsNeverExceedTheCap) {
  constexpr int kThreads = 16;
  constexpr int kAttempts = 250;
  const std::vector<BudgetScope> scopes = {Monthly("org:o1", 20), Daily("key:k1", 1'000)};
  std::atomic<std::int64_t> admitted_micros{0};
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
            ledger_->Reserve(scopes, static_cast<double>(micros) / 1e6, id);
        if (reservation) {
          admitted_micros.fetch_add(micros);
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
  const double reserved = ledger_->Status(scopes[0]).reserved_usd;

  // Phase 2: everybody reconciles at actual = estimate, concurrently.
  std::mutex events_mutex;
  std::vector<int> events;
  threads.clear();
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (const Reservation& reservation : held[t]) {
        const ReconcileResult result = ledger_->Reconcile(reservation, reservation.estimated_usd);
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
  const BudgetStatus status = ledger_->Status(scopes[0]);
  EXPECT_DOUBLE_EQ(status.spent_usd, static_cast<double>(admitted_before_settling) / 1e6);
  EXPECT_LE(status.spent_usd, 20);
  EXPECT_EQ(status.reserved_usd, 0);
  // Spending climbed past 50, 80 and 95 % from below: each reported exactly once.
  std::sort(events.begin(), events.end());
  ASSERT_GE(events.size(), 3U);
  EXPECT_THAT(std::vector<int>(events.begin(), events.begin() + 3), ElementsAre(50, 80, 95));
  EXPECT_LE(events.size(), 4U);
}

TEST_P(BudgetLedgerConformanceTest, InterleavedReserveAndReconcileEndsWithinTheCap) {
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
            ledger_->Reserve(scopes, 0.01, "t" + std::to_string(t) + "-" + std::to_string(i));
        if (!reservation) {
          continue;
        }
        admitted.fetch_add(1);
        const ReconcileResult result = ledger_->Reconcile(*reservation, 0.01);
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
  EXPECT_EQ(ledger_->Status(scopes[0]).spent_usd, 5);
  EXPECT_EQ(ledger_->Status(scopes[0]).reserved_usd, 0);
  std::sort(events.begin(), events.end());
  EXPECT_THAT(events, ElementsAre(Pair("org:o1", 50), Pair("org:o1", 80), Pair("org:o1", 95),
                                  Pair("org:o1", 100)));
}

// ---------------------------------------------------------------------------------------
// RevocationList

class RevocationListConformanceTest : public BackendTest,
                                      public ::testing::WithParamInterface<Backend> {
 protected:
  Backend backend() const override { return GetParam(); }

  void SetUp() override {
    BackendTest::SetUp();
    if (!IsSkipped() && !HasFatalFailure()) {
      list_ = MakeRevocationList(clock_);
    }
  }

  testing::FakeClock clock_;
  std::unique_ptr<RevocationList> list_;
};

INSTANTIATE_TEST_SUITE_P(Backends, RevocationListConformanceTest,
                         ::testing::Values(Backend::kInProcess, Backend::kRedis), ParamName);

TEST_P(RevocationListConformanceTest, AnIdIsRevokedUntilItExpires) {
  ASSERT_TRUE(list_->Revoke("jti-1", clock_.Now() + std::chrono::minutes(10)));

  const Result<bool> now = list_->IsRevoked("jti-1");
  clock_.Advance(std::chrono::minutes(10) - milliseconds(1));
  const Result<bool> just_before = list_->IsRevoked("jti-1");
  clock_.Advance(milliseconds(1));
  const Result<bool> at_expiry = list_->IsRevoked("jti-1");

  ASSERT_TRUE(now && just_before && at_expiry);
  EXPECT_TRUE(*now);
  EXPECT_TRUE(*just_before);
  EXPECT_FALSE(*at_expiry);
}

TEST_P(RevocationListConformanceTest, UnknownIdsAreNotRevoked) {
  ASSERT_TRUE(list_->Revoke("jti-1", clock_.Now() + std::chrono::minutes(10)));

  const Result<bool> other = list_->IsRevoked("jti-2");
  const Result<bool> empty = list_->IsRevoked("");

  ASSERT_TRUE(other && empty);
  EXPECT_FALSE(*other);
  EXPECT_FALSE(*empty);
}

TEST_P(RevocationListConformanceTest, RevokingTwiceKeepsTheLaterExpiry) {
  const auto start = clock_.Now();
  ASSERT_TRUE(list_->Revoke("jti-1", start + std::chrono::minutes(10)));
  ASSERT_TRUE(list_->Revoke("jti-1", start + std::chrono::minutes(5)));

  clock_.Advance(std::chrono::minutes(7));
  const Result<bool> after_the_earlier = list_->IsRevoked("jti-1");
  ASSERT_TRUE(list_->Revoke("jti-1", start + std::chrono::minutes(20)));
  clock_.Advance(std::chrono::minutes(8));
  const Result<bool> after_the_first = list_->IsRevoked("jti-1");
  clock_.Advance(std::chrono::minutes(5));
  const Result<bool> after_the_last = list_->IsRevoked("jti-1");

  ASSERT_TRUE(after_the_earlier && after_the_first && after_the_last);
  EXPECT_TRUE(*after_the_earlier);
  EXPECT_TRUE(*after_the_first);
  EXPECT_FALSE(*after_the_last);
}

TEST_P(RevocationListConformanceTest, AnExpiredRevocationRevokesNothing) {
  ASSERT_TRUE(list_->Revoke("jti-1", clock_.Now() - std::chrono::seconds(1)));

  const Result<bool> revoked = list_->IsRevoked("jti-1");

  ASSERT_TRUE(revoked);
  EXPECT_FALSE(*revoked);
}

TEST_P(RevocationListConformanceTest, AnEmptyIdIsInvalid) {
  const Status status = list_->Revoke("", clock_.Now() + std::chrono::minutes(1));

  ASSERT_FALSE(status);
  EXPECT_EQ(status.error().code, ErrorCode::kInvalidArgument);
}

TEST_P(RevocationListConformanceTest, ManyIdsAreTrackedIndependently) {
  for (int i = 0; i < 200; ++i) {
    ASSERT_TRUE(
        list_->Revoke("jti-" + std::to_string(i), clock_.Now() + std::chrono::seconds(i + 1)));
  }

  clock_.Advance(std::chrono::seconds(100));

  int revoked = 0;
  for (int i = 0; i < 200; ++i) {
    const Result<bool> result = list_->IsRevoked("jti-" + std::to_string(i));
    ASSERT_TRUE(result);
    revoked += *result ? 1 : 0;
  }
  EXPECT_EQ(revoked, 100);  // jti-100 .. jti-199 expire after 101 .. 200 s
}

// NOLINTEND(readability-function-cognitive-complexity)

}  // namespace
}  // namespace amaima::limits
