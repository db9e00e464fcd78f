#include "amaima/providers/anthropic/anthropic_wire.h"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <gtest/gtest.h>

namespace amaima::providers::anthropic {
namespace {

namespace json = boost::json;

ChatMessage Message(std::string role, std::string content) {
  ChatMessage message;
  message.role = std::move(role);
  message.content = std::move(content);
  return message;
}

ChatMessage ToolResult(std::string call_id, std::string content) {
  ChatMessage message = Message("tool", std::move(content));
  message.tool_call_id = std::move(call_id);
  return message;
}

SseEvent Event(std::string type, std::string data) {
  return SseEvent{std::move(type), std::move(data), ""};
}

// Feeds `events` in order and returns every chunk; fails the test on an error.
std::vector<ChatChunk> FeedAll(StreamDecoder& decoder, const std::vector<SseEvent>& events) {
  std::vector<ChatChunk> chunks;
  for (const SseEvent& event : events) {
    auto fed = decoder.Feed(event);
    EXPECT_TRUE(fed.has_value()) << event.data << ": " << fed.error().message;
    if (!fed) {
      break;
    }
    chunks.insert(chunks.end(), fed->begin(), fed->end());
  }
  return chunks;
}

TEST(AnthropicWireTest, SerializesAConversationWithToolUse) {
  ChatRequest request;
  request.model = "claude-sonnet-4-5";
  request.messages.push_back(Message("system", "You are a weather bot."));
  request.messages.push_back(Message("developer", "Answer in Celsius."));
  request.messages.push_back(Message("user", "What is the weather in Paris and Oslo?"));
  ChatMessage assistant = Message("assistant", "Let me check.");
  assistant.tool_calls.push_back({"toolu_01A", "get_weather", R"({"location":"Paris"})"});
  assistant.tool_calls.push_back({"toolu_01B", "get_weather", R"({"location":"Oslo"})"});
  request.messages.push_back(assistant);
  request.messages.push_back(ToolResult("toolu_01A", "15 degrees"));
  request.messages.push_back(ToolResult("toolu_01B", "3 degrees"));
  request.messages.push_back(Message("user", "Thanks. Which is warmer?"));
  request.tools.push_back({"get_weather", "Get the current weather in a given location",
                           R"({"type":"object","properties":{"location":{"type":"string"}},)"
                           R"("required":["location"]})"});
  request.tool_choice = "get_weather";
  request.temperature = 0.5;
  request.top_p = 0.9;
  request.max_tokens = 512;
  request.stop = {"\n\nHuman:"};
  request.seed = 7;
  request.user = "user-42";
  request.stream = true;

  const json::value body = json::parse(SerializeChatRequest(request));

  EXPECT_EQ(body.at("model"), "claude-sonnet-4-5");
  EXPECT_EQ(body.at("max_tokens"), 512);
  EXPECT_EQ(body.at("system"), "You are a weather bot.\n\nAnswer in Celsius.");
  EXPECT_EQ(body.at("temperature"), 0.5);
  EXPECT_EQ(body.at("top_p"), 0.9);
  EXPECT_EQ(body.at("stop_sequences"), json::parse(R"(["\n\nHuman:"])"));
  EXPECT_EQ(body.at("stream"), true);
  EXPECT_EQ(body.at("metadata").at("user_id"), "user-42");
  EXPECT_EQ(body.as_object().if_contains("seed"), nullptr);
  const json::array& messages = body.at("messages").as_array();
  ASSERT_EQ(messages.size(), 3U);
  EXPECT_EQ(messages[0], json::parse(R"({"role": "user", "content": [
      {"type": "text", "text": "What is the weather in Paris and Oslo?"}]})"));
  EXPECT_EQ(messages[1], json::parse(R"({"role": "assistant", "content": [
      {"type": "text", "text": "Let me check."},
      {"type": "tool_use", "id": "toolu_01A", "name": "get_weather",
       "input": {"location": "Paris"}},
      {"type": "tool_use", "id": "toolu_01B", "name": "get_weather",
       "input": {"location": "Oslo"}}]})"));
  // Both tool results and the next question form one user turn, results first.
  EXPECT_EQ(messages[2], json::parse(R"({"role": "user", "content": [
      {"type": "tool_result", "tool_use_id": "toolu_01A", "content": "15 degrees"},
      {"type": "tool_result", "tool_use_id": "toolu_01B", "content": "3 degrees"},
      {"type": "text", "text": "Thanks. Which is warmer?"}]})"));
  ASSERT_EQ(body.at("tools").as_array().size(), 1U);
  EXPECT_EQ(body.at("tools").at(0), json::parse(R"({"name": "get_weather",
      "description": "Get the current weather in a given location",
      "input_schema": {"type": "object", "properties": {"location": {"type": "string"}},
                       "required": ["location"]}})"));
  EXPECT_EQ(body.at("tool_choice"), json::parse(R"({"type": "tool", "name": "get_weather"})"));
}

