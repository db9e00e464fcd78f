#pragma once

#include <chrono>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string_view>

#include "amaima/core/clock.h"

namespace amaima::providers {

struct CircuitBreakerOptions {
  int failure_threshold{5};                   // Consecutive failures that open it.
  std::chrono::milliseconds open_for{30000};  // How long it refuses calls once open.
  int half_open_probes{1};                    // Calls let through when half-open.
};

enum class BreakerState : std::uint8_t {
  kClosed,    // Calls flow; failures are counted.
  kOpen,      // Calls are refused until `open_for` has passed.
  kHalfOpen,  // A few probe calls test the upstream; one success closes, one failure opens.
};

// "closed", "open", "half_open".
std::string_view BreakerStateName(BreakerState state);

// A circuit breaker for one upstream. Ask Allow() before a call; report its outcome with
// RecordSuccess() or RecordFailure() (only failures that say the upstream is unhealthy:
// 5xx, resets, timeouts — not a 4xx rejection). A call that was allowed and then not
// made must be given back with Release() so that a half-open probe slot is not lost.
//
// @par Thread Safety
// Thread-safe (one mutex; every method is O(1)). The clock is borrowed.
class CircuitBreaker {
 public:
  CircuitBreaker(CircuitBreakerOptions options, const Clock& clock);

  // Whether a call may go to the upstream now. In half-open, at most
  // `half_open_probes` calls are allowed until one of them reports.
  bool Allow();
  void RecordSuccess();
  void RecordFailure();
  void Release();

  BreakerState state() const;
  // Transitions so far into open (for metrics and tests).
  std::uint64_t times_opened() const;

 private:
  void Open();           // REQUIRES(mutex_)
  void AdvanceLocked();  // open -> half-open once open_for has passed. REQUIRES(mutex_)

  const CircuitBreakerOptions options_;
  const Clock& clock_;
  mutable std::mutex mutex_;
  BreakerState state_{BreakerState::kClosed};          // GUARDED_BY(mutex_)
  int consecutive_failures_{0};                        // GUARDED_BY(mutex_)
  int probes_in_flight_{0};                            // GUARDED_BY(mutex_)
  std::chrono::steady_clock::time_point opened_at_{};  // GUARDED_BY(mutex_)
  std::uint64_t times_opened_{0};                      // GUARDED_BY(mutex_)
};

// The delay before retry number `attempt` (1 = the first retry): "full jitter"
// exponential backoff, uniform in [0, min(max, base * 2^(attempt-1))], where `unit` in
// [0, 1) is the random draw. A Retry-After from the upstream, when given, is the floor
// (capped at `max`).
std::chrono::milliseconds BackoffDelay(int attempt, std::chrono::milliseconds base,
                                       std::chrono::milliseconds max, double unit,
                                       std::optional<std::chrono::milliseconds> retry_after);

}  // namespace amaima::providers
