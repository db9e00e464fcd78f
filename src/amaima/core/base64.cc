#include "amaima/core/base64.h"

#include <cstdint>

namespace amaima {

std::string Base64Encode(std::string_view data, Base64Alphabet alphabet) {
  const std::string_view symbols =
      alphabet == Base64Alphabet::kUrl
          ? "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
          : "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  const bool pad = alphabet == Base64Alphabet::kStandard;
  auto byte = [&data](std::size_t i) {
    return static_cast<std::uint32_t>(static_cast<std::uint8_t>(data[i]));
  };
  std::string out;
  out.reserve((data.size() + 2) / 3 * 4);
  std::size_t i = 0;
  for (; i + 3 <= data.size(); i += 3) {
    const std::uint32_t n = (byte(i) << 16) | (byte(i + 1) << 8) | byte(i + 2);
    out += symbols[(n >> 18) & 0x3F];
    out += symbols[(n >> 12) & 0x3F];
    out += symbols[(n >> 6) & 0x3F];
    out += symbols[n & 0x3F];
  }
  const std::size_t rest = data.size() - i;
  if (rest > 0) {
    std::uint32_t n = byte(i) << 16;
    if (rest == 2) {
      n |= byte(i + 1) << 8;
    }
    out += symbols[(n >> 18) & 0x3F];
    out += symbols[(n >> 12) & 0x3F];
    if (rest == 2) {
      out += symbols[(n >> 6) & 0x3F];
    }
    if (pad) {
      out.append(3 - rest, '=');
    }
  }
  return out;
}

}  // namespace amaima
