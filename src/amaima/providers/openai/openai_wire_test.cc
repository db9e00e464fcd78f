#include "amaima/providers/openai/openai_wire.h"

#include <boost/json/parse.hpp>
#include <gtest/gtest.h>

namespace amaima::providers::openai {
namespace {

namespace json = boost::json;

std::string Reason(const Error& error) {
  return error.reason;
}

std::string Field(const Error& error) {
  for (const auto& [key, value] : error.details) {
    if (key == "field") {
      return value;
    }
  }
  return "";
}

TEST(OpenAiWireTest, ParsesAFullChatRequest) {
  const auto request = ParseChatRequest(R"({
    "model": "auto",
    "messages": [
      {"role": "system", "content": "be brief"},
      {"role": "user", "content": [{"type": "text", "text": "look"},
                                    {"type": "image_url", "image_url": {"url": "http://x/i.png"}}]},
      {"role": "assistant", "content": null,
       "tool_calls": [{"id": "call_1", "type": "function",
                       "function": {"name": "get_weather", "arguments": "{\"city\":\"Oslo\"}"}}]},
      {"role": "tool", "tool_call_id": "call_1", "content": "3C"}
    ],
    "temperature": 0.2, "max_tokens": 64, "stop": ["\n\n"], "seed": 4,
    "tools": [{"type": "function", "function": {"name": "get_weather",
               "parameters": {"type": "object"}}}],
    "tool_choice": {"type": "function", "function": {"name": "get_weather"}},
    "response_format": {"type": "json_object"},
    "stream": true, "stream_options": {"include_usage": true}, "user": "u1"
  })");

  ASSERT_TRUE(request.has_value()) << request.error().message;
  EXPECT_EQ(request->model, "auto");
  ASSERT_EQ(request->messages.size(), 4U);
  EXPECT_EQ(request->messages[1].content, "look");
  EXPECT_NE(request->messages[1].content_json.find("image_url"), std::string::npos);
  ASSERT_EQ(request->messages[2].tool_calls.size(), 1U);
  EXPECT_EQ(request->messages[2].tool_calls[0].arguments, "{\"city\":\"Oslo\"}");
  EXPECT_EQ(request->messages[3].tool_call_id, "call_1");
  EXPECT_EQ(request->temperature, 0.2);
  EXPECT_EQ(request->max_tokens, 64);
  EXPECT_EQ(request->stop, std::vector<std::string>{"\n\n"});
  ASSERT_EQ(request->tools.size(), 1U);
  EXPECT_EQ(request->tools[0].parameters_json, R"({"type":"object"})");
  EXPECT_EQ(request->tool_choice, "get_weather");
  EXPECT_TRUE(request->json_mode);
  EXPECT_TRUE(request->stream);
  EXPECT_TRUE(request->include_usage);
}

TEST(OpenAiWireTest, RejectsBadRequestsNamingTheField) {
  struct Case {
    const char* body;
    const char* reason;
    const char* field;
  };

  const Case cases[] = {
      {R"({"messages": [{"role": "user", "content": "x"}]})", "VALIDATION_MISSING_FIELD", "model"},
      {R"({"model": 3, "messages": []})", "VALIDATION_INVALID_TYPE", "model"},
      {R"({"model": "auto", "messages": []})", "VALIDATION_INVALID_VALUE", "messages"},
      {R"({"model": "auto", "messages": [{"content": "x"}]})", "VALIDATION_MISSING_FIELD",
       "messages[0].role"},
      {R"({"model": "auto", "messages": [{"role": "wizard", "content": "x"}]})",
       "VALIDATION_INVALID_VALUE", "messages[0].role"},
      {R"({"model": "auto", "messages": [{"role": "user", "content": 5}]})",
       "VALIDATION_INVALID_TYPE", "messages[0].content"},
      {R"({"model": "auto", "messages": [{"role": "tool", "content": "x"}]})",
       "VALIDATION_MISSING_FIELD", "messages[0].tool_call_id"},
      {R"({"model": "auto", "messages": [{"role": "user", "content": "x"}], "temperature": 3})",
       "VALIDATION_INVALID_VALUE", "temperature"},
      {R"({"model": "auto", "messages": [{"role": "user", "content": "x"}], "max_tokens": 0})",
       "VALIDATION_INVALID_VALUE", "max_tokens"},
      {R"({"model": "auto", "messages": [{"role": "user", "content": "x"}], "stream": "yes"})",
       "VALIDATION_INVALID_TYPE", "stream"},
      {R"({"model": "auto", "messages": [{"role": "user", "content": "x"}], "n": 2})",
       "VALIDATION_INVALID_VALUE", "n"},
      {R"({"model": "auto", "messages": [{"role": "user", "content": "x"}],
           "tools": [{"type": "function", "function": {}}]})",
       "VALIDATION_MISSING_FIELD", "tools[0].function.name"},
  };
  for (const Case& c : cases) {
    const auto request = ParseChatRequest(c.body);
    ASSERT_FALSE(request.has_value()) << c.body;
    EXPECT_EQ(Reason(request.error()), c.reason) << c.body;
    EXPECT_EQ(Field(request.error()), c.field) << c.body;
  }
  const auto malformed = ParseChatRequest("{\"model\":");
  ASSERT_FALSE(malformed.has_value());
  EXPECT_EQ(Reason(malformed.error()), "VALIDATION_MALFORMED_JSON");
}

