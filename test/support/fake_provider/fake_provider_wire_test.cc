// The wire formats of the fake provider, checked field by field over loopback:
// OpenAI, Anthropic, Gemini and Ollama, streaming and not.
#include <cmath>
#include <memory>
#include <string>
#include <vector>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>
#include <gtest/gtest.h>

#include "test/support/fake_provider/fake_provider.h"
#include "test/support/fake_provider/stream_parsing.h"
#include "test/support/http_client.h"

namespace amaima::testing {
namespace {

// Every GoogleTest assertion counts as a branch for clang-tidy 14, which has no
// option to ignore macros; tests that check a wire format field by field exceed
// the threshold without being complex.
// NOLINTBEGIN(readability-function-cognitive-complexity)

namespace json = boost::json;

json::object Object(std::string_view text) {
  return json::parse(text).as_object();
}

std::string Str(const json::value& value) {
  return std::string(value.as_string());
}

class FakeProviderWireTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto started = FakeProvider::Start();
    ASSERT_TRUE(started) << started.error().message;
    provider_ = std::move(*started);
    client_ = std::make_unique<HttpClient>(provider_->port());
  }

  // Runs a streaming request and returns its SSE events, checking the framing.
  std::vector<SseEvent> Stream(std::string_view target, std::string_view body) {
    const ClientResponse response = client_->Post(target, body);
    EXPECT_EQ(response.status, 200) << response.body;
    EXPECT_EQ(response.headers.at("content-type"), "text/event-stream");
    EXPECT_EQ(response.headers.at("transfer-encoding"), "chunked");
    return ParseSse(response.body);
  }

  std::unique_ptr<FakeProvider> provider_;
  std::unique_ptr<HttpClient> client_;
};

constexpr std::string_view kOpenAiRequest =
    R"({"model":"gpt-test","messages":[{"role":"system","content":"Be brief."},)"
    R"({"role":"user","content":"hello big world"}]})";

TEST_F(FakeProviderWireTest, OpenAiChatCompletionHasEveryField) {
  const ClientResponse response = client_->Post("/v1/chat/completions", kOpenAiRequest);

  ASSERT_EQ(response.status, 200) << response.body;
  EXPECT_EQ(response.headers.at("content-type"), "application/json");
  const json::object body = Object(response.body);
  EXPECT_EQ(body.at("object"), "chat.completion");
  EXPECT_TRUE(Str(body.at("id")).starts_with("chatcmpl-"));
  EXPECT_TRUE(body.at("created").is_int64());
  EXPECT_EQ(body.at("model"), "gpt-test");
  const json::array& choices = body.at("choices").as_array();
  ASSERT_EQ(choices.size(), 1U);
  EXPECT_EQ(choices[0].at("index"), 0);
  EXPECT_EQ(choices[0].at("message").at("role"), "assistant");
  EXPECT_EQ(choices[0].at("message").at("content"), "Echo: hello big world");
  EXPECT_FALSE(choices[0].at("message").as_object().contains("tool_calls"));
  EXPECT_EQ(choices[0].at("finish_reason"), "stop");
  const json::object& usage = body.at("usage").as_object();
  EXPECT_EQ(usage.at("prompt_tokens"), 5);  // "Be brief." + "hello big world".
  EXPECT_EQ(usage.at("completion_tokens"), 4);
  EXPECT_EQ(usage.at("total_tokens"), 9);
}

