#include "amaima/providers/resilience/circuit_breaker.h"

#include <gtest/gtest.h>

#include "test/support/fake_clock.h"

namespace amaima::providers {
namespace {

using std::chrono::milliseconds;

TEST(CircuitBreakerTest, OpensAfterConsecutiveFailuresOnly) {
  testing::FakeClock clock;
  CircuitBreaker breaker({.failure_threshold = 3, .open_for = milliseconds(1000)}, clock);

  breaker.RecordFailure();
  breaker.RecordFailure();
  breaker.RecordSuccess();  // resets the count
  breaker.RecordFailure();
  breaker.RecordFailure();
  EXPECT_EQ(breaker.state(), BreakerState::kClosed);
  EXPECT_TRUE(breaker.Allow());
  breaker.RecordFailure();

  EXPECT_EQ(breaker.state(), BreakerState::kOpen);
  EXPECT_FALSE(breaker.Allow());
  EXPECT_EQ(breaker.times_opened(), 1U);
}

TEST(CircuitBreakerTest, HalfOpenLetsProbesThroughAndClosesOnSuccess) {
  testing::FakeClock clock;
  CircuitBreaker breaker({.failure_threshold = 1, .open_for = milliseconds(1000)}, clock);
  breaker.RecordFailure();
  clock.Advance(milliseconds(999));
  EXPECT_FALSE(breaker.Allow());

  clock.Advance(milliseconds(1));

  EXPECT_EQ(breaker.state(), BreakerState::kHalfOpen);
  EXPECT_TRUE(breaker.Allow());   // the probe
  EXPECT_FALSE(breaker.Allow());  // only one at a time
  breaker.RecordSuccess();
  EXPECT_EQ(breaker.state(), BreakerState::kClosed);
  EXPECT_TRUE(breaker.Allow());
}

TEST(CircuitBreakerTest, AFailedProbeReopensAndAReleasedProbeFreesItsSlot) {
  testing::FakeClock clock;
  CircuitBreaker breaker(
      {.failure_threshold = 1, .open_for = milliseconds(100), .half_open_probes = 1}, clock);
  breaker.RecordFailure();
  clock.Advance(milliseconds(100));
  ASSERT_TRUE(breaker.Allow());
  breaker.Release();  // the call was not made after all
  ASSERT_TRUE(breaker.Allow());

  breaker.RecordFailure();

  EXPECT_EQ(breaker.state(), BreakerState::kOpen);
  EXPECT_EQ(breaker.times_opened(), 2U);
  EXPECT_FALSE(breaker.Allow());
  EXPECT_EQ(BreakerStateName(breaker.state()), "open");
}

TEST(BackoffDelayTest, GrowsExponentiallyWithJitterUpToTheCap) {
  const milliseconds base(100);
  const milliseconds max(1000);

  EXPECT_EQ(BackoffDelay(1, base, max, 0.999, std::nullopt), milliseconds(99));
  EXPECT_EQ(BackoffDelay(2, base, max, 0.5, std::nullopt), milliseconds(100));
  EXPECT_EQ(BackoffDelay(3, base, max, 0.5, std::nullopt), milliseconds(200));
  EXPECT_EQ(BackoffDelay(10, base, max, 0.5, std::nullopt), milliseconds(500));
  EXPECT_EQ(BackoffDelay(1, base, max, 0.0, std::nullopt), milliseconds(0));
}

TEST(BackoffDelayTest, RetryAfterIsAFloorCappedAtTheMaximum) {
  EXPECT_EQ(BackoffDelay(1, milliseconds(100), milliseconds(5000), 0.1, milliseconds(2000)),
            milliseconds(2000));
  EXPECT_EQ(BackoffDelay(1, milliseconds(100), milliseconds(5000), 0.1, milliseconds(60000)),
            milliseconds(5000));
}

}  // namespace
}  // namespace amaima::providers
