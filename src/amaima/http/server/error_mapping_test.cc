#include "amaima/http/server/error_mapping.h"

#include <boost/json/parse.hpp>
#include <gtest/gtest.h>

namespace amaima::http {
namespace {

TEST(ErrorMappingTest, MapsCodesAndReasonsToStatuses) {
  EXPECT_EQ(HttpStatusFor(Fail(ErrorCode::kInvalidArgument, "x")), 400);
  EXPECT_EQ(HttpStatusFor(Fail(ErrorCode::kNotFound, "x")), 404);
  EXPECT_EQ(HttpStatusFor(Fail(ErrorCode::kFailedPrecondition, "x")), 422);
  EXPECT_EQ(HttpStatusFor(Fail(ErrorCode::kResourceExhausted, "x")), 429);
  EXPECT_EQ(HttpStatusFor(Fail(ErrorCode::kUnavailable, "x")), 503);
  EXPECT_EQ(HttpStatusFor(Fail(ErrorCode::kInvalidArgument, "VALIDATION_PAYLOAD_TOO_LARGE", "x")),
            413);
  EXPECT_EQ(
      HttpStatusFor(Fail(ErrorCode::kInvalidArgument, "VALIDATION_UNSUPPORTED_MEDIA_TYPE", "x")),
      415);
  EXPECT_EQ(HttpStatusFor(Fail(ErrorCode::kInvalidArgument, "SYSTEM_METHOD_NOT_ALLOWED", "x")),
            405);
  EXPECT_EQ(PublicCode(Fail(ErrorCode::kInternal, "x")), "SYSTEM_INTERNAL_ERROR");
}

TEST(ErrorMappingTest, BuildsTheErrorJsonWithDetailsAndRequestId) {
  const Error error = Fail(ErrorCode::kFailedPrecondition, "QUERY_CONSTRAINTS_UNSATISFIABLE", "no")
                          .With("violated", "COST_CONSTRAINT")
                          .With("violated", "LATENCY_CONSTRAINT")
                          .With("field", "max_cost_usd");

  const HttpResponse response = ErrorResponse(error, "req-9");

  EXPECT_EQ(response.status, 422);
  const auto body = boost::json::parse(response.body).as_object();
  const auto& e = body.at("error").as_object();
  EXPECT_EQ(e.at("code").as_string(), "QUERY_CONSTRAINTS_UNSATISFIABLE");
  EXPECT_EQ(e.at("message").as_string(), "no");
  EXPECT_EQ(e.at("request_id").as_string(), "req-9");
  EXPECT_EQ(e.at("details").at("violated").as_array().size(), 2U);
  EXPECT_EQ(e.at("details").at("field").as_string(), "max_cost_usd");
}

}  // namespace
}  // namespace amaima::http

namespace amaima::http {
namespace {

TEST(ErrorMappingTest, AnExceededBudgetIsPaymentRequiredNotTooManyRequests) {
  const Error budget = Fail(ErrorCode::kResourceExhausted, "BUDGET_EXCEEDED", "over the cap")
                           .With("scope", "org:acme");
  const Error rate = Fail(ErrorCode::kResourceExhausted, "RATE_LIMIT_EXCEEDED", "slow down");

  EXPECT_EQ(HttpStatusFor(budget), 402);
  EXPECT_EQ(PublicCode(budget), "BUDGET_EXCEEDED");
  EXPECT_EQ(HttpStatusFor(rate), 429);
}

}  // namespace
}  // namespace amaima::http
