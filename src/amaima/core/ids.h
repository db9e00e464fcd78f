#pragma once

#include <array>
#include <cstdint>
#include <mutex>
#include <random>
#include <string>
#include <string_view>

#include "amaima/core/clock.h"

namespace amaima {

// Generates RFC 9562 UUIDv7 strings ("0193a2c4-...-7..."). Ids from one
// generator sort by creation time, also within one millisecond (the 12-bit
// rand_a field is a counter, RFC 9562 §6.2 method 1), so they serve as keyset
// pagination keys.
//
// @par Thread Safety
// Thread-safe: NewId() takes an internal mutex for a few nanoseconds.
class IdGenerator {
 public:
  // `clock` is borrowed and must outlive the generator.
  explicit IdGenerator(const Clock& clock);

  // Returns a new UUIDv7 in canonical 36-character lower-case form.
  std::string NewId();

 private:
  const Clock& clock_;
  std::mutex mutex_;
  std::int64_t last_millis_ = 0;  // GUARDED_BY(mutex_)
  std::uint32_t counter_ = 0;     // GUARDED_BY(mutex_)
  std::mt19937_64 random_;        // GUARDED_BY(mutex_)
};

// Returns true if `text` is a canonical UUID string (any version).
bool IsUuid(std::string_view text);

// Returns the millisecond timestamp embedded in a UUIDv7, or -1 if `text` is not one.
std::int64_t UuidV7Millis(std::string_view text);

}  // namespace amaima
