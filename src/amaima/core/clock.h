#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <string>

namespace amaima {

// Source of time. Production code takes a Clock& so that tests can use FakeClock.
// Implementations must be thread-safe.
class Clock {
 public:
  Clock() = default;
  Clock(const Clock&) = delete;
  Clock& operator=(const Clock&) = delete;
  Clock(Clock&&) = delete;
  Clock& operator=(Clock&&) = delete;
  virtual ~Clock() = default;

  // Wall-clock time, for timestamps shown to people and stored in records.
  virtual std::chrono::system_clock::time_point Now() const = 0;
  // Monotonic time, for measuring durations.
  virtual std::chrono::steady_clock::time_point Monotonic() const = 0;
};

// The real clock. Thread-safe, stateless.
class SystemClock final : public Clock {
 public:
  std::chrono::system_clock::time_point Now() const override {
    return std::chrono::system_clock::now();
  }

  std::chrono::steady_clock::time_point Monotonic() const override {
    return std::chrono::steady_clock::now();
  }
};

// Milliseconds since the Unix epoch.
inline std::int64_t UnixMillis(std::chrono::system_clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
}

// Formats `t` as RFC 3339 UTC with milliseconds: "2026-11-21T10:00:00.123Z".
std::string FormatRfc3339(std::chrono::system_clock::time_point t);

}  // namespace amaima