TEST(AnthropicWireTest, DefaultsMaxTokensAndLeavesUnsetFieldsOut) {
  ChatRequest request;
  request.model = "claude-haiku-4-5";
  request.messages.push_back(Message("user", "Hello"));

  const json::value body = json::parse(SerializeChatRequest(request));

  EXPECT_EQ(body.at("max_tokens"), kDefaultMaxTokens);
  const json::object& object = body.as_object();
  for (const char* key : {"system", "temperature", "top_p", "stop_sequences", "stream", "tools",
                          "tool_choice", "metadata"}) {
    EXPECT_EQ(object.if_contains(key), nullptr) << key;
  }
}

TEST(AnthropicWireTest, MapsToolChoices) {
  const std::vector<std::pair<const char*, const char*>> cases = {
      {"auto", R"({"type": "auto"})"},
      {"none", R"({"type": "none"})"},
      {"required", R"({"type": "any"})"},
      {"lookup", R"({"type": "tool", "name": "lookup"})"},
  };
  for (const auto& [choice, expected] : cases) {
    ChatRequest request;
    request.messages.push_back(Message("user", "x"));
    request.tools.push_back({"lookup", "", R"({"type":"object","properties":{}})"});
    request.tool_choice = choice;

    const json::value body = json::parse(SerializeChatRequest(request));

    EXPECT_EQ(body.at("tool_choice"), json::parse(expected)) << choice;
  }
  ChatRequest without_tools;
  without_tools.messages.push_back(Message("user", "x"));
  without_tools.tool_choice = "required";
  EXPECT_EQ(json::parse(SerializeChatRequest(without_tools)).as_object().if_contains("tool_choice"),
            nullptr);
}

TEST(AnthropicWireTest, InvalidToolArgumentsAndMissingSchemasBecomeEmptyObjects) {
  ChatRequest request;
  request.messages.push_back(Message("user", "go"));
  ChatMessage assistant = Message("assistant", "");
  assistant.tool_calls.push_back({"toolu_1", "f", "{not json"});
  assistant.tool_calls.push_back({"toolu_2", "f", "[1, 2]"});
  request.messages.push_back(assistant);
  request.tools.push_back({"f", "", ""});

  const json::value body = json::parse(SerializeChatRequest(request));

  const json::value& content = body.at("messages").at(1).at("content");
  ASSERT_EQ(content.as_array().size(), 2U);  // no empty text block
  EXPECT_EQ(content.at(0).at("input"), json::object{});
  EXPECT_EQ(content.at(1).at("input"), json::object{});
  EXPECT_EQ(body.at("tools").at(0).at("input_schema"),
            json::parse(R"({"type": "object", "properties": {}})"));
}

TEST(AnthropicWireTest, JsonModeAddsAnInstructionToTheSystemPrompt) {
  ChatRequest request;
  request.messages.push_back(Message("user", "List three colours."));
  request.json_mode = true;

  const json::value bare = json::parse(SerializeChatRequest(request));
  request.messages.insert(request.messages.begin(), Message("system", "Be terse."));
  const json::value with_system = json::parse(SerializeChatRequest(request));

  const std::string bare_system(bare.at("system").as_string());
  EXPECT_NE(bare_system.find("JSON object"), std::string::npos);
  const std::string system(with_system.at("system").as_string());
  EXPECT_EQ(system.rfind("Be terse.\n\n", 0), 0U);
  EXPECT_NE(system.find("JSON object"), std::string::npos);
}