TEST_F(FakeProviderWireTest, OpenAiStreamSendsRoleThenDeltasThenFinishThenDone) {
  const std::vector<SseEvent> events = Stream(
      "/v1/chat/completions",
      R"({"model":"gpt-test","stream":true,"messages":[{"role":"user","content":"one two"}]})");

  ASSERT_GE(events.size(), 4U);
  EXPECT_EQ(events.back().data, "[DONE]");
  std::string text;
  for (std::size_t i = 0; i + 1 < events.size(); ++i) {
    const json::object chunk = Object(events[i].data);
    EXPECT_EQ(chunk.at("object"), "chat.completion.chunk");
    EXPECT_EQ(chunk.at("id"), Object(events[0].data).at("id"));  // One id per stream.
    EXPECT_EQ(chunk.at("model"), "gpt-test");
    EXPECT_FALSE(chunk.contains("usage"));  // Only with stream_options.include_usage.
    const json::object& choice = chunk.at("choices").as_array().at(0).as_object();
    EXPECT_EQ(choice.at("index"), 0);
    const json::object& delta = choice.at("delta").as_object();
    if (i == 0) {
      EXPECT_EQ(delta.at("role"), "assistant");
    } else {
      EXPECT_FALSE(delta.contains("role"));
    }
    if (const json::value* content = delta.if_contains("content"); content != nullptr) {
      text += content->as_string();
    }
    const bool last = i + 2 == events.size();
    EXPECT_EQ(choice.at("finish_reason").is_null(), !last);
    if (last) {
      EXPECT_EQ(choice.at("finish_reason"), "stop");
      EXPECT_TRUE(delta.empty());
    }
  }
  EXPECT_EQ(text, "Echo: one two");
  EXPECT_EQ(events.size(), 1 + 3 + 1 + 1U);  // Role, three words, finish, [DONE].
}

TEST_F(FakeProviderWireTest, OpenAiStreamWithIncludeUsageEndsWithAUsageChunk) {
  const std::vector<SseEvent> events =
      Stream("/v1/chat/completions",
             R"({"model":"m","stream":true,"stream_options":{"include_usage":true},)"
             R"("messages":[{"role":"user","content":"a b c"}]})");

  ASSERT_GE(events.size(), 3U);
  EXPECT_EQ(events.back().data, "[DONE]");
  const json::object usage_chunk = Object(events[events.size() - 2].data);
  EXPECT_TRUE(usage_chunk.at("choices").as_array().empty());
  EXPECT_EQ(usage_chunk.at("usage").at("prompt_tokens"), 3);
  EXPECT_EQ(usage_chunk.at("usage").at("completion_tokens"), 4);
  EXPECT_EQ(usage_chunk.at("usage").at("total_tokens"), 7);
  for (std::size_t i = 0; i + 2 < events.size(); ++i) {
    EXPECT_TRUE(Object(events[i].data).at("usage").is_null()) << i;
  }
}

TEST_F(FakeProviderWireTest, OpenAiToolCallIsAnsweredWhenScripted) {
  FakeRule rule;
  rule.tool_call = FakeToolCall{"", R"({"city":"Paris","unit":"celsius"})", ""};
  provider_->AddRule(rule);
  constexpr std::string_view kRequest =
      R"({"model":"m","messages":[{"role":"user","content":"weather?"}],)"
      R"("tools":[{"type":"function","function":{"name":"get_weather","parameters":{}}}]})";

  const json::object body = Object(client_->Post("/v1/chat/completions", kRequest).body);

  const json::object& choice = body.at("choices").at(0).as_object();
  EXPECT_EQ(choice.at("finish_reason"), "tool_calls");
  EXPECT_TRUE(choice.at("message").at("content").is_null());
  const json::object& call = choice.at("message").at("tool_calls").at(0).as_object();
  EXPECT_TRUE(Str(call.at("id")).starts_with("call_"));
  EXPECT_EQ(call.at("type"), "function");
  EXPECT_EQ(call.at("function").at("name"), "get_weather");  // The request's first tool.
  EXPECT_EQ(json::parse(call.at("function").at("arguments").as_string()),
            json::parse(R"({"city":"Paris","unit":"celsius"})"));
}

TEST_F(FakeProviderWireTest, OpenAiStreamedToolCallCarriesIndexIdNameAndFragments) {
  FakeRule rule;
  rule.tool_call = FakeToolCall{"lookup", R"({"query":"fake provider"})", "call_42"};
  provider_->AddRule(rule);

  const std::vector<SseEvent> events =
      Stream("/v1/chat/completions",
             R"({"model":"m","stream":true,"messages":[{"role":"user","content":"find"}]})");

  ASSERT_GE(events.size(), 4U);
  EXPECT_EQ(events.back().data, "[DONE]");
  EXPECT_TRUE(Object(events[0].data).at("choices").at(0).at("delta").at("content").is_null());
  std::string arguments;
  int openings = 0;
  for (std::size_t i = 1; i + 2 < events.size(); ++i) {
    const json::object chunk = Object(events[i].data);
    const json::object& call =
        chunk.at("choices").at(0).at("delta").at("tool_calls").at(0).as_object();
    EXPECT_EQ(call.at("index"), 0);
    if (call.contains("id")) {
      ++openings;
      EXPECT_EQ(call.at("id"), "call_42");
      EXPECT_EQ(call.at("type"), "function");
      EXPECT_EQ(call.at("function").at("name"), "lookup");
    }
    arguments += call.at("function").at("arguments").as_string();
  }
  EXPECT_EQ(openings, 1);
  EXPECT_EQ(arguments, R"({"query":"fake provider"})");
  EXPECT_EQ(Object(events[events.size() - 2].data).at("choices").at(0).at("finish_reason"),
            "tool_calls");
}