TEST(OpenAiWireTest, RequestSurvivesARoundTrip) {
  const auto parsed = ParseChatRequest(R"({"model": "gpt-4o-mini",
    "messages": [{"role": "user", "content": "hi"},
                 {"role": "assistant", "content": null, "tool_calls": [{"id": "c", "type":
                  "function", "function": {"name": "f", "arguments": "{}"}}]},
                 {"role": "tool", "tool_call_id": "c", "content": "ok"}],
    "tools": [{"type": "function", "function": {"name": "f", "parameters": {}}}],
    "tool_choice": "auto", "stream": true})");
  ASSERT_TRUE(parsed.has_value());

  const json::value upstream = json::parse(SerializeChatRequest(*parsed));

  EXPECT_EQ(upstream.at("model"), "gpt-4o-mini");
  EXPECT_TRUE(upstream.at("messages").at(1).at("content").is_null());
  EXPECT_EQ(upstream.at("messages").at(1).at("tool_calls").at(0).at("function").at("name"), "f");
  EXPECT_EQ(upstream.at("messages").at(2).at("tool_call_id"), "c");
  EXPECT_EQ(upstream.at("tool_choice"), "auto");
  EXPECT_EQ(upstream.at("stream"), true);
  EXPECT_EQ(upstream.at("stream_options").at("include_usage"), true);
  const auto again = ParseChatRequest(SerializeChatRequest(*parsed));
  ASSERT_TRUE(again.has_value());
  EXPECT_EQ(again->messages.size(), 3U);
}

TEST(OpenAiWireTest, ParsesAndWritesACompletion) {
  const auto response = ParseChatResponse(R"({"id": "chatcmpl-1", "object": "chat.completion",
    "created": 1, "model": "gpt-4o-mini", "choices": [{"index": 0, "message": {"role":
    "assistant", "content": "Hello"}, "finish_reason": "stop"}],
    "usage": {"prompt_tokens": 9, "completion_tokens": 2, "total_tokens": 11}})");
  ASSERT_TRUE(response.has_value());
  EXPECT_EQ(response->content, "Hello");
  EXPECT_EQ(response->finish_reason, "stop");
  ASSERT_TRUE(response->usage.has_value());
  EXPECT_EQ(response->usage->total_tokens(), 11);

  const json::value out = json::parse(SerializeChatResponse(*response, 1700000000));

  EXPECT_EQ(out.at("object"), "chat.completion");
  EXPECT_EQ(out.at("created"), 1700000000);
  EXPECT_EQ(out.at("choices").at(0).at("message").at("content"), "Hello");
  EXPECT_EQ(out.at("usage").at("total_tokens"), 11);
  EXPECT_FALSE(ParseChatResponse("<html>").has_value());
  EXPECT_EQ(ParseChatResponse(R"({"choices": []})").error().reason, "UPSTREAM_BAD_RESPONSE");
}