TEST(AnthropicWireTest, MergesConsecutiveTurnsAndCarriesImages) {
  ChatRequest request;
  ChatMessage first = Message("user", "look");
  first.content_json = R"([{"type": "text", "text": "look"},
      {"type": "image_url", "image_url": {"url": "data:image/png;base64,iVBORw0KGgo="}},
      {"type": "image_url", "image_url": {"url": "https://example.com/cat.jpg"}},
      {"type": "input_audio", "input_audio": {"data": "xx", "format": "wav"}}])";
  request.messages.push_back(first);
  request.messages.push_back(Message("user", "and tell me"));
  request.messages.push_back(Message("assistant", ""));  // nothing to carry: dropped
  request.messages.push_back(Message("user", "please"));
  request.temperature = 1.7;  // OpenAI allows up to 2, Anthropic up to 1

  const json::value body = json::parse(SerializeChatRequest(request));

  EXPECT_EQ(body.at("temperature"), 1.0);
  ASSERT_EQ(body.at("messages").as_array().size(), 1U);
  EXPECT_EQ(body.at("messages").at(0).at("content"), json::parse(R"([
      {"type": "text", "text": "look"},
      {"type": "image", "source": {"type": "base64", "media_type": "image/png",
                                   "data": "iVBORw0KGgo="}},
      {"type": "image", "source": {"type": "url", "url": "https://example.com/cat.jpg"}},
      {"type": "text", "text": "and tell me"},
      {"type": "text", "text": "please"}])"));
}

TEST(AnthropicWireTest, ParsesATextMessage) {
  const auto response = ParseChatResponse(R"({
    "id": "msg_013Zva2CMHLNnXjNJJKqJ2EF", "type": "message", "role": "assistant",
    "model": "claude-sonnet-4-5-20250929",
    "content": [{"type": "text", "text": "Hi! My name is Claude."}],
    "stop_reason": "end_turn", "stop_sequence": null,
    "usage": {"input_tokens": 2095, "output_tokens": 503,
              "cache_creation_input_tokens": 10, "cache_read_input_tokens": 5}})");

  ASSERT_TRUE(response.has_value()) << response.error().message;
  EXPECT_EQ(response->id, "msg_013Zva2CMHLNnXjNJJKqJ2EF");
  EXPECT_EQ(response->model, "claude-sonnet-4-5-20250929");
  EXPECT_EQ(response->content, "Hi! My name is Claude.");
  EXPECT_TRUE(response->tool_calls.empty());
  EXPECT_EQ(response->finish_reason, "stop");
  ASSERT_TRUE(response->usage.has_value());
  EXPECT_EQ(response->usage->prompt_tokens, 2110);
  EXPECT_EQ(response->usage->completion_tokens, 503);
}

TEST(AnthropicWireTest, ParsesAToolUseMessage) {
  const auto response = ParseChatResponse(R"({
    "id": "msg_01Aq9w938a90dw8q", "type": "message", "role": "assistant",
    "model": "claude-sonnet-4-5",
    "content": [
      {"type": "thinking", "thinking": "The user wants weather.", "signature": "abc"},
      {"type": "text", "text": "I'll check the weather."},
      {"type": "tool_use", "id": "toolu_01A09q90qw90lq917835lq9", "name": "get_weather",
       "input": {"location": "San Francisco, CA", "unit": "celsius"}}],
    "stop_reason": "tool_use", "stop_sequence": null,
    "usage": {"input_tokens": 472, "output_tokens": 89}})");

  ASSERT_TRUE(response.has_value()) << response.error().message;
  EXPECT_EQ(response->content, "I'll check the weather.");
  ASSERT_EQ(response->tool_calls.size(), 1U);
  EXPECT_EQ(response->tool_calls[0].id, "toolu_01A09q90qw90lq917835lq9");
  EXPECT_EQ(response->tool_calls[0].name, "get_weather");
  EXPECT_EQ(json::parse(response->tool_calls[0].arguments),
            json::parse(R"({"location": "San Francisco, CA", "unit": "celsius"})"));
  EXPECT_EQ(response->finish_reason, "tool_calls");
}