TEST_F(FakeProviderWireTest, OpenAiJsonModeAnswersWithAJsonObject) {
  const json::object body = Object(
      client_
          ->Post("/v1/chat/completions", R"({"model":"m","response_format":{"type":"json_object"},)"
                                         R"("messages":[{"role":"user","content":"give json"}]})")
          .body);

  const std::string content = Str(body.at("choices").at(0).at("message").at("content"));
  const json::value parsed = json::parse(content);
  ASSERT_TRUE(parsed.is_object());
  EXPECT_EQ(parsed.at("echo"), "Echo: give json");
}

TEST_F(FakeProviderWireTest, EmbeddingsAreDeterministicUnitVectors) {
  const json::object first = Object(
      client_->Post("/v1/embeddings", R"({"model":"emb","input":["alpha","beta"],"dimensions":8})")
          .body);
  const json::object again = Object(
      client_->Post("/v1/embeddings", R"({"model":"emb","input":"alpha","dimensions":8})").body);

  EXPECT_EQ(first.at("object"), "list");
  EXPECT_EQ(first.at("model"), "emb");
  const json::array& data = first.at("data").as_array();
  ASSERT_EQ(data.size(), 2U);
  for (std::size_t i = 0; i < data.size(); ++i) {
    EXPECT_EQ(data[i].at("object"), "embedding");
    EXPECT_EQ(data[i].at("index"), static_cast<std::int64_t>(i));
    const json::array& vector = data[i].at("embedding").as_array();
    ASSERT_EQ(vector.size(), 8U);
    double norm = 0;
    for (const json::value& component : vector) {
      norm += component.as_double() * component.as_double();
    }
    EXPECT_NEAR(norm, 1.0, 1e-5);
  }
  EXPECT_EQ(data[0].at("embedding"), again.at("data").at(0).at("embedding"));
  EXPECT_NE(data[0].at("embedding"), data[1].at("embedding"));
  EXPECT_EQ(first.at("usage").at("prompt_tokens"), 2);
  EXPECT_EQ(first.at("usage").at("total_tokens"), 2);
}

TEST_F(FakeProviderWireTest, EmbeddingsInBase64AreLittleEndianFloats) {
  const json::object body =
      Object(client_
                 ->Post("/v1/embeddings",
                        R"({"model":"emb","input":"x","dimensions":3,"encoding_format":"base64"})")
                 .body);

  // Three floats are 12 bytes, which base64 writes as 16 characters.
  EXPECT_EQ(body.at("data").at(0).at("embedding").as_string().size(), 16U);
}

TEST_F(FakeProviderWireTest, GeminiEmbedsOneContentOrABatch) {
  const ClientResponse single = client_->Post(
      "/v1beta/models/text-embedding-004:embedContent",
      R"({"model":"models/text-embedding-004","content":{"parts":[{"text":"alpha"}]},)"
      R"("outputDimensionality":8})");
  const ClientResponse batch = client_->Post(
      "/v1beta/models/text-embedding-004:batchEmbedContents",
      R"({"requests":[{"model":"models/text-embedding-004","content":{"parts":[{"text":"alpha"}]},)"
      R"("outputDimensionality":8},{"model":"models/text-embedding-004",)"
      R"("content":{"parts":[{"text":"beta"}]},"outputDimensionality":8}]})");

  ASSERT_EQ(single.status, 200) << single.body;
  ASSERT_EQ(batch.status, 200) << batch.body;
  const json::object one = Object(single.body);
  const json::object many = Object(batch.body);
  const json::array& values = one.at("embedding").at("values").as_array();
  EXPECT_EQ(values.size(), 8U);
  const json::array& embeddings = many.at("embeddings").as_array();
  ASSERT_EQ(embeddings.size(), 2U);
  EXPECT_EQ(embeddings[0].at("values"), one.at("embedding").at("values"));
  EXPECT_NE(embeddings[0].at("values"), embeddings[1].at("values"));
  EXPECT_EQ(provider_->requests().back().model, "text-embedding-004");
}

