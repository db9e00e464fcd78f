#include "amaima/providers/http_provider.h"

#include <string>
#include <vector>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>
#include <boost/json/parse.hpp>
#include <gtest/gtest.h>

#include "amaima/providers/provider_errors.h"
#include "test/support/fake_provider/fake_provider.h"

namespace amaima::providers {
namespace {

namespace net = boost::asio;
using amaima::testing::FakeProvider;
using amaima::testing::FakeRule;

class HttpProviderTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    auto fake = FakeProvider::Start();
    ASSERT_TRUE(fake.has_value()) << fake.error().message;
    fake_ = std::move(*fake);
    auto client = http::HttpClient::Create(http::HttpClientOptions{});
    ASSERT_TRUE(client.has_value());
    client_ = std::move(*client);
    config_.name = "fake-" + GetParam();
    config_.type = GetParam();
    config_.base_url = fake_->base_url() + (GetParam() == "openai" ? "/v1/" : "/");
    config_.api_key = "sk-test-key";
    config_.read_timeout = std::chrono::milliseconds(2000);
    Rebuild();
  }

  void Rebuild() {
    auto provider = MakeHttpProvider(config_, *client_);
    ASSERT_TRUE(provider.has_value());
    provider_ = std::move(*provider);
  }

  void TearDown() override {
    provider_.reset();
    client_.reset();  // before io_, which its pooled connections use
  }

  // Runs `task` on the fixture's io_context (pooled connections stay valid between runs).
  template <typename T>
  T RunToCompletion(net::awaitable<T> task) {
    auto result = net::co_spawn(io_, std::move(task), net::use_future);
    io_.restart();
    io_.run();
    return result.get();
  }

  static ChatRequest Hello() {
    ChatRequest request;
    request.model = "fake-gpt";
    request.messages.push_back({.role = "user", .content = "hello there world"});
    return request;
  }

  // Reads a whole stream: the chunks, or the first error.
  struct Drained {
    std::vector<ChatChunk> chunks;
    std::optional<Error> error;
  };

  net::awaitable<Drained> Drain(const ChatRequest& request) {
    Drained out;
    auto stream = co_await provider_->Stream(request);
    if (!stream) {
      out.error = stream.error();
      co_return out;
    }
    for (;;) {
      auto chunk = co_await (*stream)->Next();
      if (!chunk) {
        out.error = chunk.error();
        break;
      }
      if (!*chunk) {
        break;
      }
      out.chunks.push_back(std::move(**chunk));
    }
    co_return out;
  }

  net::io_context io_;
  std::unique_ptr<FakeProvider> fake_;
  std::unique_ptr<http::HttpClient> client_;
  config::ProviderConfig config_;
  std::unique_ptr<Provider> provider_;
};

TEST_P(HttpProviderTest, CompletesAndSendsTheWireRequestItsServerExpects) {
  ChatRequest request = Hello();
  request.temperature = 0.5;

  const Result<ChatResponse> response = RunToCompletion(provider_->Complete(request));

  ASSERT_TRUE(response.has_value()) << response.error().message;
  EXPECT_EQ(response->content, "Echo: hello there world");
  EXPECT_EQ(response->finish_reason, "stop");
  ASSERT_TRUE(response->usage.has_value());
  EXPECT_GT(response->usage->completion_tokens, 0);
  const auto recorded = fake_->requests();
  ASSERT_EQ(recorded.size(), 1U);
  const auto body = boost::json::parse(recorded[0].body);
  if (GetParam() == "openai") {
    EXPECT_EQ(recorded[0].path, "/v1/chat/completions");
    EXPECT_EQ(recorded[0].Header("authorization"), "Bearer sk-test-key");
    EXPECT_EQ(body.at("model"), "fake-gpt");
    EXPECT_EQ(body.at("temperature"), 0.5);
    EXPECT_FALSE(body.as_object().contains("stream"));
  } else if (GetParam() == "anthropic") {
    EXPECT_EQ(recorded[0].path, "/v1/messages");
    EXPECT_EQ(recorded[0].Header("x-api-key"), "sk-test-key");
    EXPECT_EQ(recorded[0].Header("anthropic-version"), "2023-06-01");
    EXPECT_EQ(body.at("model"), "fake-gpt");
    EXPECT_EQ(body.at("temperature"), 0.5);
  } else if (GetParam() == "gemini") {
    EXPECT_EQ(recorded[0].path, "/v1beta/models/fake-gpt:generateContent");
    EXPECT_EQ(recorded[0].Header("x-goog-api-key"), "sk-test-key");
    EXPECT_EQ(body.at("generationConfig").at("temperature"), 0.5);
  } else {
    EXPECT_EQ(recorded[0].path, "/api/chat");
    EXPECT_EQ(body.at("model"), "fake-gpt");
    EXPECT_EQ(body.at("stream"), false);
    EXPECT_EQ(body.at("options").at("temperature"), 0.5);
  }
}