TEST(OpenAiWireTest, ParsesStreamChunksIncludingToolCallDeltasAndUsage) {
  const auto first = ParseChatChunk(R"({"id": "c1", "object": "chat.completion.chunk",
    "model": "m", "choices": [{"index": 0, "delta": {"role": "assistant", "content": ""},
    "finish_reason": null}]})");
  ASSERT_TRUE(first.has_value() && first->has_value());
  EXPECT_TRUE((*first)->role_start);

  const auto tool = ParseChatChunk(R"({"id": "c1", "choices": [{"index": 0, "delta":
    {"tool_calls": [{"index": 1, "id": "call_9", "type": "function",
    "function": {"name": "f", "arguments": "{\"a\""}}]}, "finish_reason": null}]})");
  ASSERT_TRUE(tool.has_value() && tool->has_value());
  ASSERT_EQ((*tool)->tool_calls.size(), 1U);
  EXPECT_EQ((*tool)->tool_calls[0].index, 1);
  EXPECT_EQ((*tool)->tool_calls[0].id, "call_9");
  EXPECT_EQ((*tool)->tool_calls[0].arguments, "{\"a\"");

  const auto usage = ParseChatChunk(R"({"id": "c1", "choices": [], "usage":
    {"prompt_tokens": 3, "completion_tokens": 5, "total_tokens": 8}})");
  ASSERT_TRUE(usage.has_value() && usage->has_value());
  EXPECT_EQ((*usage)->usage->completion_tokens, 5);

  const auto done = ParseChatChunk("[DONE]");
  ASSERT_TRUE(done.has_value());
  EXPECT_FALSE(done->has_value());
  EXPECT_EQ(ParseChatChunk("{not json").error().reason, "UPSTREAM_BAD_RESPONSE");
  EXPECT_EQ(ParseChatChunk(R"({"error": {"message": "overloaded"}})").error().reason,
            "UPSTREAM_STREAM_ERROR");
}

TEST(OpenAiWireTest, WritesChunksTheWayOpenAiClientsReadThem) {
  ChatChunk role;
  role.id = "c";
  role.model = "m";
  role.role_start = true;
  const json::value first = json::parse(SerializeChatChunk(role, 5));
  EXPECT_EQ(first.at("object"), "chat.completion.chunk");
  EXPECT_EQ(first.at("choices").at(0).at("delta").at("role"), "assistant");
  EXPECT_EQ(first.at("choices").at(0).at("delta").at("content"), "");
  EXPECT_TRUE(first.at("choices").at(0).at("finish_reason").is_null());

  ChatChunk call;
  call.id = "c";
  call.tool_calls.push_back({0, "call_1", "f", ""});
  call.tool_calls.push_back({1, "", "", "{\"x\":1}"});
  const json::value second = json::parse(SerializeChatChunk(call, 5));
  const auto& calls = second.at("choices").at(0).at("delta").at("tool_calls");
  EXPECT_EQ(calls.at(0).at("id"), "call_1");
  EXPECT_EQ(calls.at(0).at("type"), "function");
  EXPECT_EQ(calls.at(1).at("index"), 1);
  EXPECT_FALSE(calls.at(1).as_object().contains("id"));

  ChatChunk usage;
  usage.id = "c";
  usage.usage = Usage{4, 6, false};
  const json::value last = json::parse(SerializeChatChunk(usage, 5));
  EXPECT_TRUE(last.at("choices").as_array().empty());
  EXPECT_EQ(last.at("usage").at("total_tokens"), 10);
}

