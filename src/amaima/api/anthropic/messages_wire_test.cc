#include "amaima/api/anthropic/messages_wire.h"

#include <chrono>
#include <string>
#include <utility>
#include <vector>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <gtest/gtest.h>

#include "amaima/accounting/usage.h"
#include "amaima/api/anthropic/messages_request.h"
#include "amaima/providers/anthropic/anthropic_wire.h"
#include "amaima/providers/sse_parser.h"

namespace amaima::api::anthropic {
namespace {

// Every GoogleTest assertion counts as a branch for clang-tidy 14, which has no option to
// ignore macros; tests that check a wire format field by field exceed the threshold without
// being complex.
// NOLINTBEGIN(readability-function-cognitive-complexity)

namespace json = boost::json;
using providers::ChatChunk;
using providers::ToolCallDelta;

std::string DetailOf(const Error& error, std::string_view key) {
  for (const auto& [name, value] : error.details) {
    if (name == key) {
      return value;
    }
  }
  return "";
}

// A minimal valid request with `extra` members spliced in after the required ones.
std::string Body(std::string_view extra = "",
                 std::string_view messages = R"([{"role":"user","content":"Hello there"}])") {
  std::string body = R"({"model":"claude-sonnet-4","max_tokens":256,"messages":)";
  body += messages;
  if (!extra.empty()) {
    body += ",";
    body += extra;
  }
  body += "}";
  return body;
}

struct SentEvent {
  std::string name{};
  json::value data{};
};

// Splits encoder output into events, checking that each event name matches its data type.
std::vector<SentEvent> Events(std::string_view text) {
  providers::SseParser parser;
  std::vector<providers::SseEvent> parsed;
  EXPECT_TRUE(parser.Feed(text, parsed));
  EXPECT_FALSE(parser.HasPartial()) << text;
  std::vector<SentEvent> events;
  for (providers::SseEvent& event : parsed) {
    json::value data = json::parse(event.data);
    EXPECT_EQ(data.at("type").as_string(), event.event) << event.data;
    events.push_back({std::move(event.event), std::move(data)});
  }
  return events;
}

std::vector<std::string> Names(const std::vector<SentEvent>& events) {
  std::vector<std::string> names;
  names.reserve(events.size());
  for (const SentEvent& event : events) {
    names.push_back(event.name);
  }
  return names;
}

ChatChunk Text(std::string text) {
  ChatChunk chunk;
  chunk.content = std::move(text);
  return chunk;
}

ChatChunk Tool(int index, std::string id, std::string name, std::string arguments) {
  ChatChunk chunk;
  chunk.tool_calls.push_back({index, std::move(id), std::move(name), std::move(arguments)});
  return chunk;
}

ChatChunk Finish(std::string reason) {
  ChatChunk chunk;
  chunk.finish_reason = std::move(reason);
  return chunk;
}

ChatChunk UsageChunk(std::int64_t prompt, std::int64_t completion) {
  ChatChunk chunk;
  chunk.usage = providers::Usage{prompt, completion, false};
  return chunk;
}

ChatChunk RoleStart() {
  ChatChunk chunk;
  chunk.role_start = true;
  return chunk;
}

// Encodes a whole stream: Start, every chunk, Finish.
std::string EncodeAll(const std::vector<ChatChunk>& chunks) {
  MessageStreamEncoder encoder("msg_1", "claude-sonnet-4", 12);
  std::string out = encoder.Start();
  for (const ChatChunk& chunk : chunks) {
    out += encoder.Feed(chunk);
  }
  return out + encoder.Finish();
}

// Decodes `text` with the upstream-side Anthropic decoder: what a client library sees.
std::vector<ChatChunk> DecodeWithUpstreamDecoder(std::string_view text) {
  providers::SseParser parser;
  std::vector<providers::SseEvent> events;
  EXPECT_TRUE(parser.Feed(text, events));
  providers::anthropic::StreamDecoder decoder;
  std::vector<ChatChunk> chunks;
  for (const providers::SseEvent& event : events) {
    auto fed = decoder.Feed(event);
    EXPECT_TRUE(fed.has_value()) << event.data;
    if (!fed) {
      break;
    }
    chunks.insert(chunks.end(), fed->begin(), fed->end());
  }
  EXPECT_TRUE(decoder.Finished());
  return chunks;
}

TEST(MessagesWireTest, ParsesEveryField) {
  const std::string body = R"({
    "model": "claude-sonnet-4",
    "max_tokens": 1024,
    "system": [{"type": "text", "text": "You are terse."},
               {"type": "text", "text": "Use metric units.", "cache_control": {"type": "ephemeral"}}],
    "messages": [
      {"role": "user", "content": "What is the weather in Oslo?"},
      {"role": "assistant", "content": [
        {"type": "thinking", "thinking": "call the tool", "signature": "sig"},
        {"type": "text", "text": "Checking."},
        {"type": "tool_use", "id": "toolu_1", "name": "get_weather", "input": {"city": "Oslo"}}]},
      {"role": "user", "content": [
        {"type": "text", "text": "Also, what is in this picture?"},
        {"type": "tool_result", "tool_use_id": "toolu_1", "content": "3 degrees"},
        {"type": "image", "source": {"type": "base64", "media_type": "image/png", "data": "iVBO"}},
        {"type": "image", "source": {"type": "url", "url": "https://example.com/a.jpg"}}]}
    ],
    "stop_sequences": ["\n\nHuman:", "END"],
    "temperature": 0.25,
    "top_p": 0.5,
    "top_k": 40,
    "tools": [{"name": "get_weather", "description": "Current weather",
               "input_schema": {"type": "object", "properties": {"city": {"type": "string"}}}}],
    "tool_choice": {"type": "tool", "name": "get_weather", "disable_parallel_tool_use": true},
    "stream": true,
    "metadata": {"user_id": "user-42"},
    "service_tier": "auto"
  })";

