#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "amaima/auth/jwt_key.h"
#include "amaima/core/clock.h"
#include "amaima/core/result.h"

// JSON Web Tokens (RFC 7519) in JWS compact serialization (RFC 7515), signed with
// exactly one algorithm per key: HS256 (HMAC-SHA-256) or RS256 (RSASSA-PKCS1-v1_5 with
// SHA-256). A verifier accepts only its key's algorithm, whatever the token's header
// says, so "alg": "none" and the HS256-with-the-RSA-public-key confusion cannot pass.
//
// Verification errors are ErrorCode::kUnauthenticated with one of three reasons:
//   AUTH_TOKEN_MALFORMED  not a JWS compact token: size, segments, base64url, JSON;
//   AUTH_TOKEN_INVALID    wrong algorithm or typ, bad signature, missing or mistyped
//                         claims, not yet valid, issued in the future, wrong iss/aud/use;
//   AUTH_TOKEN_EXPIRED    a valid token past its exp (plus leeway).
// Messages say precisely what was wrong and never contain key material.
namespace amaima::auth {

// What a token may be used for; written as the "token_use" claim.
enum class TokenUse : std::uint8_t {
  kAccess,   // "access": presented on each API call, short-lived
  kRefresh,  // "refresh": exchanged for a new access token only
};

// Returns the claim value of `use`: "access" or "refresh".
std::string_view TokenUseName(TokenUse use);

// The claims AMAIMA puts in a token. Strings marked required must be non-empty.
struct JwtClaims {
  std::string iss{};               // issuer; optional (empty: omitted)
  std::string sub{};               // required: the user id
  std::vector<std::string> aud{};  // audiences; optional (one is written as a string)
  std::string org{};               // required: the organisation (tenant) id
  std::string role{};              // required: the user's role in `org`
  std::optional<std::string> email{};
  std::string jti{};  // required: unique token id, for revocation
  TokenUse token_use{TokenUse::kAccess};
  std::chrono::sys_seconds iat{};                 // required: issued at
  std::chrono::sys_seconds exp{};                 // required: expires at; must be after iat
  std::optional<std::chrono::sys_seconds> nbf{};  // not before

  bool operator==(const JwtClaims&) const = default;
};

// Issues tokens with one key.
//
// @par Thread Safety
// Immutable after construction; Sign() is const and thread-safe.
class JwtSigner {
 public:
  // Returns a signer for `key`, or kInvalidArgument ("CONFIG_INVALID") if the key
  // cannot sign (an RSA public key).
  static Result<JwtSigner> Create(JwtKey key);

  // Returns the compact token for `claims`, with header {"alg":<alg>,"typ":"JWT"}. Fails
  // with kInvalidArgument, reason "VALIDATION_INVALID_VALUE", if a required claim is
  // empty or exp is not after iat, and with kInternal if OpenSSL fails to sign.
  Result<std::string> Sign(const JwtClaims& claims) const;

  JwtAlgorithm algorithm() const { return key_.algorithm(); }

 private:
  explicit JwtSigner(JwtKey key) : key_(std::move(key)) {}

  JwtKey key_;
};

// What a verifier checks beyond the signature.
struct JwtVerifierOptions {
  // Tolerated clock skew for exp, nbf and iat.
  std::chrono::seconds leeway{30};
  // When non-empty, the "iss" claim must equal it.
  std::string issuer{};
  // When non-empty, the "aud" claim (a string or an array) must be or contain it.
  std::string audience{};
  // When set, the "token_use" claim must equal it (e.g. refuse refresh tokens on API calls).
  std::optional<TokenUse> token_use{};
  // Longer tokens are refused before any decoding.
  std::size_t max_token_bytes{8192};
};

// Checks tokens against one key, a clock and the options above.
//
// @par Thread Safety
// Immutable after construction; Verify() is const and thread-safe if the Clock is
// (every amaima::Clock is).
//
// @par Lifetime
// Keeps a reference to `clock`, which must outlive the verifier.
class JwtVerifier {
 public:
  JwtVerifier(JwtKey key, JwtVerifierOptions options, const Clock& clock)
      : key_(std::move(key)), options_(std::move(options)), clock_(clock) {}

  // Returns the claims of `token` if it is a well-formed compact JWS whose header alg is
  // the key's algorithm (and typ, when present, is "JWT"; "crit" is refused), whose
  // signature verifies, whose claims are all present with the right types, and which is
  // valid now: now < exp + leeway, now >= nbf - leeway, iat <= now + leeway. Then checks
  // the issuer, audience and token use configured in the options. Checks run in that
  // order and the first failure is returned (see the reasons at the top of this file).
  Result<JwtClaims> Verify(std::string_view token) const;

  JwtAlgorithm algorithm() const { return key_.algorithm(); }

 private:
  JwtKey key_;
  JwtVerifierOptions options_;
  const Clock& clock_;
};

}  // namespace amaima::auth
