#pragma once

#include <cstddef>
#include <string>
#include <string_view>

// Small primitives for handling secrets: comparison, generation and fingerprints.
// All functions are stateless and thread-safe.
namespace amaima::auth {

// Returns whether `a` and `b` are equal, in time that depends only on their lengths,
// never on their content (no early exit at the first differing byte). Use it for every
// comparison of a secret (API keys, HMACs, reset tokens) with a value from a client.
// Lengths are not secret: unequal lengths return false at once.
bool ConstantTimeEqual(std::string_view a, std::string_view b);

// Returns a random token made of `bytes` bytes from OpenSSL's CSPRNG (RAND_bytes),
// base64url-encoded without padding, so it can go into URLs, headers and cookies
// unescaped. 32 bytes (256 bits) give a 43-character token. Aborts if the CSPRNG fails.
std::string RandomToken(std::size_t bytes);

// Returns the lower-case hex SHA-256 of `data` (64 characters): the form in which
// opaque tokens (refresh tokens, API keys) are stored and looked up.
std::string Sha256Hex(std::string_view data);

}  // namespace amaima::auth