  Result<MessagesRequest> parsed = ParseMessagesRequest(body);

  ASSERT_TRUE(parsed.has_value()) << parsed.error().message;
  const providers::ChatRequest& chat = parsed->chat;
  EXPECT_EQ(chat.model, "claude-sonnet-4");
  EXPECT_EQ(chat.max_tokens, 1024);
  EXPECT_EQ(chat.stop, (std::vector<std::string>{"\n\nHuman:", "END"}));
  EXPECT_EQ(chat.temperature, 0.25);
  EXPECT_EQ(chat.top_p, 0.5);
  EXPECT_EQ(chat.tool_choice, "get_weather");
  EXPECT_TRUE(chat.stream);
  EXPECT_EQ(chat.user, "user-42");
  ASSERT_EQ(chat.tools.size(), 1U);
  EXPECT_EQ(chat.tools[0].name, "get_weather");
  EXPECT_EQ(chat.tools[0].description, "Current weather");
  EXPECT_EQ(json::parse(chat.tools[0].parameters_json),
            json::parse(R"({"type":"object","properties":{"city":{"type":"string"}}})"));
  ASSERT_EQ(chat.messages.size(), 5U);
  EXPECT_EQ(chat.messages[0].role, "system");
  EXPECT_EQ(chat.messages[0].content, "You are terse.\n\nUse metric units.");
  EXPECT_EQ(chat.messages[1].role, "user");
  EXPECT_EQ(chat.messages[1].content, "What is the weather in Oslo?");
  EXPECT_TRUE(chat.messages[1].content_json.empty());
  EXPECT_EQ(chat.messages[2].role, "assistant");
  EXPECT_EQ(chat.messages[2].content, "Checking.");
  ASSERT_EQ(chat.messages[2].tool_calls.size(), 1U);
  EXPECT_EQ(chat.messages[2].tool_calls[0].id, "toolu_1");
  EXPECT_EQ(chat.messages[2].tool_calls[0].name, "get_weather");
  EXPECT_EQ(json::parse(chat.messages[2].tool_calls[0].arguments),
            json::parse(R"({"city":"Oslo"})"));
  // The tool result comes before the rest of its user turn.
  EXPECT_EQ(chat.messages[3].role, "tool");
  EXPECT_EQ(chat.messages[3].tool_call_id, "toolu_1");
  EXPECT_EQ(chat.messages[3].content, "3 degrees");
  EXPECT_EQ(chat.messages[4].role, "user");
  EXPECT_EQ(chat.messages[4].content, "Also, what is in this picture?");
  EXPECT_EQ(json::parse(chat.messages[4].content_json), json::parse(R"([
      {"type": "text", "text": "Also, what is in this picture?"},
      {"type": "image_url", "image_url": {"url": "data:image/png;base64,iVBO"}},
      {"type": "image_url", "image_url": {"url": "https://example.com/a.jpg"}}])"));
  const routing::RouteRequest& route = parsed->route;
  EXPECT_EQ(route.query, "Also, what is in this picture?");
  EXPECT_EQ(route.input_tokens, accounting::EstimatePromptTokens(chat));
  EXPECT_GT(route.input_tokens, 0);
  EXPECT_EQ(route.constraints.pinned_model, "claude-sonnet-4");
  EXPECT_EQ(route.constraints.max_tokens, 1024);
  EXPECT_EQ(route.constraints.required_capabilities,
            (std::vector<routing::Capability>{routing::Capability::kVision,
                                              routing::Capability::kTools}));
}

