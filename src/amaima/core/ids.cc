#include "amaima/core/ids.h"

#include "amaima/core/hashing.h"

namespace amaima {
namespace {

constexpr char kHex[] = "0123456789abcdef";

}  // namespace

IdGenerator::IdGenerator(const Clock& clock) : clock_(clock), random_(std::random_device{}()) {}

std::string IdGenerator::NewId() {
  std::array<std::uint8_t, 16> bytes{};
  {
    std::lock_guard<std::mutex> lock(mutex_);
    std::int64_t millis = UnixMillis(clock_.Now());
    if (millis <= last_millis_) {
      // Same millisecond (or the clock stepped back): keep ids increasing.
      millis = last_millis_;
      ++counter_;
      if (counter_ > 0xFFF) {
        ++millis;
        counter_ = 0;
      }
    } else {
      counter_ = 0;
    }
    last_millis_ = millis;
    const std::uint64_t rand_b = random_();
    const auto ts = static_cast<std::uint64_t>(millis);
    for (int i = 0; i < 6; ++i) {
      bytes[static_cast<std::size_t>(i)] = static_cast<std::uint8_t>(ts >> (40 - 8 * i));
    }
    bytes[6] = static_cast<std::uint8_t>(0x70 | ((counter_ >> 8) & 0x0F));
    bytes[7] = static_cast<std::uint8_t>(counter_ & 0xFF);
    for (int i = 0; i < 8; ++i) {
      bytes[static_cast<std::size_t>(8 + i)] = static_cast<std::uint8_t>(rand_b >> (56 - 8 * i));
    }
  }
  bytes[8] = static_cast<std::uint8_t>((bytes[8] & 0x3F) | 0x80);  // RFC 9562 variant.

  std::string out;
  out.reserve(36);
  for (std::size_t i = 0; i < bytes.size(); ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) {
      out += '-';
    }
    out += kHex[bytes[i] >> 4];
    out += kHex[bytes[i] & 0x0F];
  }
  return out;
}

bool IsUuid(std::string_view text) {
  if (text.size() != 36) {
    return false;
  }
  for (std::size_t i = 0; i < text.size(); ++i) {
    const bool dash_position = i == 8 || i == 13 || i == 18 || i == 23;
    if (dash_position ? text[i] != '-' : HexDigitValue(text[i]) < 0) {
      return false;
    }
  }
  return true;
}

std::int64_t UuidV7Millis(std::string_view text) {
  if (!IsUuid(text) || text[14] != '7') {
    return -1;
  }
  std::int64_t millis = 0;
  for (std::size_t i = 0; i < 13; ++i) {
    if (text[i] == '-') {
      continue;
    }
    millis = millis * 16 + HexDigitValue(text[i]);
  }
  return millis;
}

}  // namespace amaima
