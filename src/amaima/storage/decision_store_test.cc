#include "amaima/storage/decision_store.h"

#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace amaima::storage {
namespace {

constexpr std::string_view kId = "0193a2c4-5e6f-7000-8abc-0123456789ab";

TEST(DecisionCursorTest, RoundTripsADecisionId) {
  const std::string cursor = EncodeDecisionCursor(kId);

  const Result<std::string> decoded = DecodeDecisionCursor(cursor);

  ASSERT_TRUE(decoded) << decoded.error().message;
  EXPECT_EQ(*decoded, kId);
  EXPECT_EQ(
      cursor.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"),
      std::string::npos);
}

TEST(DecisionCursorTest, RejectsMalformedCursors) {
  const std::string valid = EncodeDecisionCursor(kId);
  const std::vector<std::string> cases = {
      "!!!!",
      "a",
      valid + "A",                                                   // Trailing garbage.
      valid.substr(0, valid.size() - 1),                             // Truncated.
      EncodeDecisionCursor("not-a-uuid"),                            // Right prefix, wrong key.
      EncodeDecisionCursor("0193A2C4-5E6F-7000-8ABC-0123456789AB"),  // Upper case never stored.
      valid + "==",                                                  // Padding is not ours.
      "ZDE6",                                                        // Prefix only.
  };

  for (const std::string& cursor : cases) {
    const Result<std::string> decoded = DecodeDecisionCursor(cursor);

    ASSERT_FALSE(decoded) << cursor;
    EXPECT_EQ(decoded.error().code, ErrorCode::kInvalidArgument);
    EXPECT_EQ(decoded.error().reason, kInvalidCursorReason);
  }
}

}  // namespace
}  // namespace amaima::storage