TEST(MessagesWireTest, ParsesAMinimalRequestWithAutoModel) {
  Result<MessagesRequest> parsed = ParseMessagesRequest(
      R"({"model":"auto","max_tokens":1,"system":"Be kind.","messages":[{"role":"user","content":"Hi"}]})");

  ASSERT_TRUE(parsed.has_value()) << parsed.error().message;
  EXPECT_EQ(parsed->chat.model, "auto");
  EXPECT_TRUE(parsed->route.constraints.pinned_model.empty());
  EXPECT_FALSE(parsed->chat.stream);
  EXPECT_FALSE(parsed->chat.temperature.has_value());
  EXPECT_FALSE(parsed->chat.top_p.has_value());
  EXPECT_TRUE(parsed->chat.tool_choice.empty());
  EXPECT_TRUE(parsed->route.constraints.required_capabilities.empty());
  ASSERT_EQ(parsed->chat.messages.size(), 2U);
  EXPECT_EQ(parsed->chat.messages[0].role, "system");
  EXPECT_EQ(parsed->chat.messages[0].content, "Be kind.");
  EXPECT_EQ(parsed->route.query, "Hi");
}

TEST(MessagesWireTest, MapsEveryToolChoice) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {R"({"type":"auto"})", "auto"},
      {R"({"type":"any"})", "required"},
      {R"({"type":"none"})", "none"},
      {R"({"type":"tool","name":"lookup"})", "lookup"},
  };
  for (const auto& [choice, expected] : cases) {
    const std::string body = Body(
        R"("tools":[{"name":"lookup","input_schema":{"type":"object"}}],"tool_choice":)" + choice);

    Result<MessagesRequest> parsed = ParseMessagesRequest(body);

    ASSERT_TRUE(parsed.has_value()) << choice << ": " << parsed.error().message;
    EXPECT_EQ(parsed->chat.tool_choice, expected) << choice;
  }
}

TEST(MessagesWireTest, ReadsToolResultBlocksAndQueriesTheLastUserText) {
  const std::string messages = R"([
    {"role":"user","content":[{"type":"text","text":"Weather in Oslo?"}]},
    {"role":"assistant","content":[{"type":"tool_use","id":"t1","name":"w","input":{}}]},
    {"role":"user","content":[{"type":"tool_result","tool_use_id":"t1","is_error":false,
      "content":[{"type":"text","text":"3 degrees"},{"type":"text","text":"cloudy"},
                 {"type":"image","source":{"type":"url","url":"https://x/y.png"}}]}]}])";

  Result<MessagesRequest> parsed = ParseMessagesRequest(Body("", messages));

  ASSERT_TRUE(parsed.has_value()) << parsed.error().message;
  ASSERT_EQ(parsed->chat.messages.size(), 3U);
  EXPECT_EQ(parsed->chat.messages[1].role, "assistant");
  EXPECT_TRUE(parsed->chat.messages[1].content.empty());
  EXPECT_EQ(parsed->chat.messages[1].tool_calls[0].arguments, "{}");
  EXPECT_EQ(parsed->chat.messages[2].role, "tool");
  EXPECT_EQ(parsed->chat.messages[2].content, "3 degrees\ncloudy");
  EXPECT_EQ(parsed->route.query, "Weather in Oslo?");
}

TEST(MessagesWireTest, QueriesAToolResultWhenNoUserTurnHasText) {
  const std::string messages = R"([
    {"role":"assistant","content":[{"type":"tool_use","id":"t1","name":"w","input":{}}]},
    {"role":"user","content":[{"type":"tool_result","tool_use_id":"t1","content":"42"}]}])";

  Result<MessagesRequest> parsed = ParseMessagesRequest(Body("", messages));

  ASSERT_TRUE(parsed.has_value()) << parsed.error().message;
  EXPECT_EQ(parsed->route.query, "42");
}

TEST(MessagesWireTest, EstimatesInputTokensOverEveryMessage) {
  Result<MessagesRequest> short_prompt = ParseMessagesRequest(Body());
  Result<MessagesRequest> long_prompt = ParseMessagesRequest(Body(
      R"("system":"You are a meticulous assistant who explains every step in detail.")",
      R"([{"role":"user","content":"Hello there"},{"role":"assistant","content":"Hi, how can I help?"},
          {"role":"user","content":"Hello there"}])"));

  ASSERT_TRUE(short_prompt.has_value());
  ASSERT_TRUE(long_prompt.has_value());
  EXPECT_EQ(short_prompt->route.query, long_prompt->route.query);
  EXPECT_GT(long_prompt->route.input_tokens, short_prompt->route.input_tokens + 10);
}

