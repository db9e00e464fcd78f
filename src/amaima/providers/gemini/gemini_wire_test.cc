#include "amaima/providers/gemini/gemini_wire.h"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <gtest/gtest.h>

namespace amaima::providers::gemini {
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

SseEvent Data(std::string data) {
  return SseEvent{"", std::move(data), ""};
}

std::vector<ChatChunk> FeedAll(StreamDecoder& decoder, const std::vector<std::string>& events) {
  std::vector<ChatChunk> chunks;
  for (const std::string& data : events) {
    auto fed = decoder.Feed(Data(data));
    EXPECT_TRUE(fed.has_value()) << data << ": " << fed.error().message;
    if (!fed) {
      break;
    }
    chunks.insert(chunks.end(), fed->begin(), fed->end());
  }
  return chunks;
}

// A function-calling answer as in Google's function calling guide.
constexpr const char* kFunctionCallAnswer = R"({
  "candidates": [{
    "content": {"parts": [{"functionCall": {"name": "get_current_temperature",
                                            "args": {"location": "London"}}}],
                "role": "model"},
    "finishReason": "STOP", "index": 0}],
  "usageMetadata": {"promptTokenCount": 70, "candidatesTokenCount": 17,
                    "totalTokenCount": 87},
  "modelVersion": "gemini-2.5-flash", "responseId": "a2x2aKqLMZ2yz7IP"})";

TEST(GeminiWireTest, BuildsPaths) {
  EXPECT_EQ(ChatPath("gemini-2.5-flash", false), "/v1beta/models/gemini-2.5-flash:generateContent");
  EXPECT_EQ(ChatPath("models/gemini-2.5-pro", true),
            "/v1beta/models/gemini-2.5-pro:streamGenerateContent?alt=sse");
  EXPECT_EQ(EmbedPath("gemini-embedding-001"),
            "/v1beta/models/gemini-embedding-001:batchEmbedContents");
}

TEST(GeminiWireTest, SerializesAConversationWithFunctionCalls) {
  ChatRequest request;
  request.model = "gemini-2.5-flash";
  request.messages.push_back(Message("system", "You are a helpful assistant."));
  request.messages.push_back(Message("user", "What's the temperature in London and Paris?"));
  ChatMessage assistant = Message("assistant", "");
  assistant.tool_calls.push_back({"call_a", "get_current_temperature", R"({"location":"London"})"});
  assistant.tool_calls.push_back({"call_b", "get_current_temperature", "not json"});
  request.messages.push_back(assistant);
  request.messages.push_back(ToolResult("call_a", "12C"));
  request.messages.push_back(ToolResult("call_b", "15C"));
  request.tools.push_back({"get_current_temperature", "Gets the current temperature",
                           R"({"type":"object","properties":{"location":{"type":"string"}},)"
                           R"("required":["location"],"additionalProperties":false})"});
  request.tools.push_back({"get_time", "Gets the time", R"({"type":"object","properties":{}})"});
  request.tool_choice = "auto";
  request.temperature = 0.4;
  request.top_p = 0.95;
  request.max_tokens = 800;
  request.stop = {"END"};
  request.seed = 11;
  request.json_mode = true;

  const json::value body = json::parse(SerializeChatRequest(request));

  EXPECT_EQ(body.at("systemInstruction"),
            json::parse(R"({"parts": [{"text": "You are a helpful assistant."}]})"));
  EXPECT_EQ(body.at("contents"), json::parse(R"([
      {"role": "user", "parts": [{"text": "What's the temperature in London and Paris?"}]},
      {"role": "model", "parts": [
        {"functionCall": {"name": "get_current_temperature", "args": {"location": "London"}}},
        {"functionCall": {"name": "get_current_temperature", "args": {}}}]},
      {"role": "user", "parts": [
        {"functionResponse": {"name": "get_current_temperature",
                              "response": {"content": "12C"}}},
        {"functionResponse": {"name": "get_current_temperature",
                              "response": {"content": "15C"}}}]}])"));
  EXPECT_EQ(body.at("generationConfig"), json::parse(R"({"temperature": 0.4, "topP": 0.95,
      "maxOutputTokens": 800, "stopSequences": ["END"],
      "responseMimeType": "application/json", "seed": 11})"));
  EXPECT_EQ(body.at("tools"), json::parse(R"([{"functionDeclarations": [
      {"name": "get_current_temperature", "description": "Gets the current temperature",
       "parametersJsonSchema": {"type": "object",
                                "properties": {"location": {"type": "string"}},
                                "required": ["location"], "additionalProperties": false}},
      {"name": "get_time", "description": "Gets the time"}]}])"));
  EXPECT_EQ(body.at("toolConfig"), json::parse(R"({"functionCallingConfig": {"mode": "AUTO"}})"));
}

