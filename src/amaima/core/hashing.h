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

// HMAC-SHA-256 under one fixed key, with the key's inner and outer blocks absorbed once,
// so that each Sign() costs two short SHA-256 finishes (HmacSha256() redoes the key
// schedule and the algorithm lookup on every call).
//
// @par Thread Safety
// Immutable after construction; Sign() is const and thread-safe.
class HmacSha256Key {
 public:
  explicit HmacSha256Key(std::string_view key);
  ~HmacSha256Key();
  HmacSha256Key(HmacSha256Key&& other) noexcept;
  HmacSha256Key& operator=(HmacSha256Key&& other) noexcept;
  HmacSha256Key(const HmacSha256Key&) = delete;
  HmacSha256Key& operator=(const HmacSha256Key&) = delete;

  // Equals HmacSha256(key, data).
  Sha256Digest Sign(std::string_view data) const;

 private:
  void* inner_{nullptr};  // EVP_MD_CTX*, key ^ ipad absorbed
  void* outer_{nullptr};  // EVP_MD_CTX*, key ^ opad absorbed
};

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
