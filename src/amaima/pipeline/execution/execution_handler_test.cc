#include "amaima/pipeline/execution/execution_handler.h"

#include <mutex>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>
#include <gtest/gtest.h>

#include "amaima/routing/features.h"
#include "test/support/fake_provider/fake_provider.h"

// GCC 12 at -O2 reports a false -Wmaybe-uninitialized on copying a FakeRule whose
// std::optional<std::string> members were assigned (gcc PR tree-optimization/105562).
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif

namespace amaima::pipeline {
namespace {

namespace net = boost::asio;
using amaima::testing::FakeProvider;
using amaima::testing::FakeRule;

class RecordingUsage final : public UsageRecorder {
 public:
  void Record(storage::StoredExecution record) override {
    const std::lock_guard<std::mutex> lock(mutex_);
    records_.push_back(std::move(record));
  }

  std::vector<storage::StoredExecution> records() const {
    const std::lock_guard<std::mutex> lock(mutex_);
    return records_;
  }

 private:
  mutable std::mutex mutex_;
  std::vector<storage::StoredExecution> records_;
};

// One OpenAI-speaking upstream on the fake provider serving catalog models "a" and "b",
// priced $1 / $2 (a) and $3 / $4 (b) per 1M input / output tokens.
class ExecutionHandlerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto fake = FakeProvider::Start();
    ASSERT_TRUE(fake.has_value());
    fake_ = std::move(*fake);
    config::ProviderConfig upstream;
    upstream.name = "local";
    upstream.type = "openai";
    upstream.base_url = fake_->base_url() + "/v1";
    upstream.max_attempts = 1;
    upstream.breaker_failure_threshold = 100;
    config_.providers["local"] = upstream;
    config_.models["a"] = config::ModelConfig{.name = "a",
                                              .provider = "openai",
                                              .upstream = "local",
                                              .upstream_model = "up-a",
                                              .input_price_per_1m = 1.0,
                                              .output_price_per_1m = 2.0};
    config_.models["b"] = config::ModelConfig{.name = "b",
                                              .provider = "openai",
                                              .upstream = "local",
                                              .upstream_model = "up-b",
                                              .input_price_per_1m = 3.0,
                                              .output_price_per_1m = 4.0};
    auto registry = providers::ProviderRegistry::Create(config_, clock_);
    ASSERT_TRUE(registry.has_value()) << registry.error().message;
    registry_ = std::move(*registry);
    executor_ = std::make_unique<providers::Executor>(*registry_, [] { return 0.0; });
    handler_ = std::make_unique<ExecutionHandler>(config_, *executor_, usage_, clock_);

    exchange_.request_id = "req-1";
    exchange_.org_id = "org-1";
    exchange_.started = clock_.Monotonic();
    exchange_.decision.emplace();
    exchange_.decision->decision_id = "0193a2c4-5e6f-7000-8abc-000000000001";
    exchange_.decision->route.model = "a";
    exchange_.decision->route.fallback_chain = {"b"};
  }

  void TearDown() override {
    handler_.reset();
    executor_.reset();
    registry_.reset();
  }

  template <typename T>
  T Run(net::awaitable<T> task) {
    auto result = net::co_spawn(io_, std::move(task), net::use_future);
    io_.restart();
    io_.run();
    return result.get();
  }

  static providers::ChatRequest Hello() {
    providers::ChatRequest request;
    request.messages.push_back({.role = "user", .content = "hello there"});
    return request;
  }

  // Reads `stream` to its end; returns the chunks' text and the last usage seen.
  static net::awaitable<std::pair<std::string, std::optional<providers::Usage>>> Drain(
      providers::TokenStream& stream) {
    std::string text;
    std::optional<providers::Usage> usage;
    for (;;) {
      auto chunk = co_await stream.Next();
      if (!chunk || !*chunk) {
        break;
      }
      text += (*chunk)->content;
      if ((*chunk)->usage) {
        usage = (*chunk)->usage;
      }
    }
    co_return std::make_pair(text, usage);
  }

  net::awaitable<std::pair<std::string, std::optional<providers::Usage>>> StreamAndDrain() {
    auto opened = co_await handler_->Stream(exchange_, Hello(), kSurfaceChatCompletions);
    if (!opened) {
      co_return std::make_pair(std::string("failed: ") + opened.error().message,
                               std::optional<providers::Usage>());
    }
    auto drained = co_await Drain(*opened->stream);
    co_return drained;
  }