struct BadRequest {
  std::string name;
  std::string body;
  std::string message;
  std::string field;
  std::string reason;
};

TEST(MessagesWireTest, RejectsBadRequestsWithPreciseMessages) {
  const std::string user = R"([{"role":"user","content":"hi"}])";
  const std::vector<BadRequest> cases = {
      {"not json", "{", "", "", "VALIDATION_INVALID_JSON"},
      {"not an object", "[1]", "request body must be a JSON object", "$",
       "VALIDATION_INVALID_TYPE"},
      {"no model", R"({"max_tokens":5,"messages":[]})", "model: Field required", "model",
       "VALIDATION_MISSING_FIELD"},
      {"empty model", R"({"model":"","max_tokens":5})",
       "model: String should have at least 1 character", "model", "VALIDATION_INVALID_VALUE"},
      {"no max_tokens", R"({"model":"auto","messages":)" + user + "}", "max_tokens: Field required",
       "max_tokens", "VALIDATION_MISSING_FIELD"},
      {"max_tokens a string", R"({"model":"auto","max_tokens":"5"})",
       "max_tokens: Input should be a valid integer", "max_tokens", "VALIDATION_INVALID_TYPE"},
      {"max_tokens a fraction", R"({"model":"auto","max_tokens":1.5})",
       "max_tokens: Input should be a valid integer", "max_tokens", "VALIDATION_INVALID_TYPE"},
      {"max_tokens zero", R"({"model":"auto","max_tokens":0})",
       "max_tokens: Input should be greater than or equal to 1", "max_tokens",
       "VALIDATION_INVALID_VALUE"},
      {"no messages", R"({"model":"auto","max_tokens":5})", "messages: Field required", "messages",
       "VALIDATION_MISSING_FIELD"},
      {"messages not a list", Body("", "{}"), "messages: Input should be a valid list", "messages",
       "VALIDATION_INVALID_TYPE"},
      {"no message", Body("", "[]"), "messages: at least one message is required", "messages",
       "VALIDATION_INVALID_VALUE"},
      {"message not an object", Body("", "[3]"),
       "messages.0: Input should be a valid message object", "messages.0",
       "VALIDATION_INVALID_TYPE"},
      {"system role", Body("", R"([{"role":"system","content":"x"}])"),
       "messages.0.role: Input should be 'user' or 'assistant'", "messages.0.role",
       "VALIDATION_INVALID_VALUE"},
      {"no role", Body("", R"([{"content":"x"}])"), "messages.0.role: Field required",
       "messages.0.role", "VALIDATION_MISSING_FIELD"},
      {"no content", Body("", R"([{"role":"user"}])"), "messages.0.content: Field required",
       "messages.0.content", "VALIDATION_MISSING_FIELD"},
      {"content a number", Body("", R"([{"role":"user","content":7}])"),
       "messages.0.content: Input should be a valid string or a list of content blocks",
       "messages.0.content", "VALIDATION_INVALID_TYPE"},
      {"block without type", Body("", R"([{"role":"user","content":[{"text":"x"}]}])"),
       "messages.0.content.0.type: Field required", "messages.0.content.0.type",
       "VALIDATION_MISSING_FIELD"},
      {"text block without text", Body("", R"([{"role":"user","content":[{"type":"text"}]}])"),
       "messages.0.content.0.text: Field required", "messages.0.content.0.text",
       "VALIDATION_MISSING_FIELD"},
      {"document block",
       Body("", R"([{"role":"user","content":[{"type":"text","text":"a"},{"type":"document"}]}])"),
       "messages.0.content.1.type: content block type 'document' is not supported; use text, "
       "image, tool_use or tool_result",
       "messages.0.content.1.type", "VALIDATION_INVALID_VALUE"},
      {"image without source", Body("", R"([{"role":"user","content":[{"type":"image"}]}])"),
       "messages.0.content.0.source: Field required", "messages.0.content.0.source",
       "VALIDATION_MISSING_FIELD"},
      {"image from a file",
       Body(
           "",
           R"([{"role":"user","content":[{"type":"image","source":{"type":"file","file_id":"f"}}]}])"),
       "messages.0.content.0.source.type: image source type 'file' is not supported; use base64 or "
       "url",
       "messages.0.content.0.source.type", "VALIDATION_INVALID_VALUE"},
      {"base64 image without data",
       Body(
           "",
           R"([{"role":"user","content":[{"type":"image","source":{"type":"base64","media_type":"image/png"}}]}])"),
       "messages.0.content.0.source.data: Field required", "messages.0.content.0.source.data",
       "VALIDATION_MISSING_FIELD"},
      {"tool_use from the user",
       Body("",
            R"([{"role":"user","content":[{"type":"tool_use","id":"t","name":"n","input":{}}]}])"),
       "messages.0.content.0.type: tool_use blocks may only appear in assistant messages",
       "messages.0.content.0.type", "VALIDATION_INVALID_VALUE"},
      {"tool_use input not an object",
       Body(
           "",
           user.substr(0, user.size() - 1)
               + R"(,{"role":"assistant","content":[{"type":"tool_use","id":"t","name":"n","input":[]}]}])"),
       "messages.1.content.0.input: Input should be a valid dictionary",
       "messages.1.content.0.input", "VALIDATION_INVALID_TYPE"},
      {"tool_use without id",
       Body(
           "",
           user.substr(0, user.size() - 1)
               + R"(,{"role":"assistant","content":[{"type":"tool_use","name":"n","input":{}}]}])"),
       "messages.1.content.0.id: Field required", "messages.1.content.0.id",
       "VALIDATION_MISSING_FIELD"},
      {"tool_result from the assistant",
       Body("",
            user.substr(0, user.size() - 1)
                + R"(,{"role":"assistant","content":[{"type":"tool_result","tool_use_id":"t"}]}])"),
       "messages.1.content.0.type: tool_result blocks may only appear in user messages",
       "messages.1.content.0.type", "VALIDATION_INVALID_VALUE"},
      {"tool_result without id",
       Body("", R"([{"role":"user","content":[{"type":"tool_result"}]}])"),
       "messages.0.content.0.tool_use_id: Field required", "messages.0.content.0.tool_use_id",
       "VALIDATION_MISSING_FIELD"},
      {"no user text", Body("", R"([{"role":"user","content":"  "}])"),
       "messages: must contain a user message with text", "messages", "VALIDATION_INVALID_VALUE"},
      {"system a number", Body(R"("system":5)"),
       "system: Input should be a valid string or a list of content blocks", "system",
       "VALIDATION_INVALID_TYPE"},
      {"system image block", Body(R"("system":[{"type":"image"}])"),
       "system.0.type: expected 'text', got 'image'", "system.0.type", "VALIDATION_INVALID_VALUE"},
      {"temperature too high", Body(R"("temperature":1.5)"),
       "temperature: Input should be between 0 and 1", "temperature", "VALIDATION_INVALID_VALUE"},
      {"top_p a string", Body(R"("top_p":"x")"), "top_p: Input should be a valid number", "top_p",
       "VALIDATION_INVALID_TYPE"},
      {"stop sequence a number", Body(R"("stop_sequences":["a",1])"),
       "stop_sequences.1: Input should be a valid string", "stop_sequences.1",
       "VALIDATION_INVALID_TYPE"},
      {"tools not a list", Body(R"("tools":{})"), "tools: Input should be a valid list", "tools",
       "VALIDATION_INVALID_TYPE"},
      {"tool without schema", Body(R"("tools":[{"name":"a"}])"),
       "tools.0.input_schema: Field required", "tools.0.input_schema", "VALIDATION_MISSING_FIELD"},
      {"tool without name", Body(R"("tools":[{"input_schema":{}}])"),
       "tools.0.name: Field required", "tools.0.name", "VALIDATION_MISSING_FIELD"},
      {"server tool", Body(R"("tools":[{"type":"web_search_20250305","name":"web_search"}])"),
       "tools.0.type: server tool 'web_search_20250305' is not supported; only custom tools are",
       "tools.0.type", "VALIDATION_INVALID_VALUE"},
      {"tool_choice a string", Body(R"("tool_choice":"auto")"),
       "tool_choice: Input should be a valid dictionary", "tool_choice", "VALIDATION_INVALID_TYPE"},
      {"tool_choice unknown", Body(R"("tool_choice":{"type":"required"})"),
       "tool_choice.type: Input should be 'auto', 'any', 'tool' or 'none'", "tool_choice.type",
       "VALIDATION_INVALID_VALUE"},
      {"tool_choice tool without name", Body(R"("tool_choice":{"type":"tool"})"),
       "tool_choice.name: Field required", "tool_choice.name", "VALIDATION_MISSING_FIELD"},
      {"stream a string", Body(R"("stream":"yes")"), "stream: Input should be a valid boolean",
       "stream", "VALIDATION_INVALID_TYPE"},
      {"metadata user a number", Body(R"("metadata":{"user_id":5})"),
       "metadata.user_id: Input should be a valid string", "metadata.user_id",
       "VALIDATION_INVALID_TYPE"},
  };
  for (const BadRequest& bad : cases) {
    Result<MessagesRequest> parsed = ParseMessagesRequest(bad.body);

    ASSERT_FALSE(parsed.has_value()) << bad.name;
    EXPECT_EQ(parsed.error().code, ErrorCode::kInvalidArgument) << bad.name;
    EXPECT_EQ(parsed.error().reason, bad.reason) << bad.name;
    if (!bad.message.empty()) {
      EXPECT_EQ(parsed.error().message, bad.message) << bad.name;
      EXPECT_EQ(DetailOf(parsed.error(), "field"), bad.field) << bad.name;
    }
  }
}

