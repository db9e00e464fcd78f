#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace amaima::auth {

// Decodes unpadded base64url (RFC 4648 §5), the encoding of JWS segments (RFC 7515 §2).
//
// Strict, so that every byte string has exactly one accepted encoding (otherwise a
// token could be altered without changing its signature): returns nullopt for padding
// ('='), whitespace, any character outside [A-Za-z0-9_-], a length of 1 mod 4, and
// non-zero unused bits in the last character. The encoder is core's
// Base64Encode(data, Base64Alphabet::kUrl).
//
// TODO(auth): move next to Base64Encode in core/base64.h once core takes decoders.
std::optional<std::string> DecodeBase64Url(std::string_view text);

}  // namespace amaima::auth
