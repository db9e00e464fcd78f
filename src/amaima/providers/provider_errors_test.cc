#include "amaima/providers/provider_errors.h"

#include <gtest/gtest.h>

namespace amaima::providers {
namespace {

using std::chrono::milliseconds;

TEST(ProviderErrorsTest, MapsStatusesToCodesAndReasons) {
  const Error limited = UpstreamStatusError("openai", 429, "slow down", "3");
  EXPECT_EQ(limited.code, ErrorCode::kResourceExhausted);
  EXPECT_EQ(limited.reason, "UPSTREAM_RATE_LIMITED");
  EXPECT_EQ(limited.message, "openai answered HTTP 429: slow down");
  EXPECT_EQ(RetryAfter(limited), milliseconds(3000));
  EXPECT_EQ(Detail(limited, "provider"), "openai");

  EXPECT_EQ(UpstreamStatusError("p", 502, "", std::nullopt).reason, "UPSTREAM_SERVER_ERROR");
  EXPECT_EQ(UpstreamStatusError("p", 403, "", std::nullopt).reason, "UPSTREAM_AUTH_FAILED");
  EXPECT_EQ(UpstreamStatusError("p", 404, "", std::nullopt).reason, "UPSTREAM_REJECTED");
  EXPECT_FALSE(RetryAfter(UpstreamStatusError("p", 429, "", std::nullopt)).has_value());
}

TEST(ProviderErrorsTest, ParsesRetryAfterSecondsOnly) {
  EXPECT_EQ(ParseRetryAfter("2"), milliseconds(2000));
  EXPECT_EQ(ParseRetryAfter(" 1.5 "), milliseconds(1500));
  EXPECT_FALSE(ParseRetryAfter("Wed, 21 Oct 2015 07:28:00 GMT").has_value());
  EXPECT_FALSE(ParseRetryAfter("-1").has_value());
  EXPECT_FALSE(ParseRetryAfter("").has_value());
}

TEST(ProviderErrorsTest, OnlyTransientFailuresAreRetryable) {
  for (const char* reason :
       {"UPSTREAM_RATE_LIMITED", "UPSTREAM_SERVER_ERROR", "UPSTREAM_RESET",
        "UPSTREAM_CONNECT_FAILED", "UPSTREAM_READ_TIMEOUT", "UPSTREAM_STREAM_ERROR"}) {
    EXPECT_TRUE(IsRetryable(Fail(ErrorCode::kUnavailable, reason, "x"))) << reason;
  }
  for (const char* reason : {"UPSTREAM_REJECTED", "UPSTREAM_AUTH_FAILED", "UPSTREAM_CANCELLED",
                             "UPSTREAM_BAD_RESPONSE", "VALIDATION_MISSING_FIELD", ""}) {
    EXPECT_FALSE(IsRetryable(Fail(ErrorCode::kUnavailable, reason, "x"))) << reason;
  }
}

}  // namespace
}  // namespace amaima::providers