TEST_F(FakeProviderWireTest, GeminiRejectsABatchNamingAnotherModel) {
  const ClientResponse response = client_->Post(
      "/v1beta/models/text-embedding-004:batchEmbedContents",
      R"({"requests":[{"model":"models/other","content":{"parts":[{"text":"a"}]}}]})");
  const ClientResponse empty =
      client_->Post("/v1beta/models/text-embedding-004:embedContent", R"({"content":{}})");

  EXPECT_EQ(response.status, 400);
  const json::object error = Object(response.body).at("error").as_object();
  EXPECT_EQ(error.at("status"), "INVALID_ARGUMENT");
  EXPECT_EQ(error.at("message"),
            "* BatchEmbedContentsRequest.requests[0].model: the model in the request "
            "(models/other) must match the model in the URL (models/text-embedding-004)");
  EXPECT_EQ(empty.status, 400);
  EXPECT_EQ(Object(empty.body).at("error").at("message"),
            "* EmbedContentRequest.content.parts: contents must not be empty");
}

TEST_F(FakeProviderWireTest, OllamaEmbedsAStringOrAList) {
  const json::object list = Object(
      client_
          ->Post("/api/embed", R"({"model":"nomic-embed-text","input":["alpha","beta gamma"],)"
                               R"("dimensions":8})")
          .body);
  const json::object one =
      Object(client_
                 ->Post("/api/embed", R"({"model":"nomic-embed-text","input":"alpha",)"
                                      R"("dimensions":8})")
                 .body);

  EXPECT_EQ(list.at("model"), "nomic-embed-text");
  const json::array& embeddings = list.at("embeddings").as_array();
  ASSERT_EQ(embeddings.size(), 2U);
  EXPECT_EQ(embeddings[0].as_array().size(), 8U);
  EXPECT_EQ(embeddings[0], one.at("embeddings").at(0));
  EXPECT_NE(embeddings[0], embeddings[1]);
  EXPECT_EQ(list.at("prompt_eval_count"), 3);
  EXPECT_TRUE(list.at("total_duration").is_int64());
  EXPECT_TRUE(list.at("load_duration").is_int64());
}

TEST_F(FakeProviderWireTest, OllamaEmbedErrorsAreItsShape) {
  const ClientResponse no_model = client_->Post("/api/embed", R"({"input":"x"})");
  const ClientResponse bad_input = client_->Post("/api/embed", R"({"model":"m","input":[1]})");
  const ClientResponse wrong_method = client_->Get("/api/embed");

  EXPECT_EQ(no_model.status, 400);
  EXPECT_EQ(Object(no_model.body).at("error"), "model is required");
  EXPECT_EQ(bad_input.status, 400);
  EXPECT_EQ(Object(bad_input.body).at("error"), "invalid input type");
  EXPECT_EQ(wrong_method.status, 405);
}

TEST_F(FakeProviderWireTest, ModelListsFollowEachProvidersShape) {
  const json::object openai = Object(client_->Get("/v1/models").body);
  const json::object ollama = Object(client_->Get("/api/tags").body);
  const json::object gemini = Object(client_->Get("/v1beta/models").body);

  EXPECT_EQ(openai.at("object"), "list");
  EXPECT_EQ(openai.at("data").at(0).at("id"), "fake-gpt");
  EXPECT_EQ(openai.at("data").at(0).at("object"), "model");
  EXPECT_EQ(ollama.at("models").at(0).at("name"), "fake-gpt:latest");
  EXPECT_EQ(ollama.at("models").at(0).at("details").at("format"), "gguf");
  EXPECT_EQ(gemini.at("models").at(0).at("name"), "models/fake-gpt");
}

constexpr std::string_view kAnthropicRequest =
    R"({"model":"claude-test","max_tokens":64,"system":"Be kind.",)"
    R"("messages":[{"role":"user","content":[{"type":"text","text":"hi there"}]}]})";