TEST(AnthropicWireTest, MapsStopReasons) {
  const std::vector<std::pair<const char*, const char*>> cases = {
      {"end_turn", "stop"},     {"stop_sequence", "stop"},  {"pause_turn", "stop"},
      {"max_tokens", "length"}, {"tool_use", "tool_calls"}, {"refusal", "content_filter"},
  };
  for (const auto& [reason, expected] : cases) {
    const std::string body = std::string(R"({"content": [], "stop_reason": ")") + reason + R"("})";

    const auto response = ParseChatResponse(body);

    ASSERT_TRUE(response.has_value()) << reason;
    EXPECT_EQ(response->finish_reason, expected) << reason;
  }
}

TEST(AnthropicWireTest, RejectsMalformedMessages) {
  const std::vector<const char*> bodies = {
      "<html>oops</html>",
      "[]",
      R"({"id": "msg_1", "content": "text"})",
      R"({"content": [3]})",
      R"({"content": [{"type": "tool_use", "input": {}}]})",
      R"({"type": "error", "error": {"type": "overloaded_error", "message": "Overloaded"}})",
  };
  for (const char* body : bodies) {
    const auto response = ParseChatResponse(body);

    ASSERT_FALSE(response.has_value()) << body;
    EXPECT_EQ(response.error().code, ErrorCode::kUnavailable) << body;
    EXPECT_EQ(response.error().reason, "UPSTREAM_BAD_RESPONSE") << body;
  }
}

TEST(AnthropicWireTest, ReadsUpstreamErrorMessages) {
  EXPECT_EQ(UpstreamErrorMessage(R"({"type": "error", "error": {"type": "invalid_request_error",
      "message": "max_tokens: Field required"}})"),
            "invalid_request_error: max_tokens: Field required");
  EXPECT_EQ(UpstreamErrorMessage("Bad Gateway"), "Bad Gateway");
  EXPECT_EQ(UpstreamErrorMessage(std::string(500, 'x')).size(), 200U);
}

TEST(AnthropicStreamDecoderTest, DecodesATextStream) {
  StreamDecoder decoder;

  const std::vector<ChatChunk> chunks = FeedAll(
      decoder, {Event("message_start", R"({"type": "message_start", "message": {"id":
          "msg_1nZdL29xx5MUA1yADyHTEsnR8uuvGzszyY", "type": "message", "role": "assistant",
          "content": [], "model": "claude-sonnet-4-5-20250929", "stop_reason": null,
          "stop_sequence": null, "usage": {"input_tokens": 25, "output_tokens": 1}}})"),
                Event("content_block_start", R"({"type": "content_block_start", "index": 0,
          "content_block": {"type": "text", "text": ""}})"),
                Event("ping", R"({"type": "ping"})"),
                Event("content_block_delta", R"({"type": "content_block_delta", "index": 0,
          "delta": {"type": "text_delta", "text": "Hello"}})"),
                Event("content_block_delta", R"({"type": "content_block_delta", "index": 0,
          "delta": {"type": "text_delta", "text": "!"}})"),
                Event("content_block_stop", R"({"type": "content_block_stop", "index": 0})"),
                Event("message_delta", R"({"type": "message_delta", "delta": {"stop_reason":
          "end_turn", "stop_sequence": null}, "usage": {"output_tokens": 15}})")});
  EXPECT_FALSE(decoder.Finished());
  const std::vector<ChatChunk> last =
      FeedAll(decoder, {Event("message_stop", R"({"type": "message_stop"})")});

  ASSERT_EQ(chunks.size(), 4U);
  EXPECT_TRUE(chunks[0].role_start);
  EXPECT_EQ(chunks[0].id, "msg_1nZdL29xx5MUA1yADyHTEsnR8uuvGzszyY");
  EXPECT_EQ(chunks[0].model, "claude-sonnet-4-5-20250929");
  EXPECT_EQ(chunks[1].content, "Hello");
  EXPECT_EQ(chunks[2].content, "!");
  EXPECT_EQ(chunks[3].finish_reason, "stop");
  for (const ChatChunk& chunk : chunks) {
    EXPECT_EQ(chunk.id, "msg_1nZdL29xx5MUA1yADyHTEsnR8uuvGzszyY");
    EXPECT_FALSE(chunk.usage.has_value());
  }
  ASSERT_EQ(last.size(), 1U);
  ASSERT_TRUE(last[0].usage.has_value());
  EXPECT_EQ(last[0].usage->prompt_tokens, 25);
  EXPECT_EQ(last[0].usage->completion_tokens, 15);
  EXPECT_TRUE(last[0].finish_reason.empty());
  EXPECT_TRUE(decoder.Finished());
  const auto after = decoder.Feed(Event("ping", R"({"type": "ping"})"));
  ASSERT_TRUE(after.has_value());
  EXPECT_TRUE(after->empty());
}