TEST(MessagesWireTest, SerializesAMessageWithTextAndToolUse) {
  providers::ChatResponse response;
  response.content = "Let me check.";
  response.tool_calls.push_back({"toolu_1", "get_weather", R"({"city":"Oslo"})"});
  response.tool_calls.push_back({"toolu_2", "get_time", R"({"city":)"});  // truncated
  response.finish_reason = "tool_calls";
  response.usage = providers::Usage{21, 9, false};

  const json::value message = json::parse(SerializeMessage(response, "msg_abc", "claude-sonnet-4"));

  EXPECT_EQ(message, json::parse(R"({
    "id": "msg_abc", "type": "message", "role": "assistant", "model": "claude-sonnet-4",
    "content": [
      {"type": "text", "text": "Let me check."},
      {"type": "tool_use", "id": "toolu_1", "name": "get_weather", "input": {"city": "Oslo"}},
      {"type": "tool_use", "id": "toolu_2", "name": "get_time", "input": {}}],
    "stop_reason": "tool_use", "stop_sequence": null,
    "usage": {"input_tokens": 21, "output_tokens": 9}})"));
}

TEST(MessagesWireTest, SerializesATextOnlyMessageWithoutEmptyBlocks) {
  providers::ChatResponse with_text;
  with_text.content = "Paris.";
  with_text.finish_reason = "length";
  providers::ChatResponse empty;
  empty.finish_reason = "stop";

  const json::value text = json::parse(SerializeMessage(with_text, "msg_1", "gpt-4o-mini"));
  const json::value none = json::parse(SerializeMessage(empty, "msg_2", "gpt-4o-mini"));

  EXPECT_EQ(text.at("content"), json::parse(R"([{"type":"text","text":"Paris."}])"));
  EXPECT_EQ(text.at("stop_reason"), "max_tokens");
  EXPECT_EQ(text.at("usage"), json::parse(R"({"input_tokens":0,"output_tokens":0})"));
  EXPECT_TRUE(none.at("content").as_array().empty());
  EXPECT_EQ(none.at("stop_reason"), "end_turn");
}