TEST_P(HttpProviderTest, StreamsChunksUsageAndStopsAtDone) {
  const Drained drained = RunToCompletion(Drain(Hello()));

  ASSERT_FALSE(drained.error.has_value()) << drained.error->message;
  std::string text;
  std::string finish;
  std::optional<Usage> usage;
  for (const ChatChunk& chunk : drained.chunks) {
    text += chunk.content;
    finish = chunk.finish_reason.empty() ? finish : chunk.finish_reason;
    usage = chunk.usage ? chunk.usage : usage;
  }
  EXPECT_EQ(text, "Echo: hello there world");
  EXPECT_EQ(finish, "stop");
  ASSERT_TRUE(usage.has_value());  // the provider always asks for include_usage
  EXPECT_GT(usage->prompt_tokens, 0);
  ASSERT_FALSE(drained.chunks.empty());
  EXPECT_TRUE(drained.chunks.front().role_start);
  if (GetParam() == "openai") {
    const auto body = boost::json::parse(fake_->requests().at(0).body);
    EXPECT_EQ(body.at("stream"), true);
    EXPECT_EQ(body.at("stream_options").at("include_usage"), true);
  }
}

TEST_P(HttpProviderTest, StreamsToolCallDeltasByIndex) {
  FakeRule rule;
  rule.tool_call = amaima::testing::FakeToolCall{"get_weather", R"({"city":"Oslo"})", "call_1"};
  fake_->AddRule(rule);
  ChatRequest request = Hello();
  request.tools.push_back({"get_weather", "", R"({"type":"object"})"});

  const Drained drained = RunToCompletion(Drain(request));

  ASSERT_FALSE(drained.error.has_value()) << drained.error->message;
  std::string name;
  std::string arguments;
  std::string finish;
  for (const ChatChunk& chunk : drained.chunks) {
    for (const ToolCallDelta& delta : chunk.tool_calls) {
      EXPECT_EQ(delta.index, 0);
      name += delta.name;
      arguments += delta.arguments;
    }
    finish = chunk.finish_reason.empty() ? finish : chunk.finish_reason;
  }
  EXPECT_EQ(name, "get_weather");
  EXPECT_EQ(boost::json::parse(arguments), boost::json::parse(R"({"city":"Oslo"})"));
  EXPECT_EQ(finish, "tool_calls");
}

TEST_P(HttpProviderTest, MapsStatusesToRetryableAndFinalErrors) {
  FakeRule limited;
  limited.status = 429;
  limited.retry_after = "2";
  limited.times = 1;
  FakeRule broken;
  broken.status = 503;
  broken.nth = 2;
  broken.times = 1;
  FakeRule denied;
  denied.status = 401;
  denied.nth = 3;
  denied.times = 1;
  fake_->SetScript({limited, broken, denied});

  const auto first = RunToCompletion(provider_->Complete(Hello()));
  const auto second = RunToCompletion(provider_->Complete(Hello()));
  const auto third = RunToCompletion(provider_->Complete(Hello()));
  const auto fourth = RunToCompletion(provider_->Complete(Hello()));

  ASSERT_FALSE(first.has_value());
  EXPECT_EQ(first.error().reason, "UPSTREAM_RATE_LIMITED");
  EXPECT_TRUE(IsRetryable(first.error()));
  EXPECT_EQ(RetryAfter(first.error()), std::chrono::milliseconds(2000));
  ASSERT_FALSE(second.has_value());
  EXPECT_EQ(second.error().reason, "UPSTREAM_SERVER_ERROR");
  EXPECT_EQ(Detail(second.error(), "upstream_status"), "503");
  EXPECT_TRUE(IsRetryable(second.error()));
  ASSERT_FALSE(third.has_value());
  EXPECT_EQ(third.error().reason, "UPSTREAM_AUTH_FAILED");
  EXPECT_FALSE(IsRetryable(third.error()));
  EXPECT_TRUE(fourth.has_value());
}

TEST_P(HttpProviderTest, AStreamErrorBeforeTheBodyIsAStatusError) {
  FakeRule limited;
  limited.status = 429;
  fake_->AddRule(limited);

  const Drained drained = RunToCompletion(Drain(Hello()));

  ASSERT_TRUE(drained.error.has_value());
  EXPECT_EQ(drained.error->reason, "UPSTREAM_RATE_LIMITED");
  EXPECT_TRUE(drained.chunks.empty());
}

TEST_P(HttpProviderTest, ACutOrMalformedStreamIsAnErrorNotAHang) {
  FakeRule reset;
  reset.reset_after_chunks = 2;
  reset.times = 1;
  FakeRule malformed;
  malformed.malformed_after_chunks = 1;
  malformed.nth = 2;
  malformed.times = 1;
  FakeRule stall;
  stall.hang_after_chunks = 1;
  stall.nth = 3;
  stall.times = 1;
  fake_->SetScript({reset, malformed, stall});
  config_.read_timeout = std::chrono::milliseconds(200);
  Rebuild();

  const Drained cut = RunToCompletion(Drain(Hello()));
  const Drained garbled = RunToCompletion(Drain(Hello()));
  const Drained stalled = RunToCompletion(Drain(Hello()));

  ASSERT_TRUE(cut.error.has_value());
  EXPECT_TRUE(IsRetryable(*cut.error)) << cut.error->reason;
  EXPECT_FALSE(cut.chunks.empty());
  ASSERT_TRUE(garbled.error.has_value());
  EXPECT_EQ(garbled.error->reason, "UPSTREAM_BAD_RESPONSE");
  ASSERT_TRUE(stalled.error.has_value());
  EXPECT_EQ(stalled.error->reason, "UPSTREAM_READ_TIMEOUT");
}

