#include "amaima/core/hashing.h"

#include <string>
#include <utility>

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

TEST(HashingTest, HmacSha256KeyMatchesRfc4231Cases) {
  // Case 2 (short key) and case 6 (a 131-byte key, longer than the block, hashed first).
  const HmacSha256Key jefe("Jefe");
  EXPECT_EQ(ToHex(jefe.Sign("what do ya want for nothing?")),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
  const HmacSha256Key long_key(std::string(131, '\xaa'));
  EXPECT_EQ(ToHex(long_key.Sign("Test Using Larger Than Block-Size Key - Hash Key First")),
            "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54");
}

TEST(HashingTest, HmacSha256KeyAgreesWithOneShotHmacAndSurvivesMoves) {
  for (const std::string& key : {std::string(), std::string("k"), std::string(64, 'x'),
                                 std::string(65, 'y'), RandomBytes(32)}) {
    HmacSha256Key first(key);
    const HmacSha256Key moved(std::move(first));
    for (const std::string& data : {std::string(), std::string("abc"), std::string(1000, 'z')}) {
      EXPECT_EQ(moved.Sign(data), HmacSha256(key, data));
      EXPECT_EQ(moved.Sign(data), moved.Sign(data));  // the prefix state is not consumed
    }
  }
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