TEST_F(FakeProviderWireTest, AnthropicMessageHasContentBlocksStopReasonAndUsage) {
  const ClientResponse response = client_->Post("/v1/messages", kAnthropicRequest);

  ASSERT_EQ(response.status, 200) << response.body;
  const json::object body = Object(response.body);
  EXPECT_TRUE(Str(body.at("id")).starts_with("msg_"));
  EXPECT_EQ(body.at("type"), "message");
  EXPECT_EQ(body.at("role"), "assistant");
  EXPECT_EQ(body.at("model"), "claude-test");
  ASSERT_EQ(body.at("content").as_array().size(), 1U);
  EXPECT_EQ(body.at("content").at(0).at("type"), "text");
  EXPECT_EQ(body.at("content").at(0).at("text"), "Echo: hi there");
  EXPECT_EQ(body.at("stop_reason"), "end_turn");
  EXPECT_TRUE(body.at("stop_sequence").is_null());
  EXPECT_EQ(body.at("usage").at("input_tokens"), 4);
  EXPECT_EQ(body.at("usage").at("output_tokens"), 3);
}

TEST_F(FakeProviderWireTest, AnthropicStreamFollowsTheEventSequence) {
  std::string request(kAnthropicRequest);
  request.insert(1, R"("stream":true,)");

  const std::vector<SseEvent> events = Stream("/v1/messages", request);

  std::vector<std::string> names;
  std::string text;
  for (const SseEvent& event : events) {
    const json::object data = Object(event.data);
    EXPECT_EQ(data.at("type").as_string(), event.event);  // The name repeats the type.
    names.push_back(event.event);
    if (event.event == "content_block_delta") {
      EXPECT_EQ(data.at("index"), 0);
      EXPECT_EQ(data.at("delta").at("type"), "text_delta");
      text += data.at("delta").at("text").as_string();
    }
  }
  const std::vector<std::string> expected = {
      "message_start",       "content_block_start", "ping",
      "content_block_delta", "content_block_delta", "content_block_delta",
      "content_block_stop",  "message_delta",       "message_stop"};
  EXPECT_EQ(names, expected);
  EXPECT_EQ(text, "Echo: hi there");
  const json::object start = Object(events[0].data);
  EXPECT_TRUE(start.at("message").at("content").as_array().empty());
  EXPECT_TRUE(start.at("message").at("stop_reason").is_null());
  EXPECT_EQ(start.at("message").at("usage").at("input_tokens"), 4);
  const json::object message_delta = Object(events[7].data);
  EXPECT_EQ(message_delta.at("delta").at("stop_reason"), "end_turn");
  EXPECT_EQ(message_delta.at("usage").at("output_tokens"), 3);
}

TEST_F(FakeProviderWireTest, AnthropicStreamedToolUseSendsInputJsonDeltas) {
  FakeRule rule;
  rule.text = "Let me check.";
  rule.tool_call = FakeToolCall{"get_weather", R"({"city":"Oslo"})", ""};
  provider_->AddRule(rule);
  std::string request(kAnthropicRequest);
  request.insert(1, R"("stream":true,)");

  const std::vector<SseEvent> events = Stream("/v1/messages", request);

  std::string partial_json;
  bool tool_block_started = false;
  for (const SseEvent& event : events) {
    const json::object data = Object(event.data);
    if (event.event == "content_block_start" && data.at("index") == 1) {
      tool_block_started = true;
      EXPECT_EQ(data.at("content_block").at("type"), "tool_use");
      EXPECT_TRUE(Str(data.at("content_block").at("id")).starts_with("toolu_"));
      EXPECT_EQ(data.at("content_block").at("name"), "get_weather");
      EXPECT_TRUE(data.at("content_block").at("input").as_object().empty());
    }
    if (event.event == "content_block_delta" && data.at("index") == 1) {
      EXPECT_EQ(data.at("delta").at("type"), "input_json_delta");
      partial_json += data.at("delta").at("partial_json").as_string();
    }
    if (event.event == "message_delta") {
      EXPECT_EQ(data.at("delta").at("stop_reason"), "tool_use");
    }
  }
  EXPECT_TRUE(tool_block_started);
  EXPECT_EQ(json::parse(partial_json), json::parse(R"({"city":"Oslo"})"));
}

