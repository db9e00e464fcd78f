#include "amaima/auth/base64url.h"

#include <string>

#include <gtest/gtest.h>

#include "amaima/core/base64.h"
#include "amaima/core/hashing.h"

namespace amaima::auth {
namespace {

TEST(Base64UrlTest, DecodesWhatCoreEncodesForEveryTailLength) {
  for (std::size_t size = 0; size <= 70; ++size) {
    const std::string bytes = RandomBytes(size);

    const std::optional<std::string> decoded =
        DecodeBase64Url(Base64Encode(bytes, Base64Alphabet::kUrl));

    ASSERT_TRUE(decoded.has_value()) << size;
    EXPECT_EQ(*decoded, bytes);
  }
}

TEST(Base64UrlTest, DecodesRfc4648Vectors) {
  EXPECT_EQ(DecodeBase64Url(""), "");
  EXPECT_EQ(DecodeBase64Url("Zg"), "f");
  EXPECT_EQ(DecodeBase64Url("Zm8"), "fo");
  EXPECT_EQ(DecodeBase64Url("Zm9v"), "foo");
  EXPECT_EQ(DecodeBase64Url("Zm9vYmFy"), "foobar");
  EXPECT_EQ(DecodeBase64Url("-_8"), "\xfb\xff");
}

TEST(Base64UrlTest, RejectsPaddingForeignCharactersAndImpossibleLengths) {
  EXPECT_FALSE(DecodeBase64Url("Zg=="));
  EXPECT_FALSE(DecodeBase64Url("Zm8="));
  EXPECT_FALSE(DecodeBase64Url("+/8"));  // the standard alphabet
  EXPECT_FALSE(DecodeBase64Url("Zm 9v"));
  EXPECT_FALSE(DecodeBase64Url("Zm9v\n"));
  EXPECT_FALSE(DecodeBase64Url(std::string("Zm\0v", 4)));
  EXPECT_FALSE(DecodeBase64Url("Z"));
  EXPECT_FALSE(DecodeBase64Url("Zm9vY"));
}

TEST(Base64UrlTest, RejectsNonZeroUnusedBits) {
  // "Zg" is the one encoding of "f"; "Zh".."Zv" carry the same byte with stray low bits.
  EXPECT_TRUE(DecodeBase64Url("Zg"));
  EXPECT_FALSE(DecodeBase64Url("Zh"));
  EXPECT_FALSE(DecodeBase64Url("Zv"));
  EXPECT_TRUE(DecodeBase64Url("Zm8"));
  EXPECT_FALSE(DecodeBase64Url("Zm9"));
}

}  // namespace
}  // namespace amaima::auth
