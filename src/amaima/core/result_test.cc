#include "amaima/core/result.h"

#include <stdexcept>

#include <gtest/gtest.h>

#include "amaima/core/clock.h"

namespace amaima {
namespace {

Result<int> ParsePositive(int value) {
  if (value <= 0) {
    return Fail(ErrorCode::kInvalidArgument, "VALIDATION_OUT_OF_RANGE", "must be positive");
  }
  return value;
}

TEST(ResultTest, CarriesValueOrError) {
  const Result<int> ok = ParsePositive(3);
  const Result<int> bad = ParsePositive(-1);

  ASSERT_TRUE(ok);
  EXPECT_EQ(*ok, 3);
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(bad.error().reason, "VALIDATION_OUT_OF_RANGE");
}

TEST(ResultTest, ValueOnErrorIsALogicError) {
  const Result<int> bad = ParsePositive(0);

  EXPECT_THROW((void)bad.value(), std::logic_error);
}

TEST(ResultTest, WithAddsDetails) {
  const Error error = Fail(ErrorCode::kInvalidArgument, "bad").With("field", "query");

  ASSERT_EQ(error.details.size(), 1U);
  EXPECT_EQ(error.details[0].first, "field");
  EXPECT_EQ(error.details[0].second, "query");
}

TEST(ClockTest, FormatsRfc3339WithMilliseconds) {
  const auto t =
      std::chrono::system_clock::time_point(std::chrono::milliseconds(1'763'719'200'007));

  EXPECT_EQ(FormatRfc3339(t), "2025-11-21T10:00:00.007Z");
}

}  // namespace
}  // namespace amaima