TEST(AnthropicStreamDecoderTest, DecodesToolCallsWhoseArgumentsArriveInFragments) {
  StreamDecoder decoder;

  const std::vector<ChatChunk> chunks = FeedAll(
      decoder, {Event("message_start", R"({"type": "message_start", "message": {"id": "msg_014p",
          "type": "message", "role": "assistant", "content": [], "model": "claude-opus-4-1",
          "stop_reason": null, "usage": {"input_tokens": 472, "output_tokens": 2}}})"),
                Event("content_block_start", R"({"type": "content_block_start", "index": 0,
          "content_block": {"type": "text", "text": ""}})"),
                Event("content_block_delta", R"({"type": "content_block_delta", "index": 0,
          "delta": {"type": "text_delta", "text": "Checking both cities."}})"),
                Event("content_block_stop", R"({"type": "content_block_stop", "index": 0})"),
                Event("content_block_start", R"({"type": "content_block_start", "index": 1,
          "content_block": {"type": "tool_use", "id": "toolu_01T1x1fJ34qAmk2tNTrN7Up6",
          "name": "get_weather", "input": {}}})"),
                Event("content_block_delta", R"({"type": "content_block_delta", "index": 1,
          "delta": {"type": "input_json_delta", "partial_json": ""}})"),
                Event("content_block_delta", R"({"type": "content_block_delta", "index": 1,
          "delta": {"type": "input_json_delta", "partial_json": "{\"location\": \"San Fra"}})"),
                Event("content_block_delta", R"({"type": "content_block_delta", "index": 1,
          "delta": {"type": "input_json_delta", "partial_json": "ncisco, CA\", "}})"),
                Event("content_block_delta", R"({"type": "content_block_delta", "index": 1,
          "delta": {"type": "input_json_delta", "partial_json": "\"unit\": \"celsius\"}"}})"),
                Event("content_block_stop", R"({"type": "content_block_stop", "index": 1})"),
                Event("content_block_start", R"({"type": "content_block_start", "index": 2,
          "content_block": {"type": "tool_use", "id": "toolu_02", "name": "get_time",
          "input": {}}})"),
                Event("content_block_delta", R"({"type": "content_block_delta", "index": 2,
          "delta": {"type": "input_json_delta", "partial_json": "{\"tz\": \"CET\"}"}})"),
                Event("content_block_stop", R"({"type": "content_block_stop", "index": 2})"),
                Event("message_delta", R"({"type": "message_delta", "delta": {"stop_reason":
          "tool_use", "stop_sequence": null}, "usage": {"output_tokens": 89}})"),
                Event("message_stop", R"({"type": "message_stop"})")});

  ASSERT_EQ(chunks.size(), 10U);
  EXPECT_TRUE(chunks[0].role_start);
  EXPECT_EQ(chunks[1].content, "Checking both cities.");
  ASSERT_EQ(chunks[2].tool_calls.size(), 1U);
  EXPECT_EQ(chunks[2].tool_calls[0].index, 0);
  EXPECT_EQ(chunks[2].tool_calls[0].id, "toolu_01T1x1fJ34qAmk2tNTrN7Up6");
  EXPECT_EQ(chunks[2].tool_calls[0].name, "get_weather");
  EXPECT_EQ(chunks[2].tool_calls[0].arguments, "");
  std::string arguments;
  for (std::size_t i = 3; i <= 5; ++i) {
    ASSERT_EQ(chunks[i].tool_calls.size(), 1U) << i;
    EXPECT_EQ(chunks[i].tool_calls[0].index, 0);
    EXPECT_TRUE(chunks[i].tool_calls[0].id.empty());
    EXPECT_TRUE(chunks[i].tool_calls[0].name.empty());
    arguments += chunks[i].tool_calls[0].arguments;
  }
  EXPECT_EQ(json::parse(arguments),
            json::parse(R"({"location": "San Francisco, CA", "unit": "celsius"})"));
  ASSERT_EQ(chunks[6].tool_calls.size(), 1U);
  EXPECT_EQ(chunks[6].tool_calls[0].index, 1);
  EXPECT_EQ(chunks[6].tool_calls[0].id, "toolu_02");
  EXPECT_EQ(chunks[6].tool_calls[0].name, "get_time");
  EXPECT_EQ(chunks[7].tool_calls[0].index, 1);
  EXPECT_EQ(chunks[7].tool_calls[0].arguments, R"({"tz": "CET"})");
  EXPECT_EQ(chunks[8].finish_reason, "tool_calls");
  ASSERT_TRUE(chunks[9].usage.has_value());
  EXPECT_EQ(chunks[9].usage->prompt_tokens, 472);
  EXPECT_EQ(chunks[9].usage->completion_tokens, 89);
  EXPECT_TRUE(decoder.Finished());
}

