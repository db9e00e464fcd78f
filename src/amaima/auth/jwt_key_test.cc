#include "amaima/auth/jwt_key.h"

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <openssl/bio.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>

#include "amaima/auth/base64url.h"
#include "test/support/test_keys.h"

namespace amaima::auth {
namespace {

struct PkeyDeleter {
  void operator()(EVP_PKEY* pkey) const { EVP_PKEY_free(pkey); }
};

struct BioDeleter {
  void operator()(BIO* bio) const { BIO_free(bio); }
};

std::string DrainBio(BIO* bio) {
  std::string text(BIO_ctrl_pending(bio), '\0');
  const int read = BIO_read(bio, text.data(), static_cast<int>(text.size()));
  text.resize(read > 0 ? static_cast<std::size_t>(read) : 0);
  return text;
}

using KeyPems = testing::TestKeyPems;

KeyPems GenerateKey(std::optional<int> rsa_bits) {
  return testing::GenerateTestKey(rsa_bits);
}

const KeyPems& Rsa2048() {
  return testing::TestRsa2048();
}

TEST(JwtKeyTest, NamesAlgorithms) {
  EXPECT_EQ(JwtAlgorithmName(JwtAlgorithm::kHs256), "HS256");
  EXPECT_EQ(JwtAlgorithmName(JwtAlgorithm::kRs256), "RS256");
}

TEST(JwtKeyTest, Hs256SignsTheRfc7515AppendixA1Example) {
  // RFC 7515 A.1: the JWK "k" of the example key, the signing input (its JSON has CRLFs,
  // so it is taken pre-encoded) and the resulting signature.
  const std::optional<std::string> secret = DecodeBase64Url(
      "AyM1SysPpbyDfgZld3umj1qzKObwVMkoqQ-EstJQLr_T-1qS0gZH75aKtMN3Yj0iPS4hcgUuTwjAzZr1Z9CAow");
  ASSERT_TRUE(secret.has_value());
  const std::string signing_input =
      "eyJ0eXAiOiJKV1QiLA0KICJhbGciOiJIUzI1NiJ9."
      "eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVl"
      "fQ";
  const std::optional<std::string> expected =
      DecodeBase64Url("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk");
  ASSERT_TRUE(expected.has_value());
  Result<JwtKey> key = JwtKey::Hs256(*secret);
  ASSERT_TRUE(key.has_value());

  Result<std::string> signature = key->Sign(signing_input);

  ASSERT_TRUE(signature.has_value());
  EXPECT_EQ(*signature, *expected);
  EXPECT_TRUE(key->Verify(signing_input, *expected));
  EXPECT_FALSE(key->Verify(signing_input + "x", *expected));
  EXPECT_FALSE(key->Verify(signing_input, expected->substr(1)));
}

TEST(JwtKeyTest, Rs256SignaturesVerifyWithThePublicKeyOnly) {
  Result<JwtKey> private_key = JwtKey::Rs256PrivateKey(Rsa2048().private_pem);
  Result<JwtKey> public_key = JwtKey::Rs256PublicKey(Rsa2048().public_pem);
  Result<JwtKey> other_key = JwtKey::Rs256PublicKey(GenerateKey(2048).public_pem);
  ASSERT_TRUE(private_key.has_value());
  ASSERT_TRUE(public_key.has_value());
  ASSERT_TRUE(other_key.has_value());

  Result<std::string> signature = private_key->Sign("header.payload");
  Result<std::string> again = private_key->Sign("header.payload");

  ASSERT_TRUE(signature.has_value());
  EXPECT_EQ(signature->size(), 256U);
  ASSERT_TRUE(again.has_value());
  EXPECT_EQ(*again, *signature);  // PKCS#1 v1.5 is deterministic
  EXPECT_TRUE(public_key->Verify("header.payload", *signature));
  EXPECT_TRUE(private_key->Verify("header.payload", *signature));
  EXPECT_FALSE(public_key->Verify("header.payloaD", *signature));
  EXPECT_FALSE(other_key->Verify("header.payload", *signature));
  EXPECT_FALSE(public_key->Verify("header.payload", ""));
}

TEST(JwtKeyTest, OnlyHs256AndPrivateKeysCanSign) {
  Result<JwtKey> hs = JwtKey::Hs256(std::string(32, 's'));
  Result<JwtKey> private_key = JwtKey::Rs256PrivateKey(Rsa2048().private_pem);
  Result<JwtKey> public_key = JwtKey::Rs256PublicKey(Rsa2048().public_pem);
  ASSERT_TRUE(hs.has_value());
  ASSERT_TRUE(private_key.has_value());
  ASSERT_TRUE(public_key.has_value());

  Result<std::string> refused = public_key->Sign("header.payload");

  EXPECT_EQ(hs->algorithm(), JwtAlgorithm::kHs256);
  EXPECT_EQ(private_key->algorithm(), JwtAlgorithm::kRs256);
  EXPECT_EQ(public_key->algorithm(), JwtAlgorithm::kRs256);
  EXPECT_TRUE(hs->can_sign());
  EXPECT_TRUE(private_key->can_sign());
  EXPECT_FALSE(public_key->can_sign());
  ASSERT_FALSE(refused.has_value());
  EXPECT_EQ(refused.error().code, ErrorCode::kFailedPrecondition);
}

TEST(JwtKeyTest, Hs256SecretsShorterThan32BytesAreAConfigurationError) {
  Result<JwtKey> short_key = JwtKey::Hs256(std::string(31, 's'));
  Result<JwtKey> long_enough = JwtKey::Hs256(std::string(32, 's'));

  ASSERT_FALSE(short_key.has_value());
  EXPECT_EQ(short_key.error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(short_key.error().reason, "CONFIG_INVALID");
  EXPECT_EQ(short_key.error().message, "HS256 secret is 31 bytes; at least 32 are required");
  EXPECT_TRUE(long_enough.has_value());
}

TEST(JwtKeyTest, Rs256KeysMustBeReadableRsaOfAtLeast2048Bits) {
  const KeyPems small = GenerateKey(1024);
  const KeyPems ec = GenerateKey(std::nullopt);

  struct Case {
    Result<JwtKey> key;
    std::string_view message;
  };

  const std::vector<Case> cases = {
      {JwtKey::Rs256PrivateKey("not a pem"), "not a readable unencrypted PEM"},
      {JwtKey::Rs256PublicKey(""), "not a readable unencrypted PEM"},
      {JwtKey::Rs256PrivateKey(Rsa2048().public_pem), "not a readable unencrypted PEM"},
      {JwtKey::Rs256PublicKey(Rsa2048().private_pem), "not a readable unencrypted PEM"},
      {JwtKey::Rs256PrivateKey(small.private_pem), "has 1024 bits; at least 2048"},
      {JwtKey::Rs256PublicKey(small.public_pem), "has 1024 bits; at least 2048"},
      {JwtKey::Rs256PrivateKey(ec.private_pem), "is not an RSA key"},
      {JwtKey::Rs256PublicKey(ec.public_pem), "is not an RSA key"},
  };

  for (const Case& c : cases) {
    ASSERT_FALSE(c.key.has_value()) << c.message;
    EXPECT_EQ(c.key.error().code, ErrorCode::kInvalidArgument);
    EXPECT_EQ(c.key.error().reason, "CONFIG_INVALID");
    EXPECT_NE(c.key.error().message.find(c.message), std::string::npos) << c.key.error().message;
  }
}

TEST(JwtKeyTest, RefusesEncryptedPrivateKeysWithoutPrompting) {
  Result<JwtKey> plain = JwtKey::Rs256PrivateKey(Rsa2048().private_pem);
  ASSERT_TRUE(plain.has_value());
  const std::unique_ptr<BIO, BioDeleter> in(BIO_new_mem_buf(
      Rsa2048().private_pem.data(), static_cast<int>(Rsa2048().private_pem.size())));
  const std::unique_ptr<EVP_PKEY, PkeyDeleter> pkey(
      PEM_read_bio_PrivateKey(in.get(), nullptr, nullptr, nullptr));
  const std::unique_ptr<BIO, BioDeleter> out(BIO_new(BIO_s_mem()));
  std::string passphrase = "correct horse";
  ASSERT_EQ(PEM_write_bio_PKCS8PrivateKey(out.get(), pkey.get(), EVP_aes_256_cbc(), nullptr, 0,
                                          nullptr, passphrase.data()),
            1);
  const std::string encrypted = DrainBio(out.get());
  ASSERT_NE(encrypted.find("ENCRYPTED PRIVATE KEY"), std::string::npos);

  Result<JwtKey> key = JwtKey::Rs256PrivateKey(encrypted);

  ASSERT_FALSE(key.has_value());
  EXPECT_EQ(key.error().reason, "CONFIG_INVALID");
}

}  // namespace
}  // namespace amaima::auth
