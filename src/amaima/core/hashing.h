#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

namespace amaima {

using Sha256Digest = std::array<std::uint8_t, 32>;

// Returns SHA-256 of `data`.
Sha256Digest Sha256(std::string_view data);

// Returns HMAC-SHA-256 of `data` under `key`.
Sha256Digest HmacSha256(std::string_view key, std::string_view data);

// Returns the lower-case hex form of `bytes`.
std::string ToHex(std::string_view bytes);
std::string ToHex(const Sha256Digest& digest);

// Returns the value of hex digit `c` (0-9, a-f, A-F), or -1 for any other character.
int HexDigitValue(char c);

// Returns `count` cryptographically random bytes (OpenSSL RAND_bytes).
std::string RandomBytes(std::size_t count);

// Compares two secrets in time that depends only on their lengths.
bool ConstantTimeEquals(std::string_view a, std::string_view b);

}  // namespace amaima