TEST(GeminiWireTest, LeavesUnsetFieldsOut) {
  ChatRequest request;
  request.model = "gemini-2.0-flash";
  request.messages.push_back(Message("user", "Hello"));

  const json::value body = json::parse(SerializeChatRequest(request));

  EXPECT_EQ(body, json::parse(R"({"contents": [{"role": "user", "parts": [{"text": "Hello"}]}]})"));
}

TEST(GeminiWireTest, MapsToolChoices) {
  const std::vector<std::pair<const char*, const char*>> cases = {
      {"auto", R"({"mode": "AUTO"})"},
      {"none", R"({"mode": "NONE"})"},
      {"required", R"({"mode": "ANY"})"},
      {"lookup", R"({"mode": "ANY", "allowedFunctionNames": ["lookup"]})"},
  };
  for (const auto& [choice, expected] : cases) {
    ChatRequest request;
    request.messages.push_back(Message("user", "x"));
    request.tools.push_back({"lookup", "", ""});
    request.tool_choice = choice;

    const json::value body = json::parse(SerializeChatRequest(request));

    EXPECT_EQ(body.at("toolConfig").at("functionCallingConfig"), json::parse(expected)) << choice;
  }
}

TEST(GeminiWireTest, AddsPlaceholderThoughtSignaturesForGemini3AndAliases) {
  ChatRequest request;
  request.messages.push_back(Message("user", "weather?"));
  ChatMessage assistant = Message("assistant", "Checking.");
  assistant.tool_calls.push_back({"c1", "f", "{}"});
  assistant.tool_calls.push_back({"c2", "f", "{}"});
  request.messages.push_back(assistant);
  request.messages.push_back(ToolResult("c1", "a"));
  request.messages.push_back(ToolResult("c2", "b"));

  request.model = "gemini-3-pro-preview";
  const json::value gemini3 = json::parse(SerializeChatRequest(request));
  request.model = "gemini-flash-latest";
  const json::value alias = json::parse(SerializeChatRequest(request));
  request.model = "models/gemini-2.5-flash";
  const json::value gemini25 = json::parse(SerializeChatRequest(request));
  request.model = "gemma-3-27b-it";
  const json::value gemma = json::parse(SerializeChatRequest(request));

  const json::array& parts = gemini3.at("contents").at(1).at("parts").as_array();
  ASSERT_EQ(parts.size(), 3U);
  EXPECT_EQ(parts[0], json::parse(R"({"text": "Checking."})"));
  EXPECT_EQ(parts[1].at("thoughtSignature"), "skip_thought_signature_validator");
  EXPECT_EQ(parts[2].as_object().if_contains("thoughtSignature"), nullptr);
  EXPECT_EQ(alias.at("contents").at(1).at("parts").at(1).at("thoughtSignature"),
            "skip_thought_signature_validator");
  for (const json::value* other : {&gemini25, &gemma}) {
    for (const json::value& part : other->at("contents").at(1).at("parts").as_array()) {
      EXPECT_EQ(part.as_object().if_contains("thoughtSignature"), nullptr);
    }
  }
}

TEST(GeminiWireTest, CarriesInlineImagesAndMergesTurns) {
  ChatRequest request;
  ChatMessage first = Message("user", "what is this?");
  first.content_json = R"([{"type": "text", "text": "what is this?"},
      {"type": "image_url", "image_url": {"url": "data:image/jpeg;base64,/9j/4AAQ"}},
      {"type": "image_url", "image_url": {"url": "https://example.com/x.png"}}])";
  request.messages.push_back(first);
  request.messages.push_back(Message("user", "be brief"));

  const json::value body = json::parse(SerializeChatRequest(request));

  EXPECT_EQ(body.at("contents"), json::parse(R"([{"role": "user", "parts": [
      {"text": "what is this?"},
      {"inlineData": {"mimeType": "image/jpeg", "data": "/9j/4AAQ"}},
      {"text": "be brief"}]}])"));
}

