#include "amaima/auth/secrets.h"

#include <set>
#include <string>

#include <gtest/gtest.h>

#include "amaima/auth/base64url.h"

namespace amaima::auth {
namespace {

TEST(SecretsTest, ConstantTimeEqualComparesContentAndLength) {
  EXPECT_TRUE(ConstantTimeEqual("", ""));
  EXPECT_TRUE(ConstantTimeEqual("secret", "secret"));
  EXPECT_FALSE(ConstantTimeEqual("secret", "secreT"));
  EXPECT_FALSE(ConstantTimeEqual("secret", "Secret"));
  EXPECT_FALSE(ConstantTimeEqual("secret", "secret!"));
  EXPECT_FALSE(ConstantTimeEqual("secret", ""));
  EXPECT_TRUE(ConstantTimeEqual(std::string("a\0b", 3), std::string("a\0b", 3)));
  EXPECT_FALSE(ConstantTimeEqual(std::string("a\0b", 3), std::string("a\0c", 3)));
}

TEST(SecretsTest, RandomTokenIsUnpaddedBase64UrlOfTheRequestedBytes) {
  const std::string token = RandomToken(32);

  EXPECT_EQ(token.size(), 43U);
  EXPECT_EQ(
      token.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"),
      std::string::npos);
  const std::optional<std::string> bytes = DecodeBase64Url(token);
  ASSERT_TRUE(bytes.has_value());
  EXPECT_EQ(bytes->size(), 32U);
  EXPECT_EQ(RandomToken(0), "");
  EXPECT_EQ(RandomToken(1).size(), 2U);
}

TEST(SecretsTest, RandomTokensDoNotRepeat) {
  std::set<std::string> seen;
  for (int i = 0; i < 1000; ++i) {
    seen.insert(RandomToken(16));
  }

  EXPECT_EQ(seen.size(), 1000U);
}

TEST(SecretsTest, Sha256HexMatchesFips180Vectors) {
  EXPECT_EQ(Sha256Hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(Sha256Hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

}  // namespace
}  // namespace amaima::auth
