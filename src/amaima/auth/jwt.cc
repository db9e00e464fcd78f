#include "amaima/auth/jwt.h"

#include <algorithm>
#include <array>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

#include "amaima/auth/base64url.h"
#include "amaima/core/base64.h"

namespace amaima::auth {

namespace json = boost::json;

namespace {

// 9999-12-31T23:59:59Z: the latest NumericDate accepted, far from any overflow.
constexpr std::int64_t kMaxNumericDate = 253'402'300'799;

Error ConfigError(std::string message) {
  return Fail(ErrorCode::kInvalidArgument, "CONFIG_INVALID", std::move(message));
}

Error Malformed(std::string message) {
  return Fail(ErrorCode::kUnauthenticated, "AUTH_TOKEN_MALFORMED",
              "malformed token: " + std::move(message));
}

Error Invalid(std::string message) {
  return Fail(ErrorCode::kUnauthenticated, "AUTH_TOKEN_INVALID",
              "invalid token: " + std::move(message));
}

Error Expired(std::string message) {
  return Fail(ErrorCode::kUnauthenticated, "AUTH_TOKEN_EXPIRED",
              "expired token: " + std::move(message));
}

// Quotes a token-supplied string for an error message: at most 32 characters, anything
// outside printable ASCII replaced, so that logs cannot be forged or flooded.
std::string Quote(std::string_view text) {
  constexpr std::size_t kMaxShown = 32;
  std::string out = "\"";
  for (const char c : text.substr(0, kMaxShown)) {
    out += (c >= 0x20 && c < 0x7F && c != '"' && c != '\\') ? c : '?';
  }
  if (text.size() > kMaxShown) {
    out += "...";
  }
  out += '"';
  return out;
}

}  // namespace

std::string_view TokenUseName(TokenUse use) {
  switch (use) {
    case TokenUse::kAccess:
      return "access";
    case TokenUse::kRefresh:
      return "refresh";
  }
  return "unknown";
}

namespace {

Status CheckClaimsToSign(const JwtClaims& claims) {
  for (const auto& [name, value] :
       {std::pair<std::string_view, const std::string&>{"sub", claims.sub},
        {"org", claims.org},
        {"role", claims.role},
        {"jti", claims.jti}}) {
    if (value.empty()) {
      return Fail(ErrorCode::kInvalidArgument, "VALIDATION_INVALID_VALUE",
                  "claim '" + std::string(name) + "' must not be empty");
    }
  }
  if (claims.exp <= claims.iat) {
    return Fail(ErrorCode::kInvalidArgument, "VALIDATION_INVALID_VALUE",
                "claim 'exp' (" + FormatRfc3339(claims.exp) + ") must be after 'iat' ("
                    + FormatRfc3339(claims.iat) + ")");
  }
  return {};
}

std::string ClaimsJson(const JwtClaims& claims) {
  json::object object;
  if (!claims.iss.empty()) {
    object["iss"] = claims.iss;
  }
  object["sub"] = claims.sub;
  if (claims.aud.size() == 1) {
    object["aud"] = claims.aud.front();
  } else if (!claims.aud.empty()) {
    object["aud"] = json::array(claims.aud.begin(), claims.aud.end());
  }
  object["org"] = claims.org;
  object["role"] = claims.role;
  if (claims.email) {
    object["email"] = *claims.email;
  }
  object["token_use"] = TokenUseName(claims.token_use);
  object["jti"] = claims.jti;
  object["iat"] = claims.iat.time_since_epoch().count();
  if (claims.nbf) {
    object["nbf"] = claims.nbf->time_since_epoch().count();
  }
  object["exp"] = claims.exp.time_since_epoch().count();
  return json::serialize(object);
}

}  // namespace

Result<JwtSigner> JwtSigner::Create(JwtKey key) {
  if (!key.can_sign()) {
    return ConfigError("an RS256 public key cannot sign; give the signer the private key");
  }
  return JwtSigner(std::move(key));
}

Result<std::string> JwtSigner::Sign(const JwtClaims& claims) const {
  if (Status valid = CheckClaimsToSign(claims); !valid) {
    return valid.error();
  }
  const std::string header =
      R"({"alg":")" + std::string(JwtAlgorithmName(key_.algorithm())) + R"(","typ":"JWT"})";
  std::string token = Base64Encode(header, Base64Alphabet::kUrl);
  token += '.';
  token += Base64Encode(ClaimsJson(claims), Base64Alphabet::kUrl);
  Result<std::string> signature = key_.Sign(token);
  if (!signature) {
    return signature.error();
  }
  token += '.';
  token += Base64Encode(*signature, Base64Alphabet::kUrl);
  return token;
}

namespace {

// The three decoded segments of a compact JWS.
struct Segments {
  std::string_view signing_input{};  // "<header>.<payload>", as received
  std::string header{};
  std::string payload{};
  std::string signature{};
};

Result<Segments> Split(std::string_view token, std::size_t max_bytes) {
  if (token.empty()) {
    return Malformed("token is empty");
  }
  if (token.size() > max_bytes) {
    return Malformed("token is " + std::to_string(token.size()) + " bytes; at most "
                     + std::to_string(max_bytes) + " are allowed");
  }
  const auto dots = static_cast<std::size_t>(std::count(token.begin(), token.end(), '.'));
  if (dots != 2) {
    return Malformed("token has " + std::to_string(dots + 1)
                     + " segments; a compact JWS has 3 (header.payload.signature)");
  }
  const std::size_t first = token.find('.');
  const std::size_t second = token.find('.', first + 1);
  const std::array<std::string_view, 3> parts = {token.substr(0, first),
                                                 token.substr(first + 1, second - first - 1),
                                                 token.substr(second + 1)};
  constexpr std::array<std::string_view, 3> kNames = {"header", "payload", "signature"};
  std::array<std::string, 3> decoded;
  for (std::size_t i = 0; i < parts.size(); ++i) {
    if (parts[i].empty()) {
      return Malformed(std::string(kNames[i]) + " segment is empty");
    }
    std::optional<std::string> bytes = DecodeBase64Url(parts[i]);
    if (!bytes) {
      return Malformed(std::string(kNames[i]) + " segment is not unpadded base64url");
    }
    decoded[i] = std::move(*bytes);
  }
  return Segments{token.substr(0, second), std::move(decoded[0]), std::move(decoded[1]),
                  std::move(decoded[2])};
}

Result<json::object> ParseObject(std::string_view text, std::string_view what) {
  json::parse_options options;
  options.max_depth = 8;  // flat objects; "aud" is the only array
  boost::system::error_code error;
  json::value value = json::parse(text, error, {}, options);
  if (error) {
    return Malformed(std::string(what) + " is not valid JSON (" + error.message() + ")");
  }
  json::object* object = value.if_object();
  if (object == nullptr) {
    return Malformed(std::string(what) + " is not a JSON object");
  }
  return std::move(*object);
}

bool EqualsIgnoringCase(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           const auto lower = [](char c) {
             return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
           };
           return lower(x) == lower(y);
         });
}

