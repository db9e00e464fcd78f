#include "amaima/core/base64.h"

#include <gtest/gtest.h>

namespace amaima {
namespace {

TEST(Base64Test, EncodesRfc4648TestVectors) {
  const char* inputs[] = {"", "f", "fo", "foo", "foob", "fooba", "foobar"};
  const char* standard[] = {"", "Zg==", "Zm8=", "Zm9v", "Zm9vYg==", "Zm9vYmE=", "Zm9vYmFy"};
  const char* url[] = {"", "Zg", "Zm8", "Zm9v", "Zm9vYg", "Zm9vYmE", "Zm9vYmFy"};
  for (int i = 0; i < 7; ++i) {
    EXPECT_EQ(Base64Encode(inputs[i], Base64Alphabet::kStandard), standard[i]);
    EXPECT_EQ(Base64Encode(inputs[i], Base64Alphabet::kUrl), url[i]);
  }
}

TEST(Base64Test, UsesEachAlphabetsLastTwoSymbols) {
  const std::string bytes("\xfb\xff\xbf", 3);

  EXPECT_EQ(Base64Encode(bytes, Base64Alphabet::kStandard), "+/+/");
  EXPECT_EQ(Base64Encode(bytes, Base64Alphabet::kUrl), "-_-_");
}

}  // namespace
}  // namespace amaima