TEST_F(FakeProviderWireTest, AnthropicRequiresMaxTokens) {
  const ClientResponse response =
      client_->Post("/v1/messages", R"({"model":"c","messages":[{"role":"user","content":"x"}]})");

  EXPECT_EQ(response.status, 400);
  const json::object body = Object(response.body);
  EXPECT_EQ(body.at("type"), "error");
  EXPECT_EQ(body.at("error").at("type"), "invalid_request_error");
  EXPECT_TRUE(body.at("error").at("message").is_string());
}

constexpr std::string_view kGeminiRequest =
    R"({"contents":[{"role":"user","parts":[{"text":"tell me"}]}],)"
    R"("systemInstruction":{"parts":[{"text":"Short."}]}})";

TEST_F(FakeProviderWireTest, GeminiGenerateContentHasCandidatesAndUsageMetadata) {
  const ClientResponse response =
      client_->Post("/v1beta/models/gemini-test:generateContent", kGeminiRequest);

  ASSERT_EQ(response.status, 200) << response.body;
  const json::object body = Object(response.body);
  const json::object& candidate = body.at("candidates").at(0).as_object();
  EXPECT_EQ(candidate.at("content").at("role"), "model");
  EXPECT_EQ(candidate.at("content").at("parts").at(0).at("text"), "Echo: tell me");
  EXPECT_EQ(candidate.at("finishReason"), "STOP");
  const json::object& usage = body.at("usageMetadata").as_object();
  EXPECT_EQ(usage.at("promptTokenCount"), 3);
  EXPECT_EQ(usage.at("candidatesTokenCount"), 3);
  EXPECT_EQ(usage.at("totalTokenCount"), 6);
  EXPECT_EQ(body.at("modelVersion"), "gemini-test");
}

TEST_F(FakeProviderWireTest, GeminiStreamSendsOneResponsePerEventWithCrlfFraming) {
  const ClientResponse response =
      client_->Post("/v1beta/models/gemini-test:streamGenerateContent?alt=sse", kGeminiRequest);

  ASSERT_EQ(response.status, 200);
  EXPECT_NE(response.body.find("\r\n\r\n"), std::string::npos);
  const std::vector<SseEvent> events = ParseSse(response.body);
  ASSERT_EQ(events.size(), 3U);
  std::string text;
  for (std::size_t i = 0; i < events.size(); ++i) {
    const json::object body = Object(events[i].data);
    const json::object& candidate = body.at("candidates").at(0).as_object();
    EXPECT_EQ(candidate.at("content").at("role"), "model");
    text += candidate.at("content").at("parts").at(0).at("text").as_string();
    EXPECT_EQ(candidate.contains("finishReason"), i + 1 == events.size());
    EXPECT_EQ(body.at("usageMetadata").at("promptTokenCount"), 3);
  }
  EXPECT_EQ(text, "Echo: tell me");
  EXPECT_EQ(Object(events.back().data).at("usageMetadata").at("candidatesTokenCount"), 3);
  EXPECT_EQ(Object(events.back().data).at("candidates").at(0).at("finishReason"), "STOP");
}

TEST_F(FakeProviderWireTest, GeminiFunctionCallIsAPart) {
  FakeRule rule;
  rule.tool_call = FakeToolCall{"find", R"({"q":"x"})", ""};
  provider_->AddRule(rule);

  const json::object body =
      Object(client_->Post("/v1beta/models/g:generateContent", kGeminiRequest).body);

  const json::object& part =
      body.at("candidates").at(0).at("content").at("parts").at(0).as_object();
  EXPECT_EQ(part.at("functionCall").at("name"), "find");
  EXPECT_EQ(part.at("functionCall").at("args").at("q"), "x");
}

constexpr std::string_view kOllamaRequest =
    R"({"model":"llama-test","messages":[{"role":"user","content":"why sky"}]})";