Status CheckHeader(const json::object& header, JwtAlgorithm expected) {
  const std::string_view expected_name = JwtAlgorithmName(expected);
  const json::value* alg = header.if_contains("alg");
  if (alg == nullptr) {
    return Invalid("header has no 'alg'");
  }
  const json::string* alg_name = alg->if_string();
  if (alg_name == nullptr) {
    return Invalid("header 'alg' is not a string");
  }
  if (*alg_name != expected_name) {
    return Invalid("header 'alg' is " + Quote(*alg_name) + "; only " + std::string(expected_name)
                   + " is accepted");
  }
  if (const json::value* typ = header.if_contains("typ"); typ != nullptr) {
    const json::string* typ_name = typ->if_string();
    if (typ_name == nullptr || !EqualsIgnoringCase(*typ_name, "JWT")) {
      return Invalid("header 'typ' is "
                     + (typ_name ? Quote(*typ_name) : std::string("not a string"))
                     + "; only \"JWT\" is accepted");
    }
  }
  if (header.contains("crit")) {
    return Invalid("header 'crit' names extensions this verifier does not understand");
  }
  return {};
}

Result<std::string> RequiredString(const json::object& claims, std::string_view name) {
  const json::value* value = claims.if_contains(name);
  if (value == nullptr) {
    return Invalid("claim '" + std::string(name) + "' is missing");
  }
  const json::string* text = value->if_string();
  if (text == nullptr) {
    return Invalid("claim '" + std::string(name) + "' is not a string");
  }
  if (text->empty()) {
    return Invalid("claim '" + std::string(name) + "' is empty");
  }
  return std::string(*text);
}