  net::awaitable<bool> OpenReadOneAndDrop() {
    auto opened = co_await handler_->Stream(exchange_, Hello(), kSurfaceWebSocket);
    if (!opened) {
      co_return false;
    }
    auto first = co_await opened->stream->Next();
    co_return first.has_value() && first->has_value();
  }

  net::io_context io_;
  SystemClock clock_;
  std::unique_ptr<FakeProvider> fake_;
  config::Config config_;
  std::unique_ptr<providers::ProviderRegistry> registry_;
  std::unique_ptr<providers::Executor> executor_;
  RecordingUsage usage_;
  std::unique_ptr<ExecutionHandler> handler_;
  Exchange exchange_;
};

TEST_F(ExecutionHandlerTest, CompletionRecordsReportedUsageAndItsCost) {
  FakeRule rule;
  rule.prompt_tokens = 1000;
  rule.completion_tokens = 500;
  fake_->AddRule(std::move(rule));

  auto done = Run(handler_->Complete(exchange_, Hello(), kSurfaceChatCompletions));

  ASSERT_TRUE(done.has_value()) << done.error().message;
  EXPECT_EQ(done->model, "a");
  EXPECT_EQ(done->provider, "openai");
  ASSERT_TRUE(done->response.usage.has_value());
  EXPECT_FALSE(done->response.usage->estimated);
  EXPECT_DOUBLE_EQ(done->cost_usd, (1000 * 1.0 + 500 * 2.0) / 1e6);
  const auto records = usage_.records();
  ASSERT_EQ(records.size(), 1U);
  const storage::StoredExecution& record = records[0];
  EXPECT_EQ(record.request_id, "req-1");
  EXPECT_EQ(record.decision_id, exchange_.decision->decision_id);
  EXPECT_EQ(record.org_id, "org-1");
  EXPECT_EQ(record.surface, "chat.completions");
  EXPECT_EQ(record.model, "a");
  EXPECT_EQ(record.status, "ok");
  EXPECT_FALSE(record.streamed);
  EXPECT_EQ(record.prompt_tokens, 1000);
  EXPECT_EQ(record.completion_tokens, 500);
  EXPECT_FALSE(record.usage_estimated);
  EXPECT_DOUBLE_EQ(record.cost_usd, done->cost_usd);
  EXPECT_EQ(record.attempts, 1);
  EXPECT_GE(record.total_ms, record.upstream_ms);
  EXPECT_GT(record.created_at_ms, 0);
}

TEST_F(ExecutionHandlerTest, MissingUsageIsEstimatedFlaggedAndPriced) {
  FakeRule rule;
  rule.raw_body =
      R"({"id":"x","object":"chat.completion","created":1,"model":"up-a","choices":[{"index":0,)"
      R"("message":{"role":"assistant","content":"Paris is the capital"},"finish_reason":"stop"}]})";
  fake_->AddRule(std::move(rule));

  auto done = Run(handler_->Complete(exchange_, Hello(), kSurfaceQuery));

  ASSERT_TRUE(done.has_value()) << done.error().message;
  ASSERT_TRUE(done->response.usage.has_value());
  EXPECT_TRUE(done->response.usage->estimated);
  const std::int64_t answer_tokens = routing::EstimateTokens("Paris is the capital");
  EXPECT_EQ(done->response.usage->completion_tokens, answer_tokens);
  EXPECT_GT(done->response.usage->prompt_tokens, 0);
  EXPECT_GT(done->cost_usd, 0.0);
  const auto records = usage_.records();
  ASSERT_EQ(records.size(), 1U);
  EXPECT_TRUE(records[0].usage_estimated);
  EXPECT_EQ(records[0].completion_tokens, answer_tokens);
}

TEST_F(ExecutionHandlerTest, FailureIsRecordedWithItsReasonAndNamesTheDecision) {
  FakeRule rule;
  rule.status = 500;
  fake_->AddRule(std::move(rule));

  auto done = Run(handler_->Complete(exchange_, Hello(), kSurfaceChatCompletions));

  ASSERT_FALSE(done.has_value());
  bool names_decision = false;
  for (const auto& [key, value] : done.error().details) {
    names_decision |= key == "decision_id" && value == exchange_.decision->decision_id;
  }
  EXPECT_TRUE(names_decision);
  const auto records = usage_.records();
  ASSERT_EQ(records.size(), 1U);
  EXPECT_EQ(records[0].status, "error");
  EXPECT_EQ(records[0].error_code, done.error().reason);
  EXPECT_EQ(records[0].prompt_tokens, 0);
}

