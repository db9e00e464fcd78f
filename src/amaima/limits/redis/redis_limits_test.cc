// What only the Redis back ends do: several replicas over one server, expiry of their keys,
// clocks that disagree, and the behaviour when Redis is down. The contract they share with
// the in-process back ends is tested in ../limits_conformance_test.cc.

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <latch>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "amaima/limits/redis/redis_budget_ledger.h"
#include "amaima/limits/redis/redis_client.h"
#include "amaima/limits/redis/redis_rate_limiter.h"
#include "amaima/limits/redis/redis_revocation_list.h"
#include "test/support/fake_clock.h"
#include "test/support/redis_server.h"

namespace amaima::limits {
namespace {

// Every GoogleTest assertion counts as a branch for clang-tidy 14, which has no option to
// ignore macros.
// NOLINTBEGIN(readability-function-cognitive-complexity)

using std::chrono::milliseconds;
using std::chrono::system_clock;
using ::testing::ElementsAre;
using ::testing::Pair;

constexpr milliseconds kMinute(60'000);
constexpr milliseconds kHour(3'600'000);
constexpr int kReplicas = 3;
constexpr int kThreads = 16;

RateLimitRule Rule(std::string name, double limit, milliseconds window, double burst = 1) {
  return RateLimitRule{std::move(name), limit, window, burst};
}

system_clock::time_point Utc(int year, unsigned month, unsigned day, int minutes = 0) {
  return std::chrono::sys_days(std::chrono::year(year) / std::chrono::month(month)
                               / std::chrono::day(day))
         + std::chrono::minutes(minutes);
}

// Each test runs its own redis-server; "replicas" each have their own client (connection
// pool) and limiter or ledger, sharing only the server and the key prefix.
class RedisLimitsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!testing::RedisServer::Available()) {
      if (testing::RedisServer::Required()) {
        FAIL() << "AMAIMA_REQUIRE_REDIS=1 but " << testing::RedisServer::Binary() << " is missing";
      }
      GTEST_SKIP() << testing::RedisServer::Binary() << " is missing";
    }
    server_ = std::make_unique<testing::RedisServer>();
    Result<RedisOptions> options = ParseRedisUrl(server_->url());
    ASSERT_TRUE(options);
    options_ = *options;
    clients_.reserve(kReplicas);
    for (int i = 0; i < kReplicas; ++i) {
      clients_.push_back(std::make_unique<RedisClient>(options_));
    }
  }

  RedisClient& client(int replica = 0) { return *clients_[static_cast<std::size_t>(replica)]; }

  // PTTL of `key`, in milliseconds (-2: no key, -1: no expiry).
  std::int64_t Pttl(const std::string& key) {
    Result<RedisReply> reply = client().Command({"PTTL", key});
    EXPECT_TRUE(reply);
    return reply ? reply->integer : -3;
  }

  bool Exists(const std::string& key) {
    Result<RedisReply> reply = client().Command({"EXISTS", key});
    EXPECT_TRUE(reply);
    return reply && reply->integer == 1;
  }

  testing::FakeClock clock_;
  std::unique_ptr<testing::RedisServer> server_;
  RedisOptions options_;
  std::vector<std::unique_ptr<RedisClient>> clients_;
};

// ---------------------------------------------------------------------------------------
// RedisRateLimiter

