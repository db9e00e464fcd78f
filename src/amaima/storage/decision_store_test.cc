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

// GoogleTest assertions count as branches for clang-tidy 14 (see messages_wire_test.cc).
// NOLINTBEGIN(readability-function-cognitive-complexity)
std::string FieldOf(const Error& error) {
  for (const auto& [key, value] : error.details) {
    if (key == "field") {
      return value;
    }
  }
  return "";
}

TEST(ValidateFeedbackTest, AcceptsALevelARatingOrBoth) {
  StoredFeedback level_only;
  level_only.correct_level = "EXPERT";
  StoredFeedback rating_only;
  rating_only.rating = 1;
  StoredFeedback both;
  both.correct_level = "TRIVIAL";
  both.rating = 5;
  both.comment = std::string(kMaxFeedbackCommentBytes, 'x');

  EXPECT_TRUE(ValidateFeedback(level_only));
  EXPECT_TRUE(ValidateFeedback(rating_only));
  EXPECT_TRUE(ValidateFeedback(both));
}

TEST(ValidateFeedbackTest, NamesTheFieldOfEachProblem) {
  struct Case {
    StoredFeedback feedback;
    const char* reason;
    const char* field;
  };

  StoredFeedback empty;
  StoredFeedback lower_case;
  lower_case.correct_level = "simple";
  StoredFeedback zero;
  zero.rating = 0;
  StoredFeedback six;
  six.rating = 6;
  StoredFeedback long_comment;
  long_comment.rating = 3;
  long_comment.comment = std::string(kMaxFeedbackCommentBytes + 1, 'x');
  const std::vector<Case> cases = {
      {empty, "VALIDATION_MISSING_FIELD", "correct_level"},
      {lower_case, "VALIDATION_INVALID_VALUE", "correct_level"},
      {zero, "VALIDATION_INVALID_VALUE", "rating"},
      {six, "VALIDATION_INVALID_VALUE", "rating"},
      {long_comment, "VALIDATION_INVALID_VALUE", "comment"},
  };

  for (const Case& c : cases) {
    const Status valid = ValidateFeedback(c.feedback);

    ASSERT_FALSE(valid) << c.field;
    EXPECT_EQ(valid.error().code, ErrorCode::kInvalidArgument);
    EXPECT_EQ(valid.error().reason, c.reason);
    EXPECT_EQ(FieldOf(valid.error()), c.field);
  }
}

// NOLINTEND(readability-function-cognitive-complexity)

}  // namespace
}  // namespace amaima::storage