TEST_F(ExecutionHandlerTest, FallbackModelIsRecordedAndPricedAsServed) {
  FakeRule rule;
  rule.model = "up-a";
  rule.status = 429;
  fake_->AddRule(std::move(rule));

  auto done = Run(handler_->Complete(exchange_, Hello(), kSurfaceChatCompletions));

  ASSERT_TRUE(done.has_value()) << done.error().message;
  EXPECT_EQ(done->model, "b");
  const auto records = usage_.records();
  ASSERT_EQ(records.size(), 1U);
  EXPECT_EQ(records[0].model, "b");
  EXPECT_EQ(records[0].attempts, 2);
  const providers::Usage& usage = *done->response.usage;
  EXPECT_DOUBLE_EQ(records[0].cost_usd,
                   (usage.prompt_tokens * 3.0 + usage.completion_tokens * 4.0) / 1e6);
}

TEST_F(ExecutionHandlerTest, StreamRecordsOnceAtTheEndWithTheUpstreamUsage) {
  FakeRule rule;
  rule.text = "one two three";
  rule.prompt_tokens = 7;
  rule.completion_tokens = 3;
  fake_->AddRule(std::move(rule));

  const auto [text, usage] = Run(StreamAndDrain());

  EXPECT_EQ(text, "one two three");
  ASSERT_TRUE(usage.has_value());
  EXPECT_EQ(usage->prompt_tokens, 7);
  EXPECT_FALSE(usage->estimated);
  const auto records = usage_.records();
  ASSERT_EQ(records.size(), 1U);
  EXPECT_TRUE(records[0].streamed);
  EXPECT_EQ(records[0].status, "ok");
  EXPECT_EQ(records[0].prompt_tokens, 7);
  EXPECT_EQ(records[0].completion_tokens, 3);
  EXPECT_DOUBLE_EQ(records[0].cost_usd, (7 * 1.0 + 3 * 2.0) / 1e6);
  // The upstream was asked for usage although the client did not ask.
  ASSERT_FALSE(fake_->requests().empty());
  EXPECT_NE(fake_->requests().back().body.find("include_usage"), std::string::npos);
}

TEST_F(ExecutionHandlerTest, StreamWithoutUsageEndsWithAnEstimatedUsageChunk) {
  FakeRule rule;
  rule.content_type = "text/event-stream";
  rule.raw_body =
      "data: {\"id\":\"x\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":\"up-a\","
      "\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"Hi there "
      "friend\"},\"finish_reason\":null}]}\n\n"
      "data: {\"id\":\"x\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":\"up-a\","
      "\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"stop\"}]}\n\n"
      "data: [DONE]\n\n";
  fake_->AddRule(std::move(rule));

  const auto [text, usage] = Run(StreamAndDrain());

  EXPECT_EQ(text, "Hi there friend");
  ASSERT_TRUE(usage.has_value());
  EXPECT_TRUE(usage->estimated);
  const std::int64_t answer_tokens = routing::EstimateTokens("Hi there friend");
  EXPECT_EQ(usage->completion_tokens, answer_tokens);
  const auto records = usage_.records();
  ASSERT_EQ(records.size(), 1U);
  EXPECT_TRUE(records[0].usage_estimated);
  EXPECT_EQ(records[0].completion_tokens, answer_tokens);
}

TEST_F(ExecutionHandlerTest, DroppedStreamIsRecordedAsCancelled) {
  FakeRule rule;
  rule.text = "a b c d e f";
  rule.hang_after_chunks = 2;
  fake_->AddRule(std::move(rule));

  EXPECT_TRUE(Run(OpenReadOneAndDrop()));

  const auto records = usage_.records();
  ASSERT_EQ(records.size(), 1U);
  EXPECT_EQ(records[0].status, "cancelled");
  EXPECT_EQ(records[0].surface, "ws");
  EXPECT_TRUE(records[0].usage_estimated);
}

TEST_F(ExecutionHandlerTest, MidStreamErrorIsRecordedAsError) {
  FakeRule rule;
  rule.text = "a b c d e f";
  rule.reset_after_chunks = 2;
  fake_->AddRule(std::move(rule));

  const auto [text, usage] = Run(StreamAndDrain());

  (void)text;
  EXPECT_FALSE(usage.has_value());
  const auto records = usage_.records();
  ASSERT_EQ(records.size(), 1U);
  EXPECT_EQ(records[0].status, "error");
  EXPECT_FALSE(records[0].error_code.empty());
}

}  // namespace
}  // namespace amaima::pipeline