TEST(GeminiWireTest, ParsesATextAnswer) {
  const auto response = ParseChatResponse(R"({
    "candidates": [{"content": {"parts": [
        {"text": "Thinking about it...", "thought": true},
        {"text": "AI learns patterns "}, {"text": "from data."}], "role": "model"},
      "finishReason": "STOP", "index": 0,
      "safetyRatings": [{"category": "HARM_CATEGORY_HARASSMENT", "probability": "NEGLIGIBLE"}]}],
    "usageMetadata": {"promptTokenCount": 8, "candidatesTokenCount": 12,
                      "thoughtsTokenCount": 30, "totalTokenCount": 50},
    "modelVersion": "gemini-2.5-flash", "responseId": "resp-1"})");

  ASSERT_TRUE(response.has_value()) << response.error().message;
  EXPECT_EQ(response->id, "resp-1");
  EXPECT_EQ(response->model, "gemini-2.5-flash");
  EXPECT_EQ(response->content, "AI learns patterns from data.");
  EXPECT_EQ(response->finish_reason, "stop");
  ASSERT_TRUE(response->usage.has_value());
  EXPECT_EQ(response->usage->prompt_tokens, 8);
  EXPECT_EQ(response->usage->completion_tokens, 42);
}

TEST(GeminiWireTest, ParsesAFunctionCallWithAStableDerivedId) {
  const auto response = ParseChatResponse(kFunctionCallAnswer);
  const auto again = ParseChatResponse(kFunctionCallAnswer);

  ASSERT_TRUE(response.has_value()) << response.error().message;
  ASSERT_EQ(response->tool_calls.size(), 1U);
  const ToolCall& call = response->tool_calls[0];
  EXPECT_EQ(call.name, "get_current_temperature");
  EXPECT_EQ(json::parse(call.arguments), json::parse(R"({"location": "London"})"));
  EXPECT_EQ(call.id.rfind("call_0_", 0), 0U);
  EXPECT_EQ(call.id.size(), std::string("call_0_").size() + 8);
  EXPECT_EQ(call.id, again->tool_calls[0].id);
  EXPECT_EQ(response->finish_reason, "tool_calls");
  EXPECT_EQ(response->usage->completion_tokens, 17);
}

TEST(GeminiWireTest, UsesAnIdGeminiSends) {
  const auto response = ParseChatResponse(R"({"candidates": [{"content": {"parts": [
      {"functionCall": {"id": "fc-9", "name": "f", "args": {}}}]}, "finishReason": "STOP"}]})");

  ASSERT_TRUE(response.has_value());
  EXPECT_EQ(response->tool_calls[0].id, "fc-9");
}

TEST(GeminiWireTest, MapsFinishReasons) {
  const std::vector<std::pair<const char*, const char*>> cases = {
      {"STOP", "stop"},
      {"MAX_TOKENS", "length"},
      {"SAFETY", "content_filter"},
      {"RECITATION", "content_filter"},
      {"BLOCKLIST", "content_filter"},
      {"PROHIBITED_CONTENT", "content_filter"},
      {"SPII", "content_filter"},
      {"OTHER", "stop"},
  };
  for (const auto& [reason, expected] : cases) {
    const std::string body =
        std::string(R"({"candidates": [{"finishReason": ")") + reason + R"("}]})";

    const auto response = ParseChatResponse(body);

    ASSERT_TRUE(response.has_value()) << reason;
    EXPECT_EQ(response->finish_reason, expected) << reason;
  }
}

TEST(GeminiWireTest, AnswersABlockedPromptAsFiltered) {
  const auto response = ParseChatResponse(R"({"promptFeedback": {"blockReason": "SAFETY"},
      "usageMetadata": {"promptTokenCount": 9, "totalTokenCount": 9}})");

  ASSERT_TRUE(response.has_value());
  EXPECT_EQ(response->finish_reason, "content_filter");
  EXPECT_TRUE(response->content.empty());
  EXPECT_EQ(response->usage->prompt_tokens, 9);
}

TEST(GeminiWireTest, RejectsMalformedAnswers) {
  const std::vector<const char*> bodies = {
      "not json",
      "[1]",
      R"({"candidates": []})",
      R"({"candidates": [{"content": {"parts": [7]}}]})",
      R"({"candidates": [{"content": {"parts": [{"functionCall": {"args": {}}}]}}]})",
      R"({"error": {"code": 429, "message": "Resource exhausted",
                    "status": "RESOURCE_EXHAUSTED"}})",
  };
  for (const char* body : bodies) {
    const auto response = ParseChatResponse(body);

    ASSERT_FALSE(response.has_value()) << body;
    EXPECT_EQ(response.error().code, ErrorCode::kUnavailable) << body;
    EXPECT_EQ(response.error().reason, "UPSTREAM_BAD_RESPONSE") << body;
  }
}

