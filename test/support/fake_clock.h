#pragma once

#include <chrono>
#include <mutex>

#include "amaima/core/clock.h"

namespace amaima::testing {

// A Clock that moves only when told to. Thread-safe.
class FakeClock final : public Clock {
 public:
  explicit FakeClock(
      std::chrono::system_clock::time_point start =
          std::chrono::system_clock::time_point(std::chrono::milliseconds(1'763'700'000'000)))
      : now_(start) {}

  std::chrono::system_clock::time_point Now() const override {
    std::lock_guard<std::mutex> lock(mutex_);
    return now_;
  }

  std::chrono::steady_clock::time_point Monotonic() const override {
    std::lock_guard<std::mutex> lock(mutex_);
    return std::chrono::steady_clock::time_point(now_.time_since_epoch());
  }

  void Advance(std::chrono::milliseconds delta) {
    std::lock_guard<std::mutex> lock(mutex_);
    now_ += delta;
  }

 private:
  mutable std::mutex mutex_;
  std::chrono::system_clock::time_point now_;  // GUARDED_BY(mutex_)
};

}  // namespace amaima::testing