TEST(AnthropicStreamDecoderTest, IgnoresThinkingBlocksAndUnknownEvents) {
  StreamDecoder decoder;

  const std::vector<ChatChunk> chunks = FeedAll(
      decoder, {Event("message_start", R"({"type": "message_start", "message": {"id": "msg_t",
          "model": "claude-sonnet-4-5", "usage": {"input_tokens": 3, "output_tokens": 0}}})"),
                Event("content_block_start", R"({"type": "content_block_start", "index": 0,
          "content_block": {"type": "thinking", "thinking": ""}})"),
                Event("content_block_delta", R"({"type": "content_block_delta", "index": 0,
          "delta": {"type": "thinking_delta", "thinking": "Let me think"}})"),
                Event("content_block_delta", R"({"type": "content_block_delta", "index": 0,
          "delta": {"type": "signature_delta", "signature": "EqQBCgIYAh"}})"),
                Event("some_future_event", R"({"type": "some_future_event", "x": 1})"),
                Event("content_block_start", R"({"type": "content_block_start", "index": 1,
          "content_block": {"type": "text", "text": "Answer"}})")});

  ASSERT_EQ(chunks.size(), 2U);
  EXPECT_TRUE(chunks[0].role_start);
  EXPECT_EQ(chunks[1].content, "Answer");
}

TEST(AnthropicStreamDecoderTest, TurnsAnErrorEventIntoAStreamError) {
  StreamDecoder decoder;
  ASSERT_TRUE(decoder.Feed(Event("message_start", R"({"type": "message_start",
      "message": {"id": "msg_e", "model": "m", "usage": {"input_tokens": 1}}})")));

  const auto fed = decoder.Feed(Event(
      "error",
      R"({"type": "error", "error": {"type": "overloaded_error", "message": "Overloaded"}})"));

  ASSERT_FALSE(fed.has_value());
  EXPECT_EQ(fed.error().code, ErrorCode::kUnavailable);
  EXPECT_EQ(fed.error().reason, "UPSTREAM_STREAM_ERROR");
  EXPECT_NE(fed.error().message.find("Overloaded"), std::string::npos);
  ASSERT_EQ(fed.error().details.size(), 1U);
  EXPECT_EQ(fed.error().details[0].second, "overloaded_error");
  EXPECT_FALSE(decoder.Finished());
}

TEST(AnthropicStreamDecoderTest, RejectsMalformedEvents) {
  const std::vector<SseEvent> bad = {
      Event("message_start", R"({"type": "message_start", "message": )"),
      Event("content_block_delta", "[1, 2]"),
      Event("message_start", R"({"type": "message_start"})"),
      Event("content_block_delta", R"({"type": "content_block_delta", "index": 4,
          "delta": {"type": "input_json_delta", "partial_json": "{}"}})"),
      Event("content_block_start", R"({"type": "content_block_start", "index": 0,
          "content_block": {"type": "tool_use", "input": {}}})"),
  };
  for (const SseEvent& event : bad) {
    StreamDecoder decoder;

    const auto fed = decoder.Feed(event);

    ASSERT_FALSE(fed.has_value()) << event.data;
    EXPECT_EQ(fed.error().reason, "UPSTREAM_BAD_RESPONSE") << event.data;
  }
}

TEST(AnthropicStreamDecoderTest, ClosesAStreamThatEndsWithoutAStopReason) {
  StreamDecoder decoder;

  const std::vector<ChatChunk> chunks =
      FeedAll(decoder, {Event("message_stop", R"({"type": "message_stop"})")});

  ASSERT_EQ(chunks.size(), 2U);
  EXPECT_TRUE(chunks[0].role_start);
  EXPECT_EQ(chunks[1].finish_reason, "stop");
  EXPECT_TRUE(decoder.Finished());
}

}  // namespace
}  // namespace amaima::providers::anthropic