TEST(MessagesWireTest, MapsFinishReasonsToStopReasons) {
  EXPECT_EQ(StopReasonFor("stop", false), "end_turn");
  EXPECT_EQ(StopReasonFor("length", false), "max_tokens");
  EXPECT_EQ(StopReasonFor("tool_calls", true), "tool_use");
  EXPECT_EQ(StopReasonFor("content_filter", false), "refusal");
  EXPECT_EQ(StopReasonFor("", true), "tool_use");
  EXPECT_EQ(StopReasonFor("", false), "end_turn");
  EXPECT_EQ(StopReasonFor("something_new", false), "end_turn");
}

TEST(MessagesWireTest, DerivesTheMessageIdFromTheDecisionId) {
  EXPECT_EQ(MessageIdFor("01890a5d-ac96-774b-bcce-b302099a8057"),
            "msg_01890a5dac96774bbcceb302099a8057");
}

TEST(MessagesWireTest, SerializesErrorsInAnthropicsShape) {
  EXPECT_EQ(ErrorTypeFor(400), "invalid_request_error");
  EXPECT_EQ(ErrorTypeFor(401), "authentication_error");
  EXPECT_EQ(ErrorTypeFor(402), "billing_error");
  EXPECT_EQ(ErrorTypeFor(403), "permission_error");
  EXPECT_EQ(ErrorTypeFor(404), "not_found_error");
  EXPECT_EQ(ErrorTypeFor(405), "invalid_request_error");
  EXPECT_EQ(ErrorTypeFor(413), "request_too_large");
  EXPECT_EQ(ErrorTypeFor(429), "rate_limit_error");
  EXPECT_EQ(ErrorTypeFor(500), "api_error");
  EXPECT_EQ(ErrorTypeFor(503), "api_error");
  EXPECT_EQ(ErrorTypeFor(529), "overloaded_error");

  const json::value body = json::parse(SerializeError("not_found_error", "model: x", "req_1"));

  EXPECT_EQ(body, json::parse(R"({"type":"error",
      "error":{"type":"not_found_error","message":"model: x"},"request_id":"req_1"})"));
}