TEST(OpenAiWireTest, ChunkTextIsExactlyOpenAisShape) {
  ChatChunk role;
  role.id = "chatcmpl-1";
  role.model = "gpt-4o-mini";
  role.role_start = true;
  EXPECT_EQ(SerializeChatChunk(role, 1700000000),
            R"({"id":"chatcmpl-1","object":"chat.completion.chunk","created":1700000000,)"
            R"("model":"gpt-4o-mini","choices":[{"index":0,"delta":{"role":"assistant",)"
            R"("content":""},"logprobs":null,"finish_reason":null}]})");

  ChatChunk text;
  text.id = "chatcmpl-1";
  text.model = "m";
  text.content = "Say \"hi\"\n";
  text.finish_reason = "stop";
  EXPECT_EQ(SerializeChatChunk(text, 5),
            R"({"id":"chatcmpl-1","object":"chat.completion.chunk","created":5,"model":"m",)"
            R"("choices":[{"index":0,"delta":{"content":"Say \"hi\"\n"},"logprobs":null,)"
            R"("finish_reason":"stop"}]})");

  ChatChunk call;
  call.id = "c";
  call.model = "m";
  call.role_start = true;
  call.tool_calls.push_back({0, "call_1", "lookup", ""});
  call.tool_calls.push_back({1, "", "", "{\"x\":1}"});
  EXPECT_EQ(SerializeChatChunk(call, 5),
            R"({"id":"c","object":"chat.completion.chunk","created":5,"model":"m",)"
            R"("choices":[{"index":0,"delta":{"role":"assistant","tool_calls":[)"
            R"({"index":0,"id":"call_1","type":"function","function":{"name":"lookup",)"
            R"("arguments":""}},{"index":1,"function":{"arguments":"{\"x\":1}"}}]},)"
            R"("logprobs":null,"finish_reason":null}]})");

  ChatChunk usage;
  usage.id = "c";
  usage.model = "m";
  usage.usage = Usage{4, 6, false};
  EXPECT_EQ(SerializeChatChunk(usage, 5),
            R"({"id":"c","object":"chat.completion.chunk","created":5,"model":"m",)"
            R"("choices":[],"usage":{"prompt_tokens":4,"completion_tokens":6,"total_tokens":10}})");

  ChatChunk last = text;
  last.usage = Usage{1, 2, false};  // Usage with content: only the choice is written.
  EXPECT_EQ(SerializeChatChunk(last, 5), SerializeChatChunk(text, 5));
}

TEST(OpenAiWireTest, EmbeddingsInBase64AreLittleEndianFloat32) {
  const auto request =
      ParseEmbeddingRequest(R"({"model": "e", "input": "a", "encoding_format": "base64"})");
  ASSERT_TRUE(request.has_value());
  EXPECT_TRUE(request->base64);
  EXPECT_EQ(json::parse(SerializeEmbeddingRequest(*request)).at("encoding_format"), "float");
  EXPECT_EQ(ParseEmbeddingRequest(R"({"model": "e", "input": "a", "encoding_format": "hex"})")
                .error()
                .reason,
            "VALIDATION_INVALID_VALUE");
  EmbeddingResponse response;
  response.vectors = {{1.0F, -2.0F}};

  const json::value out = json::parse(SerializeEmbeddingResponse(response, true));

  EXPECT_EQ(out.at("data").at(0).at("embedding"), "AACAPwAAAMA=");  // 3f800000, c0000000
}

TEST(OpenAiWireTest, EmbeddingsAndErrors) {
  const auto request = ParseEmbeddingRequest(R"({"model": "e", "input": ["a", "b"]})");
  ASSERT_TRUE(request.has_value());
  EXPECT_EQ(request->inputs.size(), 2U);
  EXPECT_EQ(ParseEmbeddingRequest(R"({"model": "e", "input": 5})").error().reason,
            "VALIDATION_INVALID_TYPE");
  EXPECT_EQ(ParseEmbeddingRequest(R"({"model": "e", "input": []})").error().reason,
            "VALIDATION_INVALID_VALUE");

  const auto response = ParseEmbeddingResponse(R"({"object": "list", "model": "e", "data": [
    {"object": "embedding", "index": 1, "embedding": [0.5, 1]},
    {"object": "embedding", "index": 0, "embedding": [0.25]}],
    "usage": {"prompt_tokens": 2, "total_tokens": 2}})");
  ASSERT_TRUE(response.has_value());
  ASSERT_EQ(response->vectors.size(), 2U);
  EXPECT_EQ(response->vectors[0], std::vector<float>{0.25F});
  EXPECT_EQ(response->vectors[1], (std::vector<float>{0.5F, 1.0F}));
  const json::value out = json::parse(SerializeEmbeddingResponse(*response));
  EXPECT_EQ(out.at("data").at(1).at("embedding").at(0), 0.5);

  const json::value error = json::parse(
      SerializeError("no such model", "invalid_request_error", "model", "model_not_found"));
  EXPECT_EQ(error.at("error").at("code"), "model_not_found");
  EXPECT_EQ(UpstreamErrorMessage(R"({"error": {"message": "slow down"}})"), "slow down");
  EXPECT_EQ(UpstreamErrorMessage("plain text"), "plain text");
}

}  // namespace
}  // namespace amaima::providers::openai