TEST(GeminiWireTest, ReadsUpstreamErrorMessages) {
  EXPECT_EQ(UpstreamErrorMessage(R"({"error": {"code": 400,
      "message": "API key not valid. Please pass a valid API key.",
      "status": "INVALID_ARGUMENT"}})"),
            "INVALID_ARGUMENT: API key not valid. Please pass a valid API key.");
  EXPECT_EQ(UpstreamErrorMessage(R"([{"error": {"code": 503, "message": "The model is overloaded.",
      "status": "UNAVAILABLE"}}])"),
            "UNAVAILABLE: The model is overloaded.");
  EXPECT_EQ(UpstreamErrorMessage("upstream connect error"), "upstream connect error");
}

TEST(GeminiWireTest, SerializesAndParsesBatchEmbeddings) {
  EmbeddingRequest request;
  request.model = "gemini-embedding-001";
  request.inputs = {"What is the meaning of life?", "How much wood would a woodchuck chuck?"};
  request.dimensions = 768;

  const json::value body = json::parse(SerializeEmbeddingRequest(request));
  const auto response = ParseEmbeddingResponse(R"({"embeddings": [
      {"values": [0.013168523, -0.008711934, -0.046782676]},
      {"values": [-0.0192, 0.0301, 0.5]}]})");

  EXPECT_EQ(body, json::parse(R"({"requests": [
      {"model": "models/gemini-embedding-001",
       "content": {"parts": [{"text": "What is the meaning of life?"}]},
       "outputDimensionality": 768},
      {"model": "models/gemini-embedding-001",
       "content": {"parts": [{"text": "How much wood would a woodchuck chuck?"}]},
       "outputDimensionality": 768}]})"));
  ASSERT_TRUE(response.has_value()) << response.error().message;
  ASSERT_EQ(response->vectors.size(), 2U);
  ASSERT_EQ(response->vectors[0].size(), 3U);
  EXPECT_FLOAT_EQ(response->vectors[0][1], -0.008711934F);
  EXPECT_FLOAT_EQ(response->vectors[1][2], 0.5F);
  for (const char* bad : {"{", R"({"data": []})", R"({"embeddings": [{"values": ["x"]}]})",
                          R"({"embeddings": [[0.1]]})"}) {
    const auto parsed = ParseEmbeddingResponse(bad);
    ASSERT_FALSE(parsed.has_value()) << bad;
    EXPECT_EQ(parsed.error().reason, "UPSTREAM_BAD_RESPONSE") << bad;
  }
}

TEST(GeminiStreamDecoderTest, DecodesATextStream) {
  StreamDecoder decoder;

  const std::vector<ChatChunk> chunks = FeedAll(
      decoder, {R"({"candidates": [{"content": {"parts": [{"text": "The"}], "role": "model"},
           "index": 0}], "usageMetadata": {"promptTokenCount": 10, "totalTokenCount": 10},
           "modelVersion": "gemini-2.5-flash", "responseId": "r-77"})",
                R"({"candidates": [{"content": {"parts": [{"text": " sky is"}], "role": "model"},
           "index": 0}], "modelVersion": "gemini-2.5-flash", "responseId": "r-77"})",
                R"({"candidates": [{"content": {"parts": [{"text": " blue."}], "role": "model"},
           "finishReason": "STOP", "index": 0}],
           "usageMetadata": {"promptTokenCount": 10, "candidatesTokenCount": 5,
                             "totalTokenCount": 15},
           "modelVersion": "gemini-2.5-flash", "responseId": "r-77"})"});

  ASSERT_EQ(chunks.size(), 6U);
  EXPECT_TRUE(chunks[0].role_start);
  EXPECT_EQ(chunks[1].content, "The");
  EXPECT_EQ(chunks[2].content, " sky is");
  EXPECT_EQ(chunks[3].content, " blue.");
  EXPECT_EQ(chunks[4].finish_reason, "stop");
  ASSERT_TRUE(chunks[5].usage.has_value());
  EXPECT_EQ(chunks[5].usage->prompt_tokens, 10);
  EXPECT_EQ(chunks[5].usage->completion_tokens, 5);
  for (const ChatChunk& chunk : chunks) {
    EXPECT_EQ(chunk.id, "r-77");
    EXPECT_EQ(chunk.model, "gemini-2.5-flash");
  }
  EXPECT_TRUE(decoder.Finished());
}

