#include "amaima/auth/base64url.h"

#include <cstdint>

namespace amaima::auth {
namespace {

// Returns the 6-bit value of a base64url symbol, or -1.
int SymbolValue(char c) {
  if (c >= 'A' && c <= 'Z') {
    return c - 'A';
  }
  if (c >= 'a' && c <= 'z') {
    return c - 'a' + 26;
  }
  if (c >= '0' && c <= '9') {
    return c - '0' + 52;
  }
  if (c == '-') {
    return 62;
  }
  if (c == '_') {
    return 63;
  }
  return -1;
}

}  // namespace

std::optional<std::string> DecodeBase64Url(std::string_view text) {
  const std::size_t rest = text.size() % 4;
  if (rest == 1) {
    return std::nullopt;  // one symbol carries 6 bits, less than a byte
  }
  std::string out;
  out.reserve(text.size() / 4 * 3 + 2);
  std::uint32_t bits = 0;
  int bit_count = 0;
  for (const char c : text) {
    const int value = SymbolValue(c);
    if (value < 0) {
      return std::nullopt;
    }
    bits = (bits << 6) | static_cast<std::uint32_t>(value);
    bit_count += 6;
    if (bit_count >= 8) {
      bit_count -= 8;
      out += static_cast<char>((bits >> bit_count) & 0xFF);
    }
  }
  // The 2 or 4 bits left over after the last full byte must be zero (canonical form).
  if ((bits & ((1U << bit_count) - 1)) != 0) {
    return std::nullopt;
  }
  return out;
}

}  // namespace amaima::auth