// Anthropic has no embeddings endpoint; the other three dialects embed over the wire, each
// at its own endpoint, and get one vector per input back in order.
TEST_P(HttpProviderTest, EmbedsTextsWhereTheWireFormatCan) {
  EmbeddingRequest request;
  request.model = "fake-embedding";
  request.inputs = {"alpha", "beta"};
  request.dimensions = 16;

  const auto response = RunToCompletion(provider_->Embed(request));

  if (GetParam() == "anthropic") {
    ASSERT_FALSE(response.has_value());
    EXPECT_EQ(response.error().reason, "UPSTREAM_UNSUPPORTED");
    EXPECT_TRUE(fake_->requests().empty());
    return;
  }
  ASSERT_TRUE(response.has_value()) << response.error().message;
  ASSERT_EQ(response->vectors.size(), 2U);
  EXPECT_EQ(response->vectors[0].size(), 16U);
  EXPECT_EQ(response->vectors[1].size(), 16U);
  EXPECT_NE(response->vectors[0], response->vectors[1]);
  const std::string expected_path = GetParam() == "openai" ? "/v1/embeddings"
                                    : GetParam() == "gemini"
                                        ? "/v1beta/models/fake-embedding:batchEmbedContents"
                                        : "/api/embed";
  ASSERT_EQ(fake_->requests().size(), 1U);
  EXPECT_EQ(fake_->requests().at(0).path, expected_path);
  // The status is recorded just after the last byte is written, which the client may see
  // first.
  ASSERT_TRUE(fake_->WaitFor(
      [](const amaima::testing::FakeProviderCounters& c) { return c.completed >= 1; }));
  EXPECT_EQ(fake_->requests().at(0).status, 200);
  if (GetParam() != "gemini") {
    // Gemini reports no token counts for embeddings.
    EXPECT_EQ(response->usage.prompt_tokens, 2);
  }
}

// The dialects with an embeddings endpoint.
class HttpProviderEmbeddingTest : public HttpProviderTest {};

// The same text embeds to the same vector on every call.
TEST_P(HttpProviderEmbeddingTest, EmbeddingsAreDeterministicAcrossCalls) {
  EmbeddingRequest request;
  request.model = "fake-embedding";
  request.inputs = {"gamma"};

  const auto first = RunToCompletion(provider_->Embed(request));
  const auto second = RunToCompletion(provider_->Embed(request));

  ASSERT_TRUE(first.has_value()) << first.error().message;
  ASSERT_TRUE(second.has_value()) << second.error().message;
  ASSERT_EQ(first->vectors.size(), 1U);
  EXPECT_FALSE(first->vectors[0].empty());
  EXPECT_EQ(first->vectors, second->vectors);
}

// An embeddings failure comes back in each dialect's error shape and is classified like any
// upstream error.
TEST_P(HttpProviderEmbeddingTest, EmbeddingErrorsAreClassified) {
  FakeRule limited;
  limited.status = 429;
  fake_->SetScript({limited});
  EmbeddingRequest request;
  request.model = "fake-embedding";
  request.inputs = {"alpha"};

  const auto response = RunToCompletion(provider_->Embed(request));

  ASSERT_FALSE(response.has_value());
  EXPECT_EQ(response.error().code, ErrorCode::kResourceExhausted) << response.error().message;
  EXPECT_TRUE(IsRetryable(response.error()));
}

TEST(MakeHttpProviderTest, RejectsAnUnknownType) {
  auto client = http::HttpClient::Create(http::HttpClientOptions{});
  ASSERT_TRUE(client.has_value());
  config::ProviderConfig config;
  config.name = "x";
  config.type = "carrier-pigeon";

  const auto provider = MakeHttpProvider(config, **client);

  ASSERT_FALSE(provider.has_value());
  EXPECT_EQ(provider.error().reason, "CONFIG_INVALID");
}

INSTANTIATE_TEST_SUITE_P(Dialects, HttpProviderTest,
                         ::testing::Values("openai", "anthropic", "gemini", "ollama"),
                         [](const ::testing::TestParamInfo<std::string>& param) {
                           return param.param;
                         });

INSTANTIATE_TEST_SUITE_P(Dialects, HttpProviderEmbeddingTest,
                         ::testing::Values("openai", "gemini", "ollama"),
                         [](const ::testing::TestParamInfo<std::string>& param) {
                           return param.param;
                         });

}  // namespace
}  // namespace amaima::providers
