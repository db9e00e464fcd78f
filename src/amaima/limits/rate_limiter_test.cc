#include "amaima/limits/rate_limiter.h"

#include <atomic>
#include <chrono>
#include <latch>
#include <span>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "test/support/fake_clock.h"

namespace amaima::limits {
namespace {

// Every GoogleTest assertion counts as a branch for clang-tidy 14, which has no option to
// ignore macros; tests that check results field by field exceed the threshold without being
// complex.
// NOLINTBEGIN(readability-function-cognitive-complexity)

using std::chrono::milliseconds;

constexpr milliseconds kMinute(60'000);
constexpr milliseconds kHour(3'600'000);

RateLimitRule Rule(std::string name, double limit, milliseconds window, double burst = 1) {
  return RateLimitRule{std::move(name), limit, window, burst};
}

TEST(InProcessRateLimiterTest, AFreshKeyAdmitsTheBurstThenRefuses) {
  testing::FakeClock clock;
  InProcessRateLimiter limiter(clock);
  const std::vector<RateLimitRule> rules = {Rule("minute", 10, kMinute, 2)};

  for (int i = 0; i < 20; ++i) {
    const RateLimitResult result = limiter.Acquire("key:a", rules);
    ASSERT_TRUE(result.allowed) << i;
    EXPECT_DOUBLE_EQ(result.remaining, 19 - i);
  }
  const RateLimitResult refused = limiter.Acquire("key:a", rules);

  EXPECT_FALSE(refused.allowed);
  EXPECT_EQ(refused.limit, 10);
  EXPECT_EQ(refused.window, kMinute);
  EXPECT_EQ(refused.remaining, 0);
  EXPECT_EQ(refused.retry_after, milliseconds(6'000));
}

TEST(InProcessRateLimiterTest, RefillsContinuouslyAtLimitPerWindow) {
  testing::FakeClock clock;
  InProcessRateLimiter limiter(clock);
  const std::vector<RateLimitRule> rules = {Rule("minute", 60, kMinute)};
  for (int i = 0; i < 60; ++i) {
    ASSERT_TRUE(limiter.Acquire("key:a", rules).allowed);
  }

  const RateLimitResult empty = limiter.Acquire("key:a", rules);
  clock.Advance(milliseconds(999));
  const RateLimitResult almost = limiter.Acquire("key:a", rules);
  clock.Advance(milliseconds(1));
  const RateLimitResult refilled = limiter.Acquire("key:a", rules);
  const RateLimitResult again = limiter.Acquire("key:a", rules);

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

TEST(InProcessRateLimiterTest, RefillStopsAtCapacity) {
  testing::FakeClock clock;
  InProcessRateLimiter limiter(clock);
  const std::vector<RateLimitRule> rules = {Rule("minute", 6, kMinute, 1.5)};
  ASSERT_TRUE(limiter.Acquire("key:a", rules).allowed);

  clock.Advance(kHour);
  const RateLimitResult result = limiter.Acquire("key:a", rules);

  EXPECT_TRUE(result.allowed);
  EXPECT_DOUBLE_EQ(result.remaining, 8);  // capacity 9, less this call
}

TEST(InProcessRateLimiterTest, ResetIsWhenTheBucketIsFullAgain) {
  testing::FakeClock clock;
  InProcessRateLimiter limiter(clock);
  const std::vector<RateLimitRule> rules = {Rule("minute", 60, kMinute)};

  const RateLimitResult result = limiter.Acquire("key:a", rules, 30);

  EXPECT_TRUE(result.allowed);
  EXPECT_EQ(result.remaining, 30);
  EXPECT_EQ(result.reset_after, milliseconds(30'000));
  EXPECT_EQ(result.reset_at, clock.Now() + milliseconds(30'000));
  EXPECT_EQ(result.retry_after, milliseconds(0));
}

TEST(InProcessRateLimiterTest, AFullBucketResetsNow) {
  testing::FakeClock clock;
  InProcessRateLimiter limiter(clock);
  const std::vector<RateLimitRule> rules = {Rule("minute", 60, kMinute)};

  const RateLimitResult result = limiter.Acquire("key:a", rules, 0);

  EXPECT_TRUE(result.allowed);
  EXPECT_EQ(result.remaining, 60);
  EXPECT_EQ(result.reset_after, milliseconds(0));
  EXPECT_EQ(result.reset_at, clock.Now());
}

TEST(InProcessRateLimiterTest, ARefusalByOneRuleConsumesFromNone) {
  testing::FakeClock clock;
  InProcessRateLimiter limiter(clock);
  const std::vector<RateLimitRule> rules = {Rule("minute", 5, kMinute), Rule("hour", 8, kHour)};
  ASSERT_TRUE(limiter.Acquire("user:u1", rules, 5).allowed);

  const RateLimitResult by_minute = limiter.Acquire("user:u1", rules);
  clock.Advance(kMinute);
  const RateLimitResult second_burst = limiter.Acquire("user:u1", rules, 3);
  const RateLimitResult by_hour = limiter.Acquire("user:u1", rules);
  const RateLimitResult minute_intact =
      limiter.Acquire("user:u1", std::span<const RateLimitRule>(rules).first(1), 0);

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

TEST(InProcessRateLimiterTest, ReportsTheRuleClosestToExhaustion) {
  testing::FakeClock clock;
  InProcessRateLimiter limiter(clock);
  const std::vector<RateLimitRule> rules = {Rule("minute", 60, kMinute), Rule("hour", 100, kHour)};

  const RateLimitResult first = limiter.Acquire("key:a", rules);
  ASSERT_TRUE(limiter.Acquire("key:a", rules, 59).allowed);
  clock.Advance(kMinute);
  const RateLimitResult later = limiter.Acquire("key:a", rules);

  EXPECT_EQ(first.rule_index, 0U);
  EXPECT_EQ(first.limit, 60);
  EXPECT_EQ(first.remaining, 59);
  EXPECT_EQ(later.rule_index, 1U);
  EXPECT_EQ(later.limit, 100);
  EXPECT_NEAR(later.remaining, 40 + 100.0 / 60 - 1, 1e-9);
  EXPECT_EQ(later.reset_after, milliseconds(2'136'000));  // 59.33 tokens at 36 s each
}

TEST(InProcessRateLimiterTest, ACostAboveOneTakesThatManyTokens) {
  testing::FakeClock clock;
  InProcessRateLimiter limiter(clock);
  const std::vector<RateLimitRule> rules = {Rule("minute", 10, kMinute)};

  const RateLimitResult first = limiter.Acquire("key:a", rules, 4);
  const RateLimitResult second = limiter.Acquire("key:a", rules, 4);
  const RateLimitResult third = limiter.Acquire("key:a", rules, 4);
  const RateLimitResult fits = limiter.Acquire("key:a", rules, 2);

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

TEST(InProcessRateLimiterTest, ACostAboveCapacityIsNeverAdmittedAndStoresNothing) {
  testing::FakeClock clock;
  InProcessRateLimiter limiter(clock);
  const std::vector<RateLimitRule> rules = {Rule("minute", 10, kMinute, 2),
                                            Rule("hour", 100, kHour)};

  const RateLimitResult result = limiter.Acquire("key:a", rules, 21);

  EXPECT_FALSE(result.allowed);
  EXPECT_EQ(result.rule_index, 0U);
  EXPECT_EQ(result.retry_after, kRetryNever);
  EXPECT_EQ(limiter.key_count(), 0U);
}

TEST(InProcessRateLimiterTest, NoRulesAdmitsEverything) {
  testing::FakeClock clock;
  InProcessRateLimiter limiter(clock);

  const RateLimitResult result = limiter.Acquire("key:a", {}, 1000);

  EXPECT_TRUE(result.allowed);
  EXPECT_EQ(result.limit, 0);
  EXPECT_EQ(limiter.key_count(), 0U);
}

TEST(InProcessRateLimiterTest, KeysHaveTheirOwnBuckets) {
  testing::FakeClock clock;
  InProcessRateLimiter limiter(clock);
  const std::vector<RateLimitRule> rules = {Rule("minute", 1, kMinute)};

  EXPECT_TRUE(limiter.Acquire("key:a", rules).allowed);
  EXPECT_FALSE(limiter.Acquire("key:a", rules).allowed);
  EXPECT_TRUE(limiter.Acquire("ip:127.0.0.1", rules).allowed);
  EXPECT_TRUE(limiter.Acquire("user:u1", rules).allowed);
  EXPECT_EQ(limiter.key_count(), 3U);
}

TEST(InProcessRateLimiterTest, ALowerCapacityCapsTheStoredTokens) {
  testing::FakeClock clock;
  InProcessRateLimiter limiter(clock);
  const std::vector<RateLimitRule> generous = {Rule("minute", 100, kMinute)};
  const std::vector<RateLimitRule> strict = {Rule("minute", 10, kMinute)};
  ASSERT_TRUE(limiter.Acquire("key:a", generous).allowed);

  const RateLimitResult result = limiter.Acquire("key:a", strict);

  EXPECT_TRUE(result.allowed);
  EXPECT_EQ(result.remaining, 9);
}

TEST(InProcessRateLimiterTest, EvictsKeysOnlyOnceEveryBucketIsFull) {
  testing::FakeClock clock;
  InProcessRateLimiter limiter(clock);
  const std::vector<RateLimitRule> minute_only = {Rule("minute", 60, kMinute)};
  const std::vector<RateLimitRule> both = {Rule("minute", 60, kMinute), Rule("hour", 60, kHour)};
  for (int i = 0; i < 100; ++i) {
    ASSERT_TRUE(limiter.Acquire("key:" + std::to_string(i), minute_only).allowed);
  }
  ASSERT_TRUE(limiter.Acquire("user:u1", both).allowed);
  ASSERT_EQ(limiter.key_count(), 101U);

  clock.Advance(milliseconds(999));
  const std::size_t too_early = limiter.EvictFull();
  clock.Advance(milliseconds(1));  // one token refills in 1 s at 60 per minute
  const std::size_t minute_keys = limiter.EvictFull();
  clock.Advance(milliseconds(59'000));  // the hour bucket refills one token in 60 s
  const std::size_t hour_key = limiter.EvictFull();

  EXPECT_EQ(too_early, 0U);
  EXPECT_EQ(minute_keys, 100U);
  EXPECT_EQ(hour_key, 1U);
  EXPECT_EQ(limiter.key_count(), 0U);
  // An evicted key reads as full, exactly as it would have been.
  EXPECT_EQ(limiter.Acquire("user:u1", both).remaining, 59);
}

TEST(InProcessRateLimiterTest, LazyEvictionBoundsMemory) {
  testing::FakeClock clock;
  InProcessRateLimiter limiter(clock);
  const std::vector<RateLimitRule> rules = {Rule("minute", 60, kMinute)};
  constexpr int kRounds = 100;
  constexpr int kKeysPerRound = 100;

  std::size_t most = 0;
  for (int round = 0; round < kRounds; ++round) {
    for (int i = 0; i < kKeysPerRound; ++i) {
      ASSERT_TRUE(
          limiter.Acquire("ip:" + std::to_string(round * kKeysPerRound + i), rules).allowed);
    }
    most = std::max(most, limiter.key_count());
    clock.Advance(milliseconds(1'000));  // every key of this round is full again
  }

  // 10,000 keys were stored; never more than the documented bound were kept at once.
  EXPECT_LE(most, InProcessRateLimiter::kShardCount * InProcessRateLimiter::kMinSweepThreshold
                      + 2 * static_cast<std::size_t>(kKeysPerRound));
  EXPECT_GT(limiter.EvictFull(), 0U);
  EXPECT_EQ(limiter.key_count(), 0U);
}

TEST(InProcessRateLimiterTest, ValidatesRules) {
  EXPECT_TRUE(ValidateRateLimitRule(Rule("minute", 60, kMinute, 1.5)));
  EXPECT_FALSE(ValidateRateLimitRule(Rule("", 60, kMinute)));
  EXPECT_FALSE(ValidateRateLimitRule(Rule("minute", 0, kMinute)));
  EXPECT_FALSE(ValidateRateLimitRule(Rule("minute", 60, milliseconds(0))));
  EXPECT_FALSE(ValidateRateLimitRule(Rule("minute", 60, kMinute, 0.5)));
  const Status invalid = ValidateRateLimitRule(Rule("hour", -1, kHour));
  ASSERT_FALSE(invalid);
  EXPECT_EQ(invalid.error().code, ErrorCode::kInvalidArgument);
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

class InProcessRateLimiterArithmeticTest : public ::testing::TestWithParam<ArithmeticCase> {};

TEST_P(InProcessRateLimiterArithmeticTest, MatchesTheTokenBucketFormula) {
  const ArithmeticCase& c = GetParam();
  testing::FakeClock clock;
  InProcessRateLimiter limiter(clock);
  const std::vector<RateLimitRule> rules = {Rule("r", c.limit, c.window, c.burst)};
  if (c.taken > 0) {
    ASSERT_TRUE(limiter.Acquire("k", rules, c.taken).allowed);
  }
  clock.Advance(c.wait);

  const RateLimitResult result = limiter.Acquire("k", rules, c.cost);

  EXPECT_EQ(result.allowed, c.allowed);
  EXPECT_NEAR(result.remaining, c.remaining, 1e-9);
  EXPECT_EQ(result.retry_after, c.retry_after);
  EXPECT_EQ(result.reset_after, c.reset_after);
}

INSTANTIATE_TEST_SUITE_P(
    Cases, InProcessRateLimiterArithmeticTest,
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
                       0.00015, milliseconds(6'666), milliseconds(19'999)}),
    [](const ::testing::TestParamInfo<ArithmeticCase>& param_info) {
      return param_info.param.label;
    });

TEST(InProcessRateLimiterTest, AFrozenClockAdmitsExactlyTheCapacityUnderContention) {
  testing::FakeClock clock;
  InProcessRateLimiter limiter(clock);
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
        if (limiter.Acquire("key:shared", rules).allowed) {
          admitted.fetch_add(1, std::memory_order_relaxed);
        }
      }
    });
  }
  for (std::thread& thread : threads) {
    thread.join();
  }

  EXPECT_EQ(admitted.load(), 100);  // capacity 50 * 2
  EXPECT_EQ(limiter.Acquire("key:shared", rules, 0).remaining, 0);
}

TEST(InProcessRateLimiterTest, ManyKeysStayExactWhileEvictionRuns) {
  testing::FakeClock clock;
  InProcessRateLimiter limiter(clock);
  const std::vector<RateLimitRule> rules = {Rule("minute", 2, kMinute), Rule("hour", 10, kHour)};
  constexpr int kThreads = 16;
  constexpr int kKeys = 200;
  std::atomic<int> admitted{0};
  std::atomic<bool> done{false};
  std::latch start(kThreads + 1);

  // Every thread works on every key, so each key's buckets are contended; an evicting
  // thread sweeps throughout (the clock is frozen, so no key is ever full: none may go).
  std::vector<std::thread> threads;
  threads.reserve(kThreads);
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      start.arrive_and_wait();
      for (int i = 0; i < kKeys; ++i) {
        const std::string key = "user:" + std::to_string((i + t * 13) % kKeys);
        if (limiter.Acquire(key, rules).allowed) {
          admitted.fetch_add(1, std::memory_order_relaxed);
        }
      }
    });
  }
  std::size_t evicted = 0;
  std::thread evictor([&] {
    start.arrive_and_wait();
    while (!done.load()) {
      evicted += limiter.EvictFull();
    }
  });
  for (std::thread& thread : threads) {
    thread.join();
  }
  done.store(true);
  evictor.join();

  EXPECT_EQ(admitted.load(), 2 * kKeys);
  EXPECT_EQ(evicted, 0U);
  EXPECT_EQ(limiter.key_count(), static_cast<std::size_t>(kKeys));
  clock.Advance(kHour);
  EXPECT_EQ(limiter.EvictFull(), static_cast<std::size_t>(kKeys));
}

// NOLINTEND(readability-function-cognitive-complexity)

}  // namespace
}  // namespace amaima::limits