Result<std::optional<std::string>> OptionalString(const json::object& claims,
                                                  std::string_view name) {
  const json::value* value = claims.if_contains(name);
  if (value == nullptr) {
    return std::optional<std::string>();
  }
  const json::string* text = value->if_string();
  if (text == nullptr) {
    return Invalid("claim '" + std::string(name) + "' is not a string");
  }
  return std::optional<std::string>(std::string(*text));
}

// Reads a NumericDate (RFC 7519 §2): seconds since the epoch, possibly fractional.
Result<std::optional<std::chrono::sys_seconds>> OptionalNumericDate(const json::object& claims,
                                                                    std::string_view name) {
  const json::value* value = claims.if_contains(name);
  if (value == nullptr) {
    return std::optional<std::chrono::sys_seconds>();
  }
  std::int64_t seconds = -1;
  if (const std::int64_t* integer = value->if_int64(); integer != nullptr) {
    seconds = *integer;
  } else if (const std::uint64_t* unsigned_integer = value->if_uint64();
             unsigned_integer != nullptr) {
    seconds = *unsigned_integer <= static_cast<std::uint64_t>(kMaxNumericDate)
                  ? static_cast<std::int64_t>(*unsigned_integer)
                  : -1;
  } else if (const double* real = value->if_double(); real != nullptr) {
    if (std::isfinite(*real) && *real >= 0 && *real <= static_cast<double>(kMaxNumericDate)) {
      seconds = static_cast<std::int64_t>(std::floor(*real));
    }
  } else {
    return Invalid("claim '" + std::string(name) + "' is not a number");
  }
  if (seconds < 0 || seconds > kMaxNumericDate) {
    return Invalid("claim '" + std::string(name)
                   + "' is outside the NumericDate range 1970-01-01 to 9999-12-31");
  }
  return std::optional<std::chrono::sys_seconds>(
      std::chrono::sys_seconds(std::chrono::seconds(seconds)));
}

Result<std::chrono::sys_seconds> RequiredNumericDate(const json::object& claims,
                                                     std::string_view name) {
  Result<std::optional<std::chrono::sys_seconds>> date = OptionalNumericDate(claims, name);
  if (!date) {
    return date.error();
  }
  if (!*date) {
    return Invalid("claim '" + std::string(name) + "' is missing");
  }
  return **date;
}

Result<std::vector<std::string>> Audiences(const json::object& claims) {
  const json::value* value = claims.if_contains("aud");
  if (value == nullptr) {
    return std::vector<std::string>();
  }
  if (const json::string* one = value->if_string(); one != nullptr) {
    return std::vector<std::string>{std::string(*one)};
  }
  const json::array* many = value->if_array();
  if (many == nullptr) {
    return Invalid("claim 'aud' is neither a string nor an array of strings");
  }
  std::vector<std::string> audiences;
  audiences.reserve(many->size());
  for (const json::value& item : *many) {
    const json::string* text = item.if_string();
    if (text == nullptr) {
      return Invalid("claim 'aud' is neither a string nor an array of strings");
    }
    audiences.emplace_back(*text);
  }
  return audiences;
}

