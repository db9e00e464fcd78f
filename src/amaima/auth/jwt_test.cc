#include "amaima/auth/jwt.h"

#include <array>
#include <chrono>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>
#include <gtest/gtest.h>

#include "amaima/auth/base64url.h"
#include "amaima/core/base64.h"
#include "amaima/core/hashing.h"
#include "test/support/fake_clock.h"
#include "test/support/test_keys.h"

namespace amaima::auth {
namespace {

namespace json = boost::json;
using std::chrono::minutes;
using std::chrono::seconds;

constexpr std::string_view kSecret = "test-secret-of-at-least-32-bytes-0123456789";

using testing::TestRsa2048;

const testing::TestKeyPems& Rsa2048() {
  return TestRsa2048();
}

const testing::TestKeyPems& OtherRsa2048() {
  static const testing::TestKeyPems pems = testing::GenerateTestKey(2048);
  return pems;
}

std::string B64(std::string_view bytes) {
  return Base64Encode(bytes, Base64Alphabet::kUrl);
}

// Signs arbitrary header and payload text with HS256, as an attacker or another
// implementation could.
std::string HsToken(std::string_view header, std::string_view payload,
                    std::string_view secret = kSecret) {
  const std::string input = B64(header) + "." + B64(payload);
  const Sha256Digest mac = HmacSha256(secret, input);
  return input + "." + B64(std::string_view(reinterpret_cast<const char*>(mac.data()), mac.size()));
}

std::string HsToken(std::string_view header, const json::object& payload,
                    std::string_view secret = kSecret) {
  return HsToken(header, json::serialize(payload), secret);
}

constexpr std::string_view kHs256Header = R"({"alg":"HS256","typ":"JWT"})";

// Returns `token` with segment `index` (0 header, 1 payload, 2 signature) replaced.
std::string ReplaceSegment(std::string_view token, std::size_t index, std::string_view segment) {
  const std::size_t first = token.find('.');
  const std::size_t second = token.find('.', first + 1);
  std::array<std::string, 3> parts = {std::string(token.substr(0, first)),
                                      std::string(token.substr(first + 1, second - first - 1)),
                                      std::string(token.substr(second + 1))};
  parts[index] = segment;
  return parts[0] + "." + parts[1] + "." + parts[2];
}

std::string Segment(std::string_view token, std::size_t index) {
  const std::size_t first = token.find('.');
  const std::size_t second = token.find('.', first + 1);
  switch (index) {
    case 0:
      return std::string(token.substr(0, first));
    case 1:
      return std::string(token.substr(first + 1, second - first - 1));
    default:
      return std::string(token.substr(second + 1));
  }
}

// Returns every variant of `token` with one character replaced by a base64url symbol, a
// dot, padding or NUL.
std::vector<std::string> SingleCharacterMutations(const std::string& token) {
  std::vector<std::string> mutations;
  for (std::size_t index = 0; index < token.size(); ++index) {
    for (const char replacement : {'A', 'g', '-', '.', '=', '\0'}) {
      std::string mutated = token;
      mutated[index] = replacement;
      if (mutated != token) {
        mutations.push_back(std::move(mutated));
      }
    }
  }
  return mutations;
}

class JwtTest : public ::testing::Test {
 protected:
  std::chrono::sys_seconds Now() const { return std::chrono::floor<seconds>(clock_.Now()); }

  JwtClaims Claims() const {
    JwtClaims claims;
    claims.iss = "amaima";
    claims.sub = "user-1";
    claims.aud = {"amaima-api"};
    claims.org = "org-1";
    claims.role = "admin";
    claims.email = "ada@example.com";
    claims.jti = "jti-1";
    claims.token_use = TokenUse::kAccess;
    claims.iat = Now();
    claims.exp = Now() + minutes(15);
    return claims;
  }

  // The JSON of Claims(), for tests that alter it before signing.
  json::object Payload() const {
    return json::object{{"iss", "amaima"},
                        {"sub", "user-1"},
                        {"aud", "amaima-api"},
                        {"org", "org-1"},
                        {"role", "admin"},
                        {"token_use", "access"},
                        {"jti", "jti-1"},
                        {"iat", Now().time_since_epoch().count()},
                        {"exp", (Now() + minutes(15)).time_since_epoch().count()}};
  }