TEST_F(RedisLimitsTest, ReplicasEnforceOneRateLimit) {
  std::vector<std::unique_ptr<RedisRateLimiter>> replicas;
  replicas.reserve(kReplicas);
  for (int i = 0; i < kReplicas; ++i) {
    replicas.push_back(std::make_unique<RedisRateLimiter>(client(i), clock_));
  }
  const std::vector<RateLimitRule> rules = {Rule("minute", 50, kMinute, 2),
                                            Rule("hour", 1'000, kHour)};
  constexpr int kAttempts = 60;
  std::atomic<int> admitted{0};
  std::latch start(kThreads);

  // The clock is frozen: nothing refills, so exactly the capacity may be admitted in total.
  std::vector<std::thread> threads;
  threads.reserve(kThreads);
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      RedisRateLimiter& limiter = *replicas[static_cast<std::size_t>(t % kReplicas)];
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

  EXPECT_EQ(admitted.load(), 100);  // capacity 50 * 2, out of 960 attempts
  for (const auto& replica : replicas) {
    const RateLimitResult report = replica->Acquire("key:shared", rules, 0);
    EXPECT_EQ(report.remaining, 0);
    EXPECT_EQ(report.rule_index, 0U);
    EXPECT_EQ(replica->unavailable_count(), 0U);
  }
}

TEST_F(RedisLimitsTest, AReplicaWithALaggingClockNeverRefillsBackwards) {
  testing::FakeClock behind(clock_.Now() - std::chrono::seconds(10));
  RedisRateLimiter ahead_limiter(client(0), clock_);
  RedisRateLimiter behind_limiter(client(1), behind);
  const std::vector<RateLimitRule> rules = {Rule("minute", 60, kMinute)};
  ASSERT_TRUE(ahead_limiter.Acquire("key:a", rules, 60).allowed);

  // 10 s behind the last write: no refill (not a negative one), and no write.
  const RateLimitResult lagging = behind_limiter.Acquire("key:a", rules);
  clock_.Advance(milliseconds(1'000));
  behind.Advance(milliseconds(1'000));
  const RateLimitResult refilled = ahead_limiter.Acquire("key:a", rules);
  const RateLimitResult lagging_again = behind_limiter.Acquire("key:a", rules);
  clock_.Advance(milliseconds(500));
  const RateLimitResult half = ahead_limiter.Acquire("key:a", rules, 0);

  EXPECT_FALSE(lagging.allowed);
  EXPECT_EQ(lagging.remaining, 0);
  EXPECT_EQ(lagging.retry_after, milliseconds(1'000));
  // One second of refill by the clock that wrote last, counted once.
  EXPECT_TRUE(refilled.allowed);
  EXPECT_EQ(refilled.remaining, 0);
  EXPECT_FALSE(lagging_again.allowed);
  EXPECT_EQ(lagging_again.remaining, 0);
  EXPECT_NEAR(half.remaining, 0.5, 1e-12);
}

TEST_F(RedisLimitsTest, BucketsExpireOnceFullAgainAndNeverSooner) {
  RedisRateLimiterOptions options;
  options.expiry_margin = milliseconds(5'000);
  RedisRateLimiter limiter(client(), clock_, options);
  const std::vector<RateLimitRule> rules = {Rule("minute", 60, kMinute)};
  const std::string key = limiter.BucketKey("key:a");
  EXPECT_EQ(key, "amaima:rl:key:a");

  ASSERT_TRUE(limiter.Acquire("key:a", rules).allowed);
  const std::int64_t one_token = Pttl(key);  // full again in 1 s, plus the margin
  ASSERT_TRUE(limiter.Acquire("key:a", rules, 30).allowed);
  const std::int64_t thirty_one = Pttl(key);  // 31 s, plus the margin
  clock_.Advance(milliseconds(30'000));
  ASSERT_TRUE(limiter.Acquire("key:a", rules).allowed);
  const std::int64_t not_shortened = Pttl(key);  // 2 s by now, but never shortened

  EXPECT_GT(one_token, 5'000);
  EXPECT_LE(one_token, 6'000);
  EXPECT_GT(thirty_one, 35'000);
  EXPECT_LE(thirty_one, 36'000);
  EXPECT_GT(not_shortened, 30'000);
  EXPECT_LE(not_shortened, thirty_one);
}

TEST_F(RedisLimitsTest, RefusalsAndReportsWriteNothing) {
  RedisRateLimiter limiter(client(), clock_);
  const std::vector<RateLimitRule> rules = {Rule("minute", 10, kMinute)};

  const RateLimitResult above_capacity = limiter.Acquire("key:a", rules, 11);
  const RateLimitResult report = limiter.Acquire("key:a", rules, 0);

  EXPECT_FALSE(above_capacity.allowed);
  EXPECT_TRUE(report.allowed);
  EXPECT_FALSE(Exists(limiter.BucketKey("key:a")));
  EXPECT_TRUE(limiter.Acquire("key:a", rules).allowed);
  EXPECT_TRUE(Exists(limiter.BucketKey("key:a")));
}

TEST_F(RedisLimitsTest, AnUnreachableServerRefusesWithRetryAfterByDefault) {
  RedisRateLimiter limiter(client(), clock_);
  const std::vector<RateLimitRule> rules = {Rule("minute", 60, kMinute), Rule("hour", 100, kHour)};
  ASSERT_TRUE(limiter.Acquire("key:a", rules).allowed);
  server_->Stop();

  const RateLimitResult broken_connection = limiter.Acquire("key:a", rules);
  const RateLimitResult refused_connection = limiter.Acquire("key:a", rules);
  const Result<RateLimitResult> tried = limiter.TryAcquire("key:a", rules, 1);
  const RateLimitResult unlimited = limiter.Acquire("key:a", {}, 1);

  for (const RateLimitResult& result : {broken_connection, refused_connection}) {
    EXPECT_FALSE(result.allowed);
    EXPECT_EQ(result.rule_index, 0U);
    EXPECT_EQ(result.limit, 60);
    EXPECT_EQ(result.window, kMinute);
    EXPECT_EQ(result.remaining, 0);
    EXPECT_EQ(result.retry_after, milliseconds(1'000));
    EXPECT_EQ(result.reset_after, milliseconds(1'000));
    EXPECT_EQ(result.reset_at, clock_.Now() + milliseconds(1'000));
  }
  ASSERT_FALSE(tried);
  EXPECT_EQ(tried.error().code, ErrorCode::kUnavailable);
  EXPECT_EQ(limiter.unavailable_count(), 2U);
  // No rules need no Redis.
  EXPECT_TRUE(unlimited.allowed);
}

TEST_F(RedisLimitsTest, TheAdmitPolicyFailsOpen) {
  RedisRateLimiterOptions options;
  options.when_unavailable = RedisFailurePolicy::kAdmit;
  RedisRateLimiter limiter(client(), clock_, options);
  const std::vector<RateLimitRule> rules = {Rule("minute", 60, kMinute)};
  server_->Stop();

  const RateLimitResult result = limiter.Acquire("key:a", rules, 3);

  EXPECT_TRUE(result.allowed);
  EXPECT_EQ(result.remaining, 57);
  EXPECT_EQ(result.reset_after, milliseconds(3'000));
  EXPECT_EQ(result.retry_after, milliseconds(0));
  EXPECT_EQ(limiter.unavailable_count(), 1U);
}

TEST_F(RedisLimitsTest, TheLimiterRecoversWhenRedisComesBack) {
  RedisRateLimiterOptions options;
  options.unavailable_retry_after = milliseconds(2'500);
  RedisRateLimiter limiter(client(), clock_, options);
  const std::vector<RateLimitRule> rules = {Rule("minute", 1, kMinute)};
  ASSERT_TRUE(limiter.Acquire("key:a", rules).allowed);
  ASSERT_FALSE(limiter.Acquire("key:a", rules).allowed);

  server_->Stop();
  const RateLimitResult down = limiter.Acquire("key:a", rules);
  server_->Restart();
  const RateLimitResult back = limiter.Acquire("key:a", rules);

  EXPECT_FALSE(down.allowed);
  EXPECT_EQ(down.retry_after, milliseconds(2'500));
  // Nothing is persisted: the restarted server starts with full buckets.
  EXPECT_TRUE(back.allowed);
}

// ---------------------------------------------------------------------------------------
// RedisBudgetLedger

BudgetScope Monthly(std::string id, double cap) {
  return BudgetScope{std::move(id), cap, BudgetPeriod::kMonthly};
}

BudgetScope Daily(std::string id, double cap) {
  return BudgetScope{std::move(id), cap, BudgetPeriod::kDaily};
}

TEST_F(RedisLimitsTest, ReplicasNeverReserveBeyondOneCap) {
  std::vector<std::unique_ptr<RedisBudgetLedger>> replicas;
  replicas.reserve(kReplicas);
  for (int i = 0; i < kReplicas; ++i) {
    replicas.push_back(std::make_unique<RedisBudgetLedger>(client(i), clock_));
  }
  const std::vector<BudgetScope> scopes = {Monthly("org:o1", 20), Daily("key:k1", 1'000)};
  constexpr int kAttempts = 150;
  std::atomic<std::int64_t> admitted_micros{0};
  std::vector<std::vector<Reservation>> held(kThreads);
  std::latch start(kThreads);

  // Every replica reserves, nobody settles: estimates of 0.01 to 0.05 against a cap of 20.
  std::vector<std::thread> threads;
  threads.reserve(kThreads);
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      RedisBudgetLedger& ledger = *replicas[static_cast<std::size_t>(t % kReplicas)];
      start.arrive_and_wait();
      for (int i = 0; i < kAttempts; ++i) {
        const std::int64_t micros = std::int64_t{10'000} * (1 + (t + i) % 5);
        Result<Reservation> reservation =
            ledger.Reserve(scopes, static_cast<double>(micros) / 1e6,
                           "t" + std::to_string(t) + "-" + std::to_string(i));
        if (reservation) {
          admitted_micros.fetch_add(micros);
          held[static_cast<std::size_t>(t)].push_back(std::move(*reservation));
        } else {
          EXPECT_EQ(reservation.error().reason, "BUDGET_EXCEEDED");
        }
      }
    });
  }
  for (std::thread& thread : threads) {
    thread.join();
  }
  const BudgetStatus before_settling = replicas[1]->Status(scopes[0]);
  // Settled by another replica than the one that reserved.
  for (int t = 0; t < kThreads; ++t) {
    for (const Reservation& reservation : held[static_cast<std::size_t>(t)]) {
      ASSERT_TRUE(replicas[static_cast<std::size_t>((t + 1) % kReplicas)]
                      ->Reconcile(reservation, reservation.estimated_usd)
                      .settled);
    }
  }

  // Demand (about 72 USD) far exceeds the cap: it was filled, and never overshot.
  EXPECT_LE(admitted_micros.load(), 20'000'000);
  EXPECT_GT(admitted_micros.load(), 20'000'000 - 50'000);
  EXPECT_DOUBLE_EQ(before_settling.reserved_usd, static_cast<double>(admitted_micros.load()) / 1e6);
  const BudgetStatus after = replicas[2]->Status(scopes[0]);
  EXPECT_DOUBLE_EQ(after.spent_usd, static_cast<double>(admitted_micros.load()) / 1e6);
  EXPECT_EQ(after.reserved_usd, 0);
}

TEST_F(RedisLimitsTest, ReplicasAdmitExactlyWhatFitsAndReportEachThresholdOnce) {
  std::vector<std::unique_ptr<RedisBudgetLedger>> replicas;
  replicas.reserve(kReplicas);
  for (int i = 0; i < kReplicas; ++i) {
    replicas.push_back(std::make_unique<RedisBudgetLedger>(client(i), clock_));
  }
  const std::vector<BudgetScope> scopes = {Monthly("org:o1", 2), Daily("user:u1", 1'000)};
  constexpr int kAttempts = 40;
  std::atomic<int> admitted{0};
  std::mutex events_mutex;
  std::vector<std::pair<std::string, int>> events;
  std::latch start(kThreads);

  std::vector<std::thread> threads;
  threads.reserve(kThreads);
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      RedisBudgetLedger& ledger = *replicas[static_cast<std::size_t>(t % kReplicas)];
      start.arrive_and_wait();
      for (int i = 0; i < kAttempts; ++i) {
        Result<Reservation> reservation =
            ledger.Reserve(scopes, 0.01, "t" + std::to_string(t) + "-" + std::to_string(i));
        if (!reservation) {
          continue;
        }
        admitted.fetch_add(1);
        const ReconcileResult result = ledger.Reconcile(*reservation, 0.01);
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

  // 640 attempts at 0.01 against a cap of 2: exactly 200 fit.
  EXPECT_EQ(admitted.load(), 200);
  EXPECT_EQ(replicas[0]->Status(scopes[0]).spent_usd, 2);
  std::sort(events.begin(), events.end());
  EXPECT_THAT(events, ElementsAre(Pair("org:o1", 50), Pair("org:o1", 80), Pair("org:o1", 95),
                                  Pair("org:o1", 100)));
}

TEST_F(RedisLimitsTest, AccountsAndHoldsExpireAfterTheirPeriod) {
  RedisBudgetLedgerOptions options;
  options.period_margin = std::chrono::hours(1);
  RedisBudgetLedger ledger(client(), clock_, options);
  // 1763700000000 ms is 2025-11-21T04:40:00Z.
  const std::vector<BudgetScope> scopes = {Daily("key:k1", 10), Monthly("org:o1", 100)};
  const std::string daily = ledger.AccountKey("key:k1", BudgetPeriod::kDaily, Utc(2025, 11, 21));
  const std::string monthly = ledger.AccountKey("org:o1", BudgetPeriod::kMonthly, Utc(2025, 11, 1));
  EXPECT_EQ(daily, "amaima:budget:daily:1763683200000:key:k1");

  ASSERT_TRUE(ledger.Reserve(scopes, 1, "req-1"));
  const std::int64_t daily_ttl = Pttl(daily);
  const std::int64_t monthly_ttl = Pttl(monthly);
  const std::int64_t hold_ttl = Pttl(ledger.HoldKey("req-1"));

  // Period end + 1 h - now: 19:20 + 1 h for the day, 9 days 19:20 + 1 h for the month.
  constexpr std::int64_t kDayLeft = (19 * 60 + 20 + 60) * 60'000LL;
  constexpr std::int64_t kMonthLeft = kDayLeft + 9 * 86'400'000LL;
  EXPECT_GT(daily_ttl, kDayLeft - 5'000);
  EXPECT_LE(daily_ttl, kDayLeft);
  EXPECT_GT(monthly_ttl, kMonthLeft - 5'000);
  EXPECT_LE(monthly_ttl, kMonthLeft);
  // A hold lives as long as its longest-lived account.
  EXPECT_GT(hold_ttl, kMonthLeft - 5'000);
  EXPECT_LE(hold_ttl, kMonthLeft);
}

TEST_F(RedisLimitsTest, SettlingDeletesTheHoldAndAnEndedPeriodsAccount) {
  testing::FakeClock clock(Utc(2026, 3, 10, 23 * 60 + 59));
  RedisBudgetLedger ledger(client(), clock);
  const std::vector<BudgetScope> scopes = {Daily("key:k1", 10), Monthly("org:o1", 100)};
  const std::string old_day = ledger.AccountKey("key:k1", BudgetPeriod::kDaily, Utc(2026, 3, 10));
  const std::string month = ledger.AccountKey("org:o1", BudgetPeriod::kMonthly, Utc(2026, 3, 1));
  Result<Reservation> first = ledger.Reserve(scopes, 1, "req-1");
  Result<Reservation> second = ledger.Reserve(scopes, 1, "req-2");
  ASSERT_TRUE(first && second);
  clock.Advance(std::chrono::minutes(2));

  const ReconcileResult settled_first = ledger.Reconcile(*first, 1);
  const bool old_day_kept_while_held = Exists(old_day);
  ledger.Release(*second);

  EXPECT_TRUE(settled_first.settled);
  EXPECT_FALSE(Exists(ledger.HoldKey("req-1")));
  EXPECT_FALSE(Exists(ledger.HoldKey("req-2")));
  EXPECT_TRUE(old_day_kept_while_held);
  EXPECT_FALSE(Exists(old_day));
  EXPECT_TRUE(Exists(month));  // the current month
  EXPECT_EQ(ledger.Status(scopes[1]).spent_usd, 1);
}

TEST_F(RedisLimitsTest, TheLedgerFailsClosedWhenRedisIsDown) {
  RedisBudgetLedger ledger(client(), clock_);
  const std::vector<BudgetScope> scopes = {Monthly("org:o1", 10)};
  Result<Reservation> held = ledger.Reserve(scopes, 1, "req-1");
  ASSERT_TRUE(held);
  server_->Stop();

  Result<Reservation> reserve = ledger.Reserve(scopes, 1, "req-2");
  const double headroom = ledger.Headroom(scopes);
  const BudgetStatus status = ledger.Status(scopes[0]);
  const ReconcileResult reconcile = ledger.Reconcile(*held, 1);
  const Result<ReconcileResult> tried = ledger.TryReconcile(*held, 1);
  const Result<double> tried_headroom = ledger.TryHeadroom(scopes);
  const Result<BudgetStatus> tried_status = ledger.TryStatus(scopes[0]);
  const Status tried_release = ledger.TryRelease(*held);

  ASSERT_FALSE(reserve);
  EXPECT_EQ(reserve.error().code, ErrorCode::kUnavailable);
  EXPECT_EQ(headroom, 0);
  EXPECT_EQ(status.spent_usd, 10);
  EXPECT_EQ(status.cap_usd, 10);
  EXPECT_FALSE(reconcile.settled);
  for (const Error& error :
       {tried.error(), tried_headroom.error(), tried_status.error(), tried_release.error()}) {
    EXPECT_EQ(error.code, ErrorCode::kUnavailable);
    EXPECT_EQ(error.reason, "SYSTEM_UNAVAILABLE");
  }
  // Reserve, Headroom, Status and Reconcile (after its retry) each counted once.
  EXPECT_EQ(ledger.unavailable_count(), 4U);
  // With no scopes nothing needs Redis but the hold itself.
  EXPECT_TRUE(std::isinf(ledger.Headroom({})));
}

TEST_F(RedisLimitsTest, SettlingIsRetriedOnANewConnection) {
  RedisBudgetLedger ledger(client(0), clock_);
  const std::vector<BudgetScope> scopes = {Monthly("org:o1", 10)};
  Result<Reservation> held = ledger.Reserve(scopes, 1, "req-1");
  ASSERT_TRUE(held);
  // Another client closes every other connection: the ledger's pooled one is now broken.
  ASSERT_TRUE(client(1).Command({"CLIENT", "KILL", "TYPE", "normal"}));

  const ReconcileResult result = ledger.Reconcile(*held, 2);

  // The first attempt met the broken connection; settling is idempotent, so it was retried.
  EXPECT_TRUE(result.settled);
  EXPECT_EQ(ledger.Status(scopes[0]).spent_usd, 2);
  EXPECT_EQ(ledger.unavailable_count(), 0U);
  EXPECT_EQ(client(0).connects(), 2U);
}

TEST_F(RedisLimitsTest, AcquireIsNotRetriedOnABrokenConnection) {
  RedisRateLimiter limiter(client(0), clock_);
  const std::vector<RateLimitRule> rules = {Rule("minute", 10, kMinute)};
  ASSERT_TRUE(limiter.Acquire("key:a", rules).allowed);
  ASSERT_TRUE(client(1).Command({"CLIENT", "KILL", "TYPE", "normal"}));

  // Taking tokens is not idempotent: the call that meets the broken connection fails closed,
  // and the next one runs on a new connection.
  const RateLimitResult broken = limiter.Acquire("key:a", rules);
  const RateLimitResult next = limiter.Acquire("key:a", rules);

  EXPECT_FALSE(broken.allowed);
  EXPECT_EQ(broken.retry_after, milliseconds(1'000));
  EXPECT_TRUE(next.allowed);
  EXPECT_EQ(next.remaining, 8);
  EXPECT_EQ(limiter.unavailable_count(), 1U);
}

// ---------------------------------------------------------------------------------------
// RedisRevocationList

TEST_F(RedisLimitsTest, ReplicasShareRevocations) {
  RedisRevocationList first(client(0), clock_);
  RedisRevocationList second(client(1), clock_);

  ASSERT_TRUE(first.Revoke("jti-1", clock_.Now() + std::chrono::minutes(10)));
  const Result<bool> seen_by_second = second.IsRevoked("jti-1");

  ASSERT_TRUE(seen_by_second);
  EXPECT_TRUE(*seen_by_second);
}

TEST_F(RedisLimitsTest, RevocationsExpireAfterTheirToken) {
  RedisRevocationList list(client(), clock_);

  ASSERT_TRUE(list.Revoke("jti-1", clock_.Now() + std::chrono::minutes(10)));
  const std::int64_t ttl = Pttl(list.EntryKey("jti-1"));
  ASSERT_TRUE(list.Revoke("jti-1", clock_.Now() + std::chrono::minutes(5)));
  const std::int64_t kept = Pttl(list.EntryKey("jti-1"));

  EXPECT_EQ(list.EntryKey("jti-1"), "amaima:revoked:jti-1");
  constexpr std::int64_t kLifetime = std::int64_t{11} * 60'000;  // 10 min, plus the margin of 1 min
  EXPECT_GT(ttl, kLifetime - 5'000);
  EXPECT_LE(ttl, kLifetime);
  EXPECT_GT(kept, 10 * 60'000);
}

TEST_F(RedisLimitsTest, RevocationsFailClosedWhenRedisIsDown) {
  RedisRevocationList list(client(), clock_);
  ASSERT_TRUE(list.Revoke("jti-1", clock_.Now() + std::chrono::minutes(10)));
  server_->Stop();

  const Status revoke = list.Revoke("jti-2", clock_.Now() + std::chrono::minutes(10));
  const Result<bool> revoked = list.IsRevoked("jti-1");
  const Result<bool> unknown = list.IsRevoked("jti-3");

  ASSERT_FALSE(revoke);
  EXPECT_EQ(revoke.error().code, ErrorCode::kUnavailable);
  ASSERT_FALSE(revoked);
  EXPECT_EQ(revoked.error().code, ErrorCode::kUnavailable);
  ASSERT_FALSE(unknown);
  EXPECT_EQ(unknown.error().code, ErrorCode::kUnavailable);
}

// NOLINTEND(readability-function-cognitive-complexity)

}  // namespace
}  // namespace amaima::limits