TEST(MessagesWireTest, ListsAutoAndTheChatModels) {
  config::Config config;
  config.models["claude-sonnet-4"].capabilities = {"chat", "tools"};
  config.models["gpt-4o-mini"].capabilities = {"chat"};
  config.models["text-embedding-3-small"].capabilities = {"embeddings"};
  const std::chrono::system_clock::time_point now{std::chrono::seconds(1700000000)};

  const json::value list = json::parse(SerializeModelList(config, now));

  EXPECT_EQ(list, json::parse(R"({
    "data": [
      {"type":"model","id":"auto","display_name":"AMAIMA auto-routing",
       "created_at":"2023-11-14T22:13:20.000Z"},
      {"type":"model","id":"claude-sonnet-4","display_name":"claude-sonnet-4",
       "created_at":"2023-11-14T22:13:20.000Z"},
      {"type":"model","id":"gpt-4o-mini","display_name":"gpt-4o-mini",
       "created_at":"2023-11-14T22:13:20.000Z"}],
    "has_more": false, "first_id": "auto", "last_id": "gpt-4o-mini"})"));
}

TEST(MessagesWireTest, StreamsATextAnswer) {
  const std::string text =
      EncodeAll({RoleStart(), Text("Hel"), Text("lo"), Finish("stop"), UsageChunk(30, 2)});

  const std::vector<SentEvent> events = Events(text);

  EXPECT_EQ(Names(events),
            (std::vector<std::string>{"message_start", "ping", "content_block_start",
                                      "content_block_delta", "content_block_delta",
                                      "content_block_stop", "message_delta", "message_stop"}));
  EXPECT_EQ(events[0].data, json::parse(R"({"type":"message_start","message":{
      "id":"msg_1","type":"message","role":"assistant","model":"claude-sonnet-4","content":[],
      "stop_reason":null,"stop_sequence":null,"usage":{"input_tokens":12,"output_tokens":0}}})"));
  EXPECT_EQ(events[2].data, json::parse(R"({"type":"content_block_start","index":0,
      "content_block":{"type":"text","text":""}})"));
  EXPECT_EQ(events[3].data, json::parse(R"({"type":"content_block_delta","index":0,
      "delta":{"type":"text_delta","text":"Hel"}})"));
  EXPECT_EQ(events[5].data, json::parse(R"({"type":"content_block_stop","index":0})"));
  EXPECT_EQ(events[6].data, json::parse(R"({"type":"message_delta",
      "delta":{"stop_reason":"end_turn","stop_sequence":null},
      "usage":{"input_tokens":30,"output_tokens":2}})"));
  const std::vector<ChatChunk> decoded = DecodeWithUpstreamDecoder(text);
  std::string content;
  for (const ChatChunk& chunk : decoded) {
    content += chunk.content;
  }
  EXPECT_EQ(content, "Hello");
  ASSERT_TRUE(decoded.back().usage.has_value());
  EXPECT_EQ(decoded.back().usage->prompt_tokens, 30);
  EXPECT_EQ(decoded.back().usage->completion_tokens, 2);
}

TEST(MessagesWireTest, StreamsAToolCall) {
  const std::string text =
      EncodeAll({RoleStart(), Tool(0, "toolu_1", "get_weather", ""), Tool(0, "", "", R"({"city":)"),
                 Tool(0, "", "", R"("Oslo"})"), Finish("tool_calls"), UsageChunk(40, 7)});

  const std::vector<SentEvent> events = Events(text);

  EXPECT_EQ(Names(events),
            (std::vector<std::string>{"message_start", "ping", "content_block_start",
                                      "content_block_delta", "content_block_delta",
                                      "content_block_stop", "message_delta", "message_stop"}));
  EXPECT_EQ(events[2].data, json::parse(R"({"type":"content_block_start","index":0,
      "content_block":{"type":"tool_use","id":"toolu_1","name":"get_weather","input":{}}})"));
  EXPECT_EQ(events[3].data, json::parse(R"({"type":"content_block_delta","index":0,
      "delta":{"type":"input_json_delta","partial_json":"{\"city\":"}})"));
  EXPECT_EQ(events[6].data.at("delta").at("stop_reason"), "tool_use");
  const std::vector<ChatChunk> decoded = DecodeWithUpstreamDecoder(text);
  std::string id;
  std::string arguments;
  for (const ChatChunk& chunk : decoded) {
    for (const ToolCallDelta& delta : chunk.tool_calls) {
      id += delta.id;
      arguments += delta.arguments;
    }
  }
  EXPECT_EQ(id, "toolu_1");
  EXPECT_EQ(json::parse(arguments), json::parse(R"({"city":"Oslo"})"));
}

