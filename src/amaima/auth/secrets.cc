#include "amaima/auth/secrets.h"

#include "amaima/core/base64.h"
#include "amaima/core/hashing.h"

namespace amaima::auth {

bool ConstantTimeEqual(std::string_view a, std::string_view b) {
  // core compares equal lengths with CRYPTO_memcmp, which reads every byte.
  return ConstantTimeEquals(a, b);
}

std::string RandomToken(std::size_t bytes) {
  return Base64Encode(RandomBytes(bytes), Base64Alphabet::kUrl);
}

std::string Sha256Hex(std::string_view data) {
  return ToHex(Sha256(data));
}

}  // namespace amaima::auth