TEST_F(FakeProviderWireTest, OllamaStreamsNdjsonByDefault) {
  const ClientResponse response = client_->Post("/api/chat", kOllamaRequest);

  ASSERT_EQ(response.status, 200);
  EXPECT_EQ(response.headers.at("content-type"), "application/x-ndjson");
  const std::vector<std::string> lines = SplitNdjson(response.body);
  ASSERT_EQ(lines.size(), 4U);
  std::string text;
  for (std::size_t i = 0; i < lines.size(); ++i) {
    const json::object line = Object(lines[i]);
    const bool last = i + 1 == lines.size();
    EXPECT_EQ(line.at("model"), "llama-test");
    EXPECT_TRUE(line.at("created_at").is_string());
    EXPECT_EQ(line.at("message").at("role"), "assistant");
    EXPECT_EQ(line.at("done"), last);
    text += line.at("message").at("content").as_string();
    if (last) {
      EXPECT_EQ(line.at("done_reason"), "stop");
      EXPECT_EQ(line.at("prompt_eval_count"), 2);
      EXPECT_EQ(line.at("eval_count"), 3);
      EXPECT_TRUE(line.at("total_duration").is_int64());
      EXPECT_TRUE(line.at("eval_duration").is_int64());
    }
  }
  EXPECT_EQ(text, "Echo: why sky");
}

TEST_F(FakeProviderWireTest, OllamaAnswersOneObjectWhenStreamIsFalse) {
  std::string request(kOllamaRequest);
  request.insert(1, R"("stream":false,"format":"json",)");

  const ClientResponse response = client_->Post("/api/chat", request);

  ASSERT_EQ(response.status, 200);
  const json::object body = Object(response.body);
  EXPECT_EQ(body.at("done"), true);
  EXPECT_EQ(body.at("done_reason"), "stop");
  EXPECT_EQ(json::parse(body.at("message").at("content").as_string()).at("echo"), "Echo: why sky");
  EXPECT_EQ(body.at("prompt_eval_count"), 2);
}

TEST_F(FakeProviderWireTest, ErrorsTakeEachProvidersShape) {
  FakeRule rule;
  rule.status = 503;
  provider_->AddRule(rule);

  const json::object openai = Object(client_->Post("/v1/chat/completions", kOpenAiRequest).body);
  const json::object anthropic = Object(client_->Post("/v1/messages", kAnthropicRequest).body);
  const json::object gemini =
      Object(client_->Post("/v1beta/models/g:generateContent", kGeminiRequest).body);
  const json::object ollama = Object(client_->Post("/api/chat", kOllamaRequest).body);

  EXPECT_EQ(openai.at("error").at("type"), "server_error");
  EXPECT_TRUE(openai.at("error").at("message").is_string());
  EXPECT_TRUE(openai.at("error").as_object().contains("param"));
  EXPECT_TRUE(openai.at("error").as_object().contains("code"));
  EXPECT_EQ(anthropic.at("type"), "error");
  EXPECT_EQ(anthropic.at("error").at("type"), "api_error");
  EXPECT_EQ(gemini.at("error").at("code"), 503);
  EXPECT_EQ(gemini.at("error").at("status"), "UNAVAILABLE");
  EXPECT_TRUE(ollama.at("error").is_string());
}

TEST_F(FakeProviderWireTest, MalformedJsonIsABadRequestInTheProvidersShape) {
  const ClientResponse openai = client_->Post("/v1/chat/completions", "{not json");
  const ClientResponse gemini = client_->Post("/v1beta/models/g:generateContent", "[");

  EXPECT_EQ(openai.status, 400);
  EXPECT_EQ(Object(openai.body).at("error").at("type"), "invalid_request_error");
  EXPECT_EQ(gemini.status, 400);
  EXPECT_EQ(Object(gemini.body).at("error").at("status"), "INVALID_ARGUMENT");
}

TEST_F(FakeProviderWireTest, UnknownPathsAreNotFound) {
  const ClientResponse response = client_->Post("/v2/whatever", "{}");

  EXPECT_EQ(response.status, 404);
  EXPECT_TRUE(Object(response.body).at("error").at("message").is_string());
}

TEST(SseParsingTest, AcceptsEveryLineEndAndDropsAnUnfinishedEvent) {
  const std::vector<SseEvent> events =
      ParseSse("event: a\r\ndata: 1\r\n\r\n: comment\ndata: 2\ndata: 3\n\ndata: cut");

  ASSERT_EQ(events.size(), 2U);
  EXPECT_EQ(events[0].event, "a");
  EXPECT_EQ(events[0].data, "1");
  EXPECT_EQ(events[1].event, "");
  EXPECT_EQ(events[1].data, "2\n3");
}

// NOLINTEND(readability-function-cognitive-complexity)

}  // namespace
}  // namespace amaima::testing