  static JwtSigner Signer(Result<JwtKey> key) {
    EXPECT_TRUE(key.has_value());
    Result<JwtSigner> signer = JwtSigner::Create(std::move(*key));
    EXPECT_TRUE(signer.has_value());
    return std::move(*signer);
  }

  static JwtKey Key(Result<JwtKey> key) {
    EXPECT_TRUE(key.has_value());
    return std::move(*key);
  }

  JwtVerifier HsVerifier(JwtVerifierOptions options = {}) const {
    return {Key(JwtKey::Hs256(kSecret)), std::move(options), clock_};
  }

  JwtVerifier RsVerifier(JwtVerifierOptions options = {}) const {
    return {Key(JwtKey::Rs256PublicKey(Rsa2048().public_pem)), std::move(options), clock_};
  }

  std::string HsSign(const JwtClaims& claims) const {
    Result<std::string> token = Signer(JwtKey::Hs256(kSecret)).Sign(claims);
    EXPECT_TRUE(token.has_value());
    if (!token) {
      return {};
    }
    return *token;
  }

  std::string RsSign(const JwtClaims& claims) const {
    Result<std::string> token = Signer(JwtKey::Rs256PrivateKey(Rsa2048().private_pem)).Sign(claims);
    EXPECT_TRUE(token.has_value());
    if (!token) {
      return {};
    }
    return *token;
  }

  static void ExpectRejected(const Result<JwtClaims>& result, std::string_view reason,
                             std::string_view message_part) {
    ASSERT_FALSE(result.has_value());
    EXPECT_EQ(result.error().code, ErrorCode::kUnauthenticated);
    EXPECT_EQ(result.error().reason, reason);
    EXPECT_NE(result.error().message.find(message_part), std::string::npos)
        << result.error().message;
    EXPECT_EQ(result.error().message.find(kSecret), std::string::npos);
  }

  // Returns how many of `tokens` the verifier accepts or rejects without an
  // AUTH_TOKEN_* reason; reports each.
  static std::size_t CountMisjudged(const JwtVerifier& verifier,
                                    const std::vector<std::string>& tokens) {
    std::size_t misjudged = 0;
    for (const std::string& token : tokens) {
      Result<JwtClaims> result = verifier.Verify(token);
      const bool rejected_properly = !result.has_value()
                                     && result.error().code == ErrorCode::kUnauthenticated
                                     && result.error().reason.rfind("AUTH_TOKEN_", 0) == 0;
      if (!rejected_properly) {
        ADD_FAILURE() << "misjudged: " << token;
        ++misjudged;
      }
    }
    return misjudged;
  }

