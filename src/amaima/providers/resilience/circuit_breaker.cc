#include "amaima/providers/resilience/circuit_breaker.h"

#include <algorithm>
#include <cmath>

namespace amaima::providers {

std::string_view BreakerStateName(BreakerState state) {
  switch (state) {
    case BreakerState::kClosed:
      return "closed";
    case BreakerState::kOpen:
      return "open";
    case BreakerState::kHalfOpen:
      return "half_open";
  }
  return "closed";
}

CircuitBreaker::CircuitBreaker(CircuitBreakerOptions options, const Clock& clock)
    : options_(options), clock_(clock) {}

void CircuitBreaker::AdvanceLocked() {
  if (state_ == BreakerState::kOpen && clock_.Monotonic() - opened_at_ >= options_.open_for) {
    state_ = BreakerState::kHalfOpen;
    probes_in_flight_ = 0;
  }
}

void CircuitBreaker::Open() {
  state_ = BreakerState::kOpen;
  opened_at_ = clock_.Monotonic();
  probes_in_flight_ = 0;
  ++times_opened_;
}

bool CircuitBreaker::Allow() {
  std::lock_guard<std::mutex> lock(mutex_);
  AdvanceLocked();
  switch (state_) {
    case BreakerState::kClosed:
      return true;
    case BreakerState::kOpen:
      return false;
    case BreakerState::kHalfOpen:
      if (probes_in_flight_ < options_.half_open_probes) {
        ++probes_in_flight_;
        return true;
      }
      return false;
  }
  return false;
}

void CircuitBreaker::RecordSuccess() {
  std::lock_guard<std::mutex> lock(mutex_);
  consecutive_failures_ = 0;
  if (state_ == BreakerState::kHalfOpen) {
    state_ = BreakerState::kClosed;
    probes_in_flight_ = 0;
  }
}

void CircuitBreaker::RecordFailure() {
  std::lock_guard<std::mutex> lock(mutex_);
  if (state_ == BreakerState::kHalfOpen) {
    Open();
    return;
  }
  if (state_ == BreakerState::kClosed && ++consecutive_failures_ >= options_.failure_threshold) {
    consecutive_failures_ = 0;
    Open();
  }
}

void CircuitBreaker::Release() {
  std::lock_guard<std::mutex> lock(mutex_);
  if (state_ == BreakerState::kHalfOpen && probes_in_flight_ > 0) {
    --probes_in_flight_;
  }
}

BreakerState CircuitBreaker::state() const {
  std::lock_guard<std::mutex> lock(mutex_);
  if (state_ == BreakerState::kOpen && clock_.Monotonic() - opened_at_ >= options_.open_for) {
    return BreakerState::kHalfOpen;
  }
  return state_;
}

std::uint64_t CircuitBreaker::times_opened() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return times_opened_;
}

std::chrono::milliseconds BackoffDelay(int attempt, std::chrono::milliseconds base,
                                       std::chrono::milliseconds max, double unit,
                                       std::optional<std::chrono::milliseconds> retry_after) {
  const int doublings = std::clamp(attempt - 1, 0, 30);
  const double ceiling = std::min(static_cast<double>(max.count()),
                                  static_cast<double>(base.count()) * std::ldexp(1.0, doublings));
  auto delay =
      std::chrono::milliseconds(static_cast<std::int64_t>(std::clamp(unit, 0.0, 1.0) * ceiling));
  if (retry_after) {
    delay = std::max(delay, std::min(*retry_after, max));
  }
  return delay;
}

}  // namespace amaima::providers
