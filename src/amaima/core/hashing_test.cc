#include "amaima/core/hashing.h"

#include <gtest/gtest.h>

namespace amaima {
namespace {

TEST(HashingTest, Sha256MatchesKnownVector) {
  EXPECT_EQ(ToHex(Sha256("abc")),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(ToHex(Sha256("")), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

TEST(HashingTest, HmacSha256MatchesRfc4231Case2) {
  EXPECT_EQ(ToHex(HmacSha256("Jefe", "what do ya want for nothing?")),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

TEST(HashingTest, ConstantTimeEqualsComparesContentAndLength) {
  EXPECT_TRUE(ConstantTimeEquals("secret", "secret"));
  EXPECT_FALSE(ConstantTimeEquals("secret", "secreT"));
  EXPECT_FALSE(ConstantTimeEquals("secret", "secret!"));
}

TEST(HashingTest, RandomBytesHaveRequestedLengthAndDiffer) {
  const std::string a = RandomBytes(32);
  const std::string b = RandomBytes(32);

  EXPECT_EQ(a.size(), 32U);
  EXPECT_NE(a, b);
}

}  // namespace
}  // namespace amaima