TEST(GeminiStreamDecoderTest, DecodesWholeFunctionCalls) {
  StreamDecoder decoder;

  const std::vector<ChatChunk> chunks =
      FeedAll(decoder, {R"({"candidates": [{"content": {"parts": [{"text": "Let me look."},
           {"functionCall": {"name": "get_current_temperature", "args": {"location": "London"}}},
           {"functionCall": {"name": "get_time", "args": {"tz": "GMT"}}}], "role": "model"},
           "finishReason": "STOP"}],
           "usageMetadata": {"promptTokenCount": 70, "candidatesTokenCount": 17}})"});
  const auto buffered = ParseChatResponse(kFunctionCallAnswer);

  ASSERT_EQ(chunks.size(), 6U);
  EXPECT_TRUE(chunks[0].role_start);
  EXPECT_EQ(chunks[1].content, "Let me look.");
  ASSERT_EQ(chunks[2].tool_calls.size(), 1U);
  EXPECT_EQ(chunks[2].tool_calls[0].index, 0);
  EXPECT_EQ(chunks[2].tool_calls[0].name, "get_current_temperature");
  EXPECT_EQ(json::parse(chunks[2].tool_calls[0].arguments),
            json::parse(R"({"location": "London"})"));
  ASSERT_TRUE(buffered.has_value());
  EXPECT_EQ(chunks[2].tool_calls[0].id, buffered->tool_calls[0].id);  // same call, same id
  ASSERT_EQ(chunks[3].tool_calls.size(), 1U);
  EXPECT_EQ(chunks[3].tool_calls[0].index, 1);
  EXPECT_EQ(chunks[3].tool_calls[0].name, "get_time");
  EXPECT_EQ(chunks[3].tool_calls[0].id.rfind("call_1_", 0), 0U);
  EXPECT_EQ(chunks[4].finish_reason, "tool_calls");
  EXPECT_EQ(chunks[5].usage->completion_tokens, 17);
}

TEST(GeminiStreamDecoderTest, ReportsUsageThatArrivesAfterTheFinish) {
  StreamDecoder decoder;

  const std::vector<ChatChunk> chunks = FeedAll(
      decoder, {R"({"candidates": [{"content": {"parts": [{"text": "Hi"}]},
                     "finishReason": "MAX_TOKENS"}]})",
                R"({"usageMetadata": {"promptTokenCount": 4, "candidatesTokenCount": 1}})",
                R"({"usageMetadata": {"promptTokenCount": 4, "candidatesTokenCount": 1}})"});

  ASSERT_EQ(chunks.size(), 4U);
  EXPECT_EQ(chunks[2].finish_reason, "length");
  ASSERT_TRUE(chunks[3].usage.has_value());
  EXPECT_EQ(chunks[3].usage->prompt_tokens, 4);
}

TEST(GeminiStreamDecoderTest, FinishesABlockedPromptAsFiltered) {
  StreamDecoder decoder;

  const std::vector<ChatChunk> chunks =
      FeedAll(decoder, {R"({"promptFeedback": {"blockReason": "PROHIBITED_CONTENT"},
                     "usageMetadata": {"promptTokenCount": 6}})"});

  ASSERT_EQ(chunks.size(), 3U);
  EXPECT_EQ(chunks[1].finish_reason, "content_filter");
  EXPECT_EQ(chunks[2].usage->prompt_tokens, 6);
  EXPECT_TRUE(decoder.Finished());
}

TEST(GeminiStreamDecoderTest, TurnsAnErrorEventIntoAStreamError) {
  StreamDecoder decoder;

  const auto fed = decoder.Feed(Data(R"({"error": {"code": 503,
      "message": "The model is overloaded. Please try again later.", "status": "UNAVAILABLE"}})"));

  ASSERT_FALSE(fed.has_value());
  EXPECT_EQ(fed.error().code, ErrorCode::kUnavailable);
  EXPECT_EQ(fed.error().reason, "UPSTREAM_STREAM_ERROR");
  EXPECT_NE(fed.error().message.find("The model is overloaded"), std::string::npos);
}

TEST(GeminiStreamDecoderTest, RejectsMalformedEvents) {
  for (const char* data :
       {"{\"candidates\": [", "42", "", R"({"candidates": [{"content": {"parts": ["x"]}}]})"}) {
    StreamDecoder decoder;

    const auto fed = decoder.Feed(Data(data));

    ASSERT_FALSE(fed.has_value()) << data;
    EXPECT_EQ(fed.error().reason, "UPSTREAM_BAD_RESPONSE") << data;
  }
}

}  // namespace
}  // namespace amaima::providers::gemini
