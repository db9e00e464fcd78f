#include "amaima/accounting/usage.h"

#include <gtest/gtest.h>

#include "amaima/routing/features.h"

namespace amaima::accounting {
namespace {

providers::ChatRequest TwoMessages() {
  providers::ChatRequest request;
  request.messages.push_back({.role = "system", .content = "You are terse."});
  request.messages.push_back({.role = "user", .content = "What is the capital of France?"});
  return request;
}

TEST(UsageTest, ReportedUsageIsKeptAsIs) {
  const providers::Usage reported{.prompt_tokens = 12, .completion_tokens = 7};
  const providers::Usage usage = UsageOrEstimate(reported, 111, 999);
  EXPECT_EQ(usage.prompt_tokens, 12);
  EXPECT_EQ(usage.completion_tokens, 7);
  EXPECT_FALSE(usage.estimated);
}

TEST(UsageTest, MissingUsageIsEstimatedAndFlagged) {
  const providers::Usage usage = UsageOrEstimate(std::nullopt, 42, 5);
  EXPECT_TRUE(usage.estimated);
  EXPECT_EQ(usage.prompt_tokens, 42);
  EXPECT_EQ(usage.completion_tokens, 5);
}

TEST(UsageTest, PromptEstimateCountsEveryMessageLikeTheRouter) {
  // Two messages of overhead, the reply priming, and each text as the router counts it.
  EXPECT_EQ(EstimatePromptTokens(TwoMessages()),
            3 + 4 + routing::EstimateTokens("You are terse.") + 4
                + routing::EstimateTokens("What is the capital of France?"));
}

TEST(UsageTest, ToolsAndToolCallsCount) {
  providers::ChatRequest request = TwoMessages();
  const std::int64_t plain = EstimatePromptTokens(request);
  request.tools.push_back({.name = "get_weather",
                           .description = "Weather for a city",
                           .parameters_json = R"({"type":"object"})"});
  EXPECT_GT(EstimatePromptTokens(request), plain);

  const std::vector<providers::ToolCall> calls = {
      {.id = "c1", .name = "get_weather", .arguments = R"({"city":"Paris"})"}};
  EXPECT_EQ(
      EstimateCompletionTokens("", calls),
      routing::EstimateTokens("get_weather") + routing::EstimateTokens(R"({"city":"Paris"})"));
  EXPECT_EQ(EstimateCompletionTokens("", {}), 0);
}

TEST(UsageTest, CostUsesThePerMillionPrices) {
  config::ModelConfig model;
  model.input_price_per_1m = 2.5;
  model.output_price_per_1m = 10.0;
  const providers::Usage usage{.prompt_tokens = 1000, .completion_tokens = 500};
  EXPECT_DOUBLE_EQ(CostUsd(model, usage), (1000 * 2.5 + 500 * 10.0) / 1e6);
  EXPECT_DOUBLE_EQ(CostUsd(model, providers::Usage{}), 0.0);
}

}  // namespace
}  // namespace amaima::accounting