  amaima::testing::FakeClock clock_;
};

TEST_F(JwtTest, Hs256RoundTrip) {
  const std::string token = HsSign(Claims());

  Result<JwtClaims> claims = HsVerifier().Verify(token);

  ASSERT_TRUE(claims.has_value()) << claims.error().message;
  EXPECT_EQ(*claims, Claims());
  EXPECT_EQ(DecodeBase64Url(Segment(token, 0)), R"({"alg":"HS256","typ":"JWT"})");
}

TEST_F(JwtTest, Rs256RoundTrip) {
  JwtClaims input = Claims();
  input.email.reset();
  input.aud = {"amaima-api", "amaima-console"};
  input.nbf = Now() - seconds(5);
  input.token_use = TokenUse::kRefresh;
  const std::string token = RsSign(input);

  Result<JwtClaims> with_public = RsVerifier().Verify(token);
  Result<JwtClaims> with_private =
      JwtVerifier(Key(JwtKey::Rs256PrivateKey(Rsa2048().private_pem)), {}, clock_).Verify(token);

  ASSERT_TRUE(with_public.has_value()) << with_public.error().message;
  EXPECT_EQ(*with_public, input);
  ASSERT_TRUE(with_private.has_value()) << with_private.error().message;
  EXPECT_EQ(*with_private, input);
  EXPECT_EQ(DecodeBase64Url(Segment(token, 0)), R"({"alg":"RS256","typ":"JWT"})");
  // 2048-bit RSA: a 256-byte signature.
  EXPECT_EQ(Segment(token, 2).size(), 342U);
}

TEST_F(JwtTest, Hs256MatchesRfc7515AppendixA1) {
  // The RFC's token verbatim (its JSON has CRLFs no serializer here would reproduce),
  // verified with the RFC's key. Its claims are not AMAIMA's, so a correct signature shows
  // as the first claims error; one changed signature byte shows as a signature error.
  const std::string token =
      "eyJ0eXAiOiJKV1QiLA0KICJhbGciOiJIUzI1NiJ9."
      "eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVl"
      "fQ.dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
  const std::optional<std::string> key = DecodeBase64Url(
      "AyM1SysPpbyDfgZld3umj1qzKObwVMkoqQ-EstJQLr_T-1qS0gZH75aKtMN3Yj0iPS4hcgUuTwjAzZr1Z9CAow");
  ASSERT_TRUE(key.has_value());
  const JwtVerifier verifier(Key(JwtKey::Hs256(*key)), {}, clock_);

  ExpectRejected(verifier.Verify(token), "AUTH_TOKEN_INVALID", "claim 'sub' is missing");
  ExpectRejected(
      verifier.Verify(ReplaceSegment(token, 2, "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXg")),
      "AUTH_TOKEN_INVALID", "signature does not match");
}

TEST_F(JwtTest, RejectsAlgNone) {
  const std::string valid = HsSign(Claims());
  const std::string payload = Segment(valid, 1);

  for (const std::string_view header : {R"({"alg":"none","typ":"JWT"})", R"({"alg":"None"})",
                                        R"({"alg":"NONE"})", R"({"alg":"none"})"}) {
    const std::string unsigned_token = B64(header) + "." + payload + ".";
    const std::string resigned = B64(header) + "." + payload + "." + Segment(valid, 2);

    ExpectRejected(HsVerifier().Verify(unsigned_token), "AUTH_TOKEN_MALFORMED",
                   "signature segment is empty");
    ExpectRejected(HsVerifier().Verify(resigned), "AUTH_TOKEN_INVALID", "only HS256 is accepted");
    ExpectRejected(RsVerifier().Verify(resigned), "AUTH_TOKEN_INVALID", "only RS256 is accepted");
  }
}

TEST_F(JwtTest, RejectsHs256SignedWithTheRsaPublicKey) {
  // The classic algorithm confusion: the attacker knows the public key and uses its PEM
  // text as an HMAC secret, hoping the verifier follows the header's alg.
  const std::string forged = Signer(JwtKey::Hs256(Rsa2048().public_pem)).Sign(Claims()).value();

  ExpectRejected(RsVerifier().Verify(forged), "AUTH_TOKEN_INVALID",
                 R"(header 'alg' is "HS256"; only RS256 is accepted)");
  ExpectRejected(RsVerifier().Verify(ReplaceSegment(forged, 0, B64(R"({"alg":"RS256"})"))),
                 "AUTH_TOKEN_INVALID", "signature does not match");
}

TEST_F(JwtTest, RejectsTheOtherAlgorithmsTokens) {
  ExpectRejected(HsVerifier().Verify(RsSign(Claims())), "AUTH_TOKEN_INVALID",
                 "only HS256 is accepted");
  ExpectRejected(RsVerifier().Verify(HsSign(Claims())), "AUTH_TOKEN_INVALID",
                 "only RS256 is accepted");
}

TEST_F(JwtTest, RejectsAFlippedSignatureByte) {
  for (const bool rsa : {false, true}) {
    const std::string token = rsa ? RsSign(Claims()) : HsSign(Claims());
    const std::string signature = DecodeBase64Url(Segment(token, 2)).value();
    const JwtVerifier verifier = rsa ? RsVerifier() : HsVerifier();

    for (const std::size_t index : {std::size_t{0}, signature.size() / 2, signature.size() - 1}) {
      std::string flipped = signature;
      flipped[index] = static_cast<char>(flipped[index] ^ 0x01);

      ExpectRejected(verifier.Verify(ReplaceSegment(token, 2, B64(flipped))), "AUTH_TOKEN_INVALID",
                     "signature does not match");
    }
    ExpectRejected(verifier.Verify(ReplaceSegment(token, 2, B64(signature.substr(1)))),
                   "AUTH_TOKEN_INVALID", "signature does not match");
  }
}

TEST_F(JwtTest, RejectsAChangedPayload) {
  for (const bool rsa : {false, true}) {
    const std::string token = rsa ? RsSign(Claims()) : HsSign(Claims());
    json::object payload = Payload();
    payload["role"] = "owner";
    const JwtVerifier verifier = rsa ? RsVerifier() : HsVerifier();

    ExpectRejected(verifier.Verify(ReplaceSegment(token, 1, B64(json::serialize(payload)))),
                   "AUTH_TOKEN_INVALID", "signature does not match");
  }
}

TEST_F(JwtTest, RejectsTokensFromOtherKeys) {
  const std::string other_secret(40, 'x');
  const std::string hs = Signer(JwtKey::Hs256(other_secret)).Sign(Claims()).value();
  const std::string rs =
      Signer(JwtKey::Rs256PrivateKey(OtherRsa2048().private_pem)).Sign(Claims()).value();

  ExpectRejected(HsVerifier().Verify(hs), "AUTH_TOKEN_INVALID", "signature does not match");
  ExpectRejected(RsVerifier().Verify(rs), "AUTH_TOKEN_INVALID", "signature does not match");
}

TEST_F(JwtTest, ExpiresAtExpPlusLeeway) {
  JwtClaims claims = Claims();
  claims.exp = Now() + seconds(60);
  const std::string token = HsSign(claims);

  clock_.Advance(seconds(60 + 29));
  EXPECT_TRUE(HsVerifier().Verify(token).has_value());
  clock_.Advance(seconds(1));
  ExpectRejected(HsVerifier().Verify(token), "AUTH_TOKEN_EXPIRED",
                 "expired at " + FormatRfc3339(claims.exp));
  ExpectRejected(HsVerifier({.leeway = seconds(0)}).Verify(token), "AUTH_TOKEN_EXPIRED", "expired");
  EXPECT_TRUE(HsVerifier({.leeway = seconds(31)}).Verify(token).has_value());
}

TEST_F(JwtTest, RejectsTokensNotYetValid) {
  JwtClaims claims = Claims();
  claims.nbf = Now() + seconds(120);
  const std::string token = HsSign(claims);

  ExpectRejected(HsVerifier().Verify(token), "AUTH_TOKEN_INVALID",
                 "not valid before " + FormatRfc3339(*claims.nbf));
  clock_.Advance(seconds(89));
  EXPECT_FALSE(HsVerifier().Verify(token).has_value());
  clock_.Advance(seconds(1));  // nbf - leeway
  EXPECT_TRUE(HsVerifier().Verify(token).has_value());
}

TEST_F(JwtTest, RejectsTokensIssuedInTheFuture) {
  JwtClaims claims = Claims();
  claims.iat = Now() + seconds(31);
  claims.exp = Now() + minutes(15);
  const std::string token = HsSign(claims);
  claims.iat = Now() + seconds(30);
  const std::string within_leeway = HsSign(claims);

  ExpectRejected(HsVerifier().Verify(token), "AUTH_TOKEN_INVALID", "issued in the future");
  EXPECT_TRUE(HsVerifier().Verify(within_leeway).has_value());
}

TEST_F(JwtTest, ChecksIssuerAndAudienceWhenConfigured) {
  const std::string token = HsSign(Claims());
  JwtClaims no_iss_claims = Claims();
  no_iss_claims.iss.clear();
  no_iss_claims.aud.clear();
  const std::string no_iss = HsSign(no_iss_claims);
  const JwtVerifierOptions right{.issuer = "amaima", .audience = "amaima-api"};

  EXPECT_TRUE(HsVerifier(right).Verify(token).has_value());
  ExpectRejected(HsVerifier({.issuer = "someone-else"}).Verify(token), "AUTH_TOKEN_INVALID",
                 R"(issuer is "amaima"; expected "someone-else")");
  ExpectRejected(HsVerifier({.audience = "other-api"}).Verify(token), "AUTH_TOKEN_INVALID",
                 R"(audience "other-api" is not among)");
  ExpectRejected(HsVerifier(right).Verify(no_iss), "AUTH_TOKEN_INVALID", "issuer is missing");
  ExpectRejected(HsVerifier({.audience = "amaima-api"}).Verify(no_iss), "AUTH_TOKEN_INVALID",
                 "audience");
  EXPECT_TRUE(HsVerifier().Verify(no_iss).has_value());
}

TEST_F(JwtTest, AcceptsAnAudienceArrayContainingTheConfiguredOne) {
  json::object payload = Payload();
  payload["aud"] = json::array{"amaima-console", "amaima-api"};
  json::object wrong = Payload();
  wrong["aud"] = json::array{"amaima-console"};
  json::object mistyped = Payload();
  mistyped["aud"] = json::array{"amaima-api", 7};

  Result<JwtClaims> claims =
      HsVerifier({.audience = "amaima-api"}).Verify(HsToken(kHs256Header, payload));

  ASSERT_TRUE(claims.has_value()) << claims.error().message;
  EXPECT_EQ(claims->aud, (std::vector<std::string>{"amaima-console", "amaima-api"}));
  ExpectRejected(HsVerifier({.audience = "amaima-api"}).Verify(HsToken(kHs256Header, wrong)),
                 "AUTH_TOKEN_INVALID", "audience");
  ExpectRejected(HsVerifier().Verify(HsToken(kHs256Header, mistyped)), "AUTH_TOKEN_INVALID",
                 "claim 'aud' is neither a string nor an array of strings");
}

TEST_F(JwtTest, ChecksTokenUseWhenConfigured) {
  JwtClaims refresh = Claims();
  refresh.token_use = TokenUse::kRefresh;
  const std::string token = HsSign(refresh);

  EXPECT_TRUE(HsVerifier({.token_use = TokenUse::kRefresh}).Verify(token).has_value());
  ExpectRejected(HsVerifier({.token_use = TokenUse::kAccess}).Verify(token), "AUTH_TOKEN_INVALID",
                 "it is a refresh token; expected access");
}

TEST_F(JwtTest, AcceptsOnlyJwtAsTyp) {
  EXPECT_TRUE(HsVerifier().Verify(HsToken(R"({"alg":"HS256"})", Payload())).has_value());
  EXPECT_TRUE(
      HsVerifier().Verify(HsToken(R"({"typ":"jwt","alg":"HS256"})", Payload())).has_value());
  ExpectRejected(HsVerifier().Verify(HsToken(R"({"alg":"HS256","typ":"JWE"})", Payload())),
                 "AUTH_TOKEN_INVALID", R"(header 'typ' is "JWE"; only "JWT" is accepted)");
  ExpectRejected(HsVerifier().Verify(HsToken(R"({"alg":"HS256","typ":1})", Payload())),
                 "AUTH_TOKEN_INVALID", "header 'typ' is not a string");
}

TEST_F(JwtTest, RejectsBadHeaders) {
  struct Case {
    std::string_view header;
    std::string_view reason;
    std::string_view message;
  };

  const std::vector<Case> cases = {
      {R"({"typ":"JWT"})", "AUTH_TOKEN_INVALID", "header has no 'alg'"},
      {R"({"alg":256})", "AUTH_TOKEN_INVALID", "header 'alg' is not a string"},
      {R"({"alg":"HS512"})", "AUTH_TOKEN_INVALID", R"(header 'alg' is "HS512")"},
      {R"({"alg":"hs256"})", "AUTH_TOKEN_INVALID", R"(header 'alg' is "hs256")"},
      {R"({"alg":"HS256","crit":["exp"]})", "AUTH_TOKEN_INVALID", "header 'crit'"},
      {R"(["HS256"])", "AUTH_TOKEN_MALFORMED", "header is not a JSON object"},
      {R"({"alg":"HS256")", "AUTH_TOKEN_MALFORMED", "header is not valid JSON"},
      {"", "AUTH_TOKEN_MALFORMED", "header segment is empty"},
      {"\xff\xfe", "AUTH_TOKEN_MALFORMED", "header is not valid JSON"},
  };

  for (const Case& c : cases) {
    SCOPED_TRACE(c.header);
    ExpectRejected(HsVerifier().Verify(HsToken(c.header, Payload())), c.reason, c.message);
  }
}

TEST_F(JwtTest, RejectsMissingOrMistypedClaims) {
  for (const std::string_view name : {"sub", "org", "role", "jti", "token_use", "iat", "exp"}) {
    json::object missing = Payload();
    missing.erase(name);
    json::object mistyped = Payload();
    mistyped[name] = json::array{};
    const bool is_date = name == "iat" || name == "exp";

    ExpectRejected(HsVerifier().Verify(HsToken(kHs256Header, missing)), "AUTH_TOKEN_INVALID",
                   "claim '" + std::string(name) + "' is missing");
    ExpectRejected(
        HsVerifier().Verify(HsToken(kHs256Header, mistyped)), "AUTH_TOKEN_INVALID",
        "claim '" + std::string(name) + (is_date ? "' is not a number" : "' is not a string"));
  }
  json::object empty_sub = Payload();
  empty_sub["sub"] = "";
  json::object bad_use = Payload();
  bad_use["token_use"] = "id";
  json::object negative_exp = Payload();
  negative_exp["exp"] = -1;
  json::object huge_exp = Payload();
  huge_exp["exp"] = 1e300;
  json::object bad_email = Payload();
  bad_email["email"] = false;
  json::object bad_nbf = Payload();
  bad_nbf["nbf"] = "tomorrow";

  ExpectRejected(HsVerifier().Verify(HsToken(kHs256Header, empty_sub)), "AUTH_TOKEN_INVALID",
                 "claim 'sub' is empty");
  ExpectRejected(HsVerifier().Verify(HsToken(kHs256Header, bad_use)), "AUTH_TOKEN_INVALID",
                 R"(claim 'token_use' is "id"; expected "access" or "refresh")");
  ExpectRejected(HsVerifier().Verify(HsToken(kHs256Header, negative_exp)), "AUTH_TOKEN_INVALID",
                 "claim 'exp' is outside the NumericDate range");
  ExpectRejected(HsVerifier().Verify(HsToken(kHs256Header, huge_exp)), "AUTH_TOKEN_INVALID",
                 "claim 'exp' is outside the NumericDate range");
  ExpectRejected(HsVerifier().Verify(HsToken(kHs256Header, bad_email)), "AUTH_TOKEN_INVALID",
                 "claim 'email' is not a string");
  ExpectRejected(HsVerifier().Verify(HsToken(kHs256Header, bad_nbf)), "AUTH_TOKEN_INVALID",
                 "claim 'nbf' is not a number");
}

TEST_F(JwtTest, AcceptsFractionalNumericDates) {
  json::object payload = Payload();
  const auto exp = (Now() + minutes(15)).time_since_epoch().count();
  payload["exp"] = static_cast<double>(exp) + 0.75;

  Result<JwtClaims> claims = HsVerifier().Verify(HsToken(kHs256Header, payload));

  ASSERT_TRUE(claims.has_value()) << claims.error().message;
  EXPECT_EQ(claims->exp.time_since_epoch().count(), exp);
}

TEST_F(JwtTest, RejectsPayloadsThatAreNotJsonObjects) {
  ExpectRejected(HsVerifier().Verify(HsToken(kHs256Header, std::string_view("[1,2]"))),
                 "AUTH_TOKEN_MALFORMED", "payload is not a JSON object");
  ExpectRejected(HsVerifier().Verify(HsToken(kHs256Header, std::string_view("{\"sub\":"))),
                 "AUTH_TOKEN_MALFORMED", "payload is not valid JSON");
  ExpectRejected(HsVerifier().Verify(HsToken(kHs256Header, std::string(100, '['))),
                 "AUTH_TOKEN_MALFORMED", "payload is not valid JSON");
}

TEST_F(JwtTest, RejectsMalformedStructure) {
  const std::string valid = HsSign(Claims());

  struct Case {
    std::string token;
    std::string_view message;
  };

  const std::vector<Case> cases = {
      {"", "token is empty"},
      {"abc", "token has 1 segments"},
      {"abc.def", "token has 2 segments"},
      {valid + ".", "token has 4 segments"},
      {valid + "." + Segment(valid, 2), "token has 4 segments"},
      {"..", "header segment is empty"},
      {Segment(valid, 0) + ".." + Segment(valid, 2), "payload segment is empty"},
      {Segment(valid, 0) + "." + Segment(valid, 1) + ".", "signature segment is empty"},
      {"e30=." + Segment(valid, 1) + "." + Segment(valid, 2),
       "header segment is not unpadded base64url"},
      {ReplaceSegment(valid, 1, Segment(valid, 1) + "="), "payload segment is not unpadded"},
      {ReplaceSegment(valid, 2, Segment(valid, 2) + "+"), "signature segment is not unpadded"},
      {ReplaceSegment(valid, 1, "a b"), "payload segment is not unpadded"},
      {ReplaceSegment(valid, 2, "A"), "signature segment is not unpadded"},
      {" " + valid, "header segment is not unpadded"},
      {valid + "\n", "signature segment is not unpadded"},
      {"Bearer " + valid, "header segment is not unpadded"},
  };

  for (const Case& c : cases) {
    SCOPED_TRACE(c.token);
    ExpectRejected(HsVerifier().Verify(c.token), "AUTH_TOKEN_MALFORMED", c.message);
  }
}

TEST_F(JwtTest, RejectsOversizedTokensBeforeDecoding) {
  JwtClaims claims = Claims();
  claims.email = std::string(7000, 'e');
  const std::string token = HsSign(claims);
  ASSERT_GT(token.size(), 8192U);

  ExpectRejected(HsVerifier().Verify(token), "AUTH_TOKEN_MALFORMED",
                 "token is " + std::to_string(token.size()) + " bytes; at most 8192 are allowed");
  ExpectRejected(HsVerifier().Verify(std::string(8193, 'a')), "AUTH_TOKEN_MALFORMED",
                 "at most 8192");
  EXPECT_TRUE(HsVerifier({.max_token_bytes = 16384}).Verify(token).has_value());
}

TEST_F(JwtTest, TruncationsAreNeverAccepted) {
  for (const bool rsa : {false, true}) {
    const std::string token = rsa ? RsSign(Claims()) : HsSign(Claims());
    const JwtVerifier verifier = rsa ? RsVerifier() : HsVerifier();
    ASSERT_TRUE(verifier.Verify(token).has_value());
    std::vector<std::string> truncations;
    for (std::size_t size = 0; size < token.size(); ++size) {
      truncations.push_back(token.substr(0, size));
    }

    EXPECT_EQ(CountMisjudged(verifier, truncations), 0U);
  }
}

TEST_F(JwtTest, SubstitutionsAreNeverAccepted) {
  for (const bool rsa : {false, true}) {
    const std::string token = rsa ? RsSign(Claims()) : HsSign(Claims());
    const JwtVerifier verifier = rsa ? RsVerifier() : HsVerifier();
    ASSERT_TRUE(verifier.Verify(token).has_value());

    EXPECT_EQ(CountMisjudged(verifier, SingleCharacterMutations(token)), 0U);
  }
}

TEST_F(JwtTest, OnlyKeysThatCanSignMakeSigners) {
  Result<JwtKey> public_key = JwtKey::Rs256PublicKey(Rsa2048().public_pem);
  ASSERT_TRUE(public_key.has_value());
  EXPECT_FALSE(public_key->can_sign());
  EXPECT_EQ(public_key->algorithm(), JwtAlgorithm::kRs256);

  Result<JwtSigner> signer = JwtSigner::Create(*public_key);

  ASSERT_FALSE(signer.has_value());
  EXPECT_EQ(signer.error().reason, "CONFIG_INVALID");
}

TEST_F(JwtTest, SignRejectsIncompleteClaims) {
  const JwtSigner signer = Signer(JwtKey::Hs256(kSecret));
  JwtClaims no_sub = Claims();
  no_sub.sub.clear();
  JwtClaims no_jti = Claims();
  no_jti.jti.clear();
  JwtClaims backwards = Claims();
  backwards.exp = backwards.iat;

  for (const JwtClaims& claims : {no_sub, no_jti, backwards}) {
    Result<std::string> token = signer.Sign(claims);

    ASSERT_FALSE(token.has_value());
    EXPECT_EQ(token.error().code, ErrorCode::kInvalidArgument);
    EXPECT_EQ(token.error().reason, "VALIDATION_INVALID_VALUE");
  }
}

TEST(TokenUseTest, NamesUses) {
  EXPECT_EQ(TokenUseName(TokenUse::kAccess), "access");
  EXPECT_EQ(TokenUseName(TokenUse::kRefresh), "refresh");
}

}  // namespace
}  // namespace amaima::auth
