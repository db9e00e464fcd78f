#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>

#include "amaima/core/result.h"

namespace amaima::auth {

enum class JwtAlgorithm : std::uint8_t {
  kHs256,  // HMAC-SHA-256 with a shared secret of at least 32 bytes
  kRs256,  // RSASSA-PKCS1-v1_5 SHA-256 with an RSA key of at least 2048 bits
};

// Returns the JOSE name of `algorithm`: "HS256" or "RS256".
std::string_view JwtAlgorithmName(JwtAlgorithm algorithm);

// HS256 secrets shorter than this are refused (RFC 7518 §3.2: at least the hash size).
inline constexpr std::size_t kMinHs256SecretBytes = 32;

// Key material for exactly one JWS algorithm: an HS256 secret, an RSA private key (signs
// and verifies) or an RSA public key (verifies only). The key fixes the algorithm, so
// nothing read from a token can switch it (see JwtVerifier in jwt.h).
//
// @par Thread Safety
// Immutable after construction. Copies share the material; all methods are const and
// thread-safe.
class JwtKey {
 public:
  // Returns an HS256 key. Fails with kInvalidArgument, reason "CONFIG_INVALID", if
  // `secret` is shorter than kMinHs256SecretBytes. The secret is not kept in clear: only
  // the HMAC state derived from it is.
  static Result<JwtKey> Hs256(std::string_view secret);

  // Returns an RS256 signing key from a PEM private key (PKCS#8 "PRIVATE KEY" or PKCS#1
  // "RSA PRIVATE KEY", unencrypted). Fails with kInvalidArgument, reason "CONFIG_INVALID",
  // if the PEM does not parse, is encrypted, or is not an RSA key of at least 2048 bits.
  static Result<JwtKey> Rs256PrivateKey(std::string_view pem);

  // Returns an RS256 verification key from a PEM "PUBLIC KEY" (SubjectPublicKeyInfo).
  // Fails like Rs256PrivateKey().
  static Result<JwtKey> Rs256PublicKey(std::string_view pem);

  JwtAlgorithm algorithm() const;

  // Whether the key can sign: false only for an RSA public key.
  bool can_sign() const;

  // Returns the raw JWS signature (not base64url-encoded) of `signing_input`, the ASCII
  // "<header>.<payload>". Fails with kFailedPrecondition if the key cannot sign and with
  // kInternal if OpenSSL fails.
  Result<std::string> Sign(std::string_view signing_input) const;

  // Returns whether `signature` (raw) is this key's signature of `signing_input`. HMACs
  // are compared in constant time.
  bool Verify(std::string_view signing_input, std::string_view signature) const;

 private:
  class Material;  // defined in jwt_key.cc; keeps OpenSSL types out of this header

  explicit JwtKey(std::shared_ptr<const Material> material) : material_(std::move(material)) {}

  std::shared_ptr<const Material> material_;  // never null
};

}  // namespace amaima::auth