// Reads every claim and checks its type; time and policy checks come after.
Result<JwtClaims> ReadClaims(const json::object& object) {
  JwtClaims claims;
  for (const auto& [name, field] : {std::pair<std::string_view, std::string*>{"sub", &claims.sub},
                                    {"org", &claims.org},
                                    {"role", &claims.role},
                                    {"jti", &claims.jti}}) {
    Result<std::string> value = RequiredString(object, name);
    if (!value) {
      return value.error();
    }
    *field = std::move(*value);
  }
  Result<std::string> use = RequiredString(object, "token_use");
  if (!use) {
    return use.error();
  }
  if (*use == TokenUseName(TokenUse::kAccess)) {
    claims.token_use = TokenUse::kAccess;
  } else if (*use == TokenUseName(TokenUse::kRefresh)) {
    claims.token_use = TokenUse::kRefresh;
  } else {
    return Invalid("claim 'token_use' is " + Quote(*use) + R"(; expected "access" or "refresh")");
  }
  Result<std::optional<std::string>> iss = OptionalString(object, "iss");
  if (!iss) {
    return iss.error();
  }
  claims.iss = iss->value_or("");
  Result<std::optional<std::string>> email = OptionalString(object, "email");
  if (!email) {
    return email.error();
  }
  claims.email = std::move(*email);
  Result<std::vector<std::string>> aud = Audiences(object);
  if (!aud) {
    return aud.error();
  }
  claims.aud = std::move(*aud);
  Result<std::chrono::sys_seconds> iat = RequiredNumericDate(object, "iat");
  if (!iat) {
    return iat.error();
  }
  claims.iat = *iat;
  Result<std::chrono::sys_seconds> exp = RequiredNumericDate(object, "exp");
  if (!exp) {
    return exp.error();
  }
  claims.exp = *exp;
  Result<std::optional<std::chrono::sys_seconds>> nbf = OptionalNumericDate(object, "nbf");
  if (!nbf) {
    return nbf.error();
  }
  claims.nbf = *nbf;
  return claims;
}

Status CheckTimes(const JwtClaims& claims, std::chrono::system_clock::time_point now,
                  std::chrono::seconds leeway) {
  if (now >= claims.exp + leeway) {
    return Expired("it expired at " + FormatRfc3339(claims.exp));
  }
  if (claims.nbf && now < *claims.nbf - leeway) {
    return Invalid("it is not valid before " + FormatRfc3339(*claims.nbf));
  }
  if (claims.iat > now + leeway) {
    return Invalid("it was issued in the future, at " + FormatRfc3339(claims.iat));
  }
  return {};
}

Status CheckPolicy(const JwtClaims& claims, const JwtVerifierOptions& options) {
  if (!options.issuer.empty() && claims.iss != options.issuer) {
    return Invalid("issuer is " + (claims.iss.empty() ? std::string("missing") : Quote(claims.iss))
                   + "; expected " + Quote(options.issuer));
  }
  if (!options.audience.empty()
      && std::find(claims.aud.begin(), claims.aud.end(), options.audience) == claims.aud.end()) {
    return Invalid("audience " + Quote(options.audience) + " is not among the token's "
                   + std::to_string(claims.aud.size()) + " audience(s)");
  }
  if (options.token_use && claims.token_use != *options.token_use) {
    return Invalid("it is a " + std::string(TokenUseName(claims.token_use)) + " token; expected "
                   + std::string(TokenUseName(*options.token_use)));
  }
  return {};
}

}  // namespace

Result<JwtClaims> JwtVerifier::Verify(std::string_view token) const {
  Result<Segments> segments = Split(token, options_.max_token_bytes);
  if (!segments) {
    return segments.error();
  }
  Result<json::object> header = ParseObject(segments->header, "header");
  if (!header) {
    return header.error();
  }
  if (Status valid = CheckHeader(*header, key_.algorithm()); !valid) {
    return valid.error();
  }
  // The signature is checked before the payload is parsed: unauthenticated JSON only ever
  // reaches the small header parser above.
  if (!key_.Verify(segments->signing_input, segments->signature)) {
    return Invalid(std::string(JwtAlgorithmName(key_.algorithm()))
                   + " signature does not match the header and payload");
  }
  Result<json::object> payload = ParseObject(segments->payload, "payload");
  if (!payload) {
    return payload.error();
  }
  Result<JwtClaims> claims = ReadClaims(*payload);
  if (!claims) {
    return claims.error();
  }
  if (Status valid = CheckTimes(*claims, clock_.Now(), options_.leeway); !valid) {
    return valid.error();
  }
  if (Status valid = CheckPolicy(*claims, options_); !valid) {
    return valid.error();
  }
  return claims;
}

}  // namespace amaima::auth