TEST(MessagesWireTest, StreamsTextThenTwoToolCallsAsSeparateBlocks) {
  const std::string text = EncodeAll({Text("Checking both."), Tool(0, "t1", "a", R"({"x":1})"),
                                      Tool(1, "t2", "b", "{"), Tool(1, "", "", "}")});

  const std::vector<SentEvent> events = Events(text);

  EXPECT_EQ(Names(events),
            (std::vector<std::string>{
                "message_start", "ping", "content_block_start", "content_block_delta",
                "content_block_stop", "content_block_start", "content_block_delta",
                "content_block_stop", "content_block_start", "content_block_delta",
                "content_block_delta", "content_block_stop", "message_delta", "message_stop"}));
  EXPECT_EQ(events[2].data.at("index"), 0);
  EXPECT_EQ(events[4].data.at("index"), 0);
  EXPECT_EQ(events[5].data.at("index"), 1);
  EXPECT_EQ(events[5].data.at("content_block").at("id"), "t1");
  EXPECT_EQ(events[8].data.at("index"), 2);
  EXPECT_EQ(events[8].data.at("content_block").at("name"), "b");
  EXPECT_EQ(events[10].data.at("index"), 2);
  EXPECT_EQ(events[11].data.at("index"), 2);
  // No finish reason arrived: tool calls make it tool_use; no usage: the estimate.
  EXPECT_EQ(events[12].data.at("delta").at("stop_reason"), "tool_use");
  EXPECT_EQ(events[12].data.at("usage"), json::parse(R"({"input_tokens":12,"output_tokens":0})"));
}

TEST(MessagesWireTest, StreamsTextAfterAToolCallInANewBlock) {
  const std::string text = EncodeAll({Tool(0, "t1", "a", "{}"), Text("done"), Finish("length")});

  const std::vector<SentEvent> events = Events(text);

  EXPECT_EQ(Names(events),
            (std::vector<std::string>{"message_start", "ping", "content_block_start",
                                      "content_block_delta", "content_block_stop",
                                      "content_block_start", "content_block_delta",
                                      "content_block_stop", "message_delta", "message_stop"}));
  EXPECT_EQ(events[5].data.at("index"), 1);
  EXPECT_EQ(events[5].data.at("content_block").at("type"), "text");
  EXPECT_EQ(events[8].data.at("delta").at("stop_reason"), "max_tokens");
}

TEST(MessagesWireTest, StreamsAnEmptyAnswer) {
  const std::vector<SentEvent> events = Events(EncodeAll({RoleStart(), Finish("stop")}));

  EXPECT_EQ(Names(events),
            (std::vector<std::string>{"message_start", "ping", "message_delta", "message_stop"}));
}

TEST(MessagesWireTest, EndsWithAnErrorEventWhenTheUpstreamFailsMidStream) {
  MessageStreamEncoder encoder("msg_1", "claude-sonnet-4", 12);
  std::string text = encoder.Start() + encoder.Feed(Text("partial"));
  const Error overloaded =
      Fail(ErrorCode::kUnavailable, "UPSTREAM_STREAM_ERROR", "upstream reported an error")
          .With("upstream_type", "overloaded_error");
  const Error cut = Fail(ErrorCode::kUnavailable, "UPSTREAM_RESET", "connection reset");

  text += MessageStreamEncoder::ErrorEvent(overloaded);
  const std::vector<SentEvent> events = Events(text);
  const std::vector<SentEvent> plain = Events(MessageStreamEncoder::ErrorEvent(cut));

  EXPECT_EQ(Names(events), (std::vector<std::string>{"message_start", "ping", "content_block_start",
                                                     "content_block_delta", "error"}));
  EXPECT_EQ(events.back().data, json::parse(R"({"type":"error",
      "error":{"type":"overloaded_error","message":"upstream reported an error"}})"));
  ASSERT_EQ(plain.size(), 1U);
  EXPECT_EQ(plain[0].data.at("error").at("type"), "api_error");
  EXPECT_EQ(plain[0].data.at("error").at("message"), "connection reset");
  // The upstream-side decoder turns the event into an error, as a client would.
  providers::SseParser parser;
  std::vector<providers::SseEvent> raw;
  ASSERT_TRUE(parser.Feed(text, raw));
  providers::anthropic::StreamDecoder decoder;
  Status last;
  for (const providers::SseEvent& event : raw) {
    auto fed = decoder.Feed(event);
    if (!fed) {
      last = fed.error();
    }
  }
  ASSERT_FALSE(last.has_value());
  EXPECT_EQ(last.error().reason, "UPSTREAM_STREAM_ERROR");
}

// NOLINTEND(readability-function-cognitive-complexity)

}  // namespace
}  // namespace amaima::api::anthropic
