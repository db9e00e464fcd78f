#include "amaima/providers/ollama/ollama_wire.h"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <gtest/gtest.h>

namespace amaima::providers::ollama {
namespace {

namespace json = boost::json;

ChatMessage Message(std::string role, std::string content) {
  ChatMessage message;
  message.role = std::move(role);
  message.content = std::move(content);
  return message;
}

std::vector<ChatChunk> FeedAll(StreamDecoder& decoder, const std::vector<std::string>& lines) {
  std::vector<ChatChunk> chunks;
  for (const std::string& line : lines) {
    auto fed = decoder.Feed(line);
    EXPECT_TRUE(fed.has_value()) << line << ": " << fed.error().message;
    if (!fed) {
      break;
    }
    chunks.insert(chunks.end(), fed->begin(), fed->end());
  }
  return chunks;
}

// The tool-calling answer of Ollama's API documentation.
constexpr const char* kToolCallAnswer = R"({
  "model": "llama3.2", "created_at": "2024-07-22T20:33:28.123648Z",
  "message": {"role": "assistant", "content": "",
              "tool_calls": [{"function": {"name": "get_current_weather",
                                           "arguments": {"format": "celsius",
                                                         "location": "Paris, FR"}}}]},
  "done_reason": "stop", "done": true, "total_duration": 885095291,
  "load_duration": 3753500, "prompt_eval_count": 122, "prompt_eval_duration": 328493000,
  "eval_count": 33, "eval_duration": 552222000})";

TEST(OllamaWireTest, SerializesAConversationWithToolCalls) {
  ChatRequest request;
  request.model = "llama3.2";
  request.messages.push_back(Message("developer", "Be concise."));
  request.messages.push_back(Message("user", "What is the weather today in Paris?"));
  ChatMessage assistant = Message("assistant", "");
  assistant.tool_calls.push_back(
      {"call_0_x", "get_current_weather", R"({"location":"Paris, FR","format":"celsius"})"});
  assistant.tool_calls.push_back({"call_1_y", "get_time", "{broken"});
  request.messages.push_back(assistant);
  ChatMessage result = Message("tool", "22 degrees and sunny");
  result.tool_call_id = "call_0_x";
  request.messages.push_back(result);
  request.tools.push_back({"get_current_weather", "Get the current weather for a location",
                           R"({"type":"object","properties":{"location":{"type":"string"}},)"
                           R"("required":["location"]})"});
  request.tool_choice = "auto";
  request.temperature = 0.0;
  request.top_p = 0.5;
  request.max_tokens = 128;
  request.stop = {"<|eot_id|>"};
  request.seed = 101;
  request.json_mode = true;

  const json::value body = json::parse(SerializeChatRequest(request));

  EXPECT_EQ(body.at("model"), "llama3.2");
  EXPECT_EQ(body.at("stream"), false);
  EXPECT_EQ(body.at("format"), "json");
  EXPECT_EQ(body.at("options"), json::parse(R"({"temperature": 0.0, "top_p": 0.5,
      "num_predict": 128, "stop": ["<|eot_id|>"], "seed": 101})"));
  EXPECT_EQ(body.at("messages"), json::parse(R"([
      {"role": "system", "content": "Be concise."},
      {"role": "user", "content": "What is the weather today in Paris?"},
      {"role": "assistant", "content": "", "tool_calls": [
        {"function": {"name": "get_current_weather",
                      "arguments": {"location": "Paris, FR", "format": "celsius"}}},
        {"function": {"name": "get_time", "arguments": {}}}]},
      {"role": "tool", "content": "22 degrees and sunny",
       "tool_name": "get_current_weather"}])"));
  EXPECT_EQ(body.at("tools"), json::parse(R"([{"type": "function", "function": {
      "name": "get_current_weather", "description": "Get the current weather for a location",
      "parameters": {"type": "object", "properties": {"location": {"type": "string"}},
                     "required": ["location"]}}}])"));
}

TEST(OllamaWireTest, AlwaysWritesStreamAndLeavesUnsetFieldsOut) {
  ChatRequest request;
  request.model = "qwen3";
  request.messages.push_back(Message("user", "hi"));
  request.stream = true;

  const json::value body = json::parse(SerializeChatRequest(request));

  EXPECT_EQ(body, json::parse(R"({"model": "qwen3", "stream": true,
      "messages": [{"role": "user", "content": "hi"}]})"));
}

TEST(OllamaWireTest, ApproximatesToolChoice) {
  ChatRequest request;
  request.messages.push_back(Message("user", "x"));
  request.tools.push_back({"a", "", ""});
  request.tools.push_back({"b", "", ""});

  request.tool_choice = "none";
  const json::value none = json::parse(SerializeChatRequest(request));
  request.tool_choice = "b";
  const json::value named = json::parse(SerializeChatRequest(request));
  request.tool_choice = "required";
  const json::value required = json::parse(SerializeChatRequest(request));

  EXPECT_EQ(none.as_object().if_contains("tools"), nullptr);
  ASSERT_EQ(named.at("tools").as_array().size(), 1U);
  EXPECT_EQ(named.at("tools").at(0).at("function").at("name"), "b");
  EXPECT_EQ(required.at("tools").as_array().size(), 2U);
}

TEST(OllamaWireTest, CarriesInlineImages) {
  ChatRequest request;
  ChatMessage message = Message("user", "what is in this image?");
  message.content_json = R"([{"type": "text", "text": "what is in this image?"},
      {"type": "image_url", "image_url": {"url": "data:image/png;base64,iVBORw0KGgoAAAANSUhEUg"}},
      {"type": "image_url", "image_url": {"url": "https://example.com/pig.png"}}])";
  request.messages.push_back(message);

  const json::value body = json::parse(SerializeChatRequest(request));

  EXPECT_EQ(body.at("messages").at(0), json::parse(R"({"role": "user",
      "content": "what is in this image?", "images": ["iVBORw0KGgoAAAANSUhEUg"]})"));
}

TEST(OllamaWireTest, ParsesATextAnswer) {
  const auto response = ParseChatResponse(R"({"model": "llama3.2",
      "created_at": "2023-12-12T14:13:43.416799Z",
      "message": {"role": "assistant", "content": "Hello! How are you today?"},
      "done_reason": "stop", "done": true, "total_duration": 5191566416,
      "load_duration": 2154458, "prompt_eval_count": 26, "prompt_eval_duration": 383809000,
      "eval_count": 298, "eval_duration": 4799921000})");

  ASSERT_TRUE(response.has_value()) << response.error().message;
  EXPECT_TRUE(response->id.empty());
  EXPECT_EQ(response->model, "llama3.2");
  EXPECT_EQ(response->content, "Hello! How are you today?");
  EXPECT_EQ(response->finish_reason, "stop");
  ASSERT_TRUE(response->usage.has_value());
  EXPECT_EQ(response->usage->prompt_tokens, 26);
  EXPECT_EQ(response->usage->completion_tokens, 298);
}

TEST(OllamaWireTest, ParsesToolCallsWithStableDerivedIds) {
  const auto response = ParseChatResponse(kToolCallAnswer);
  const auto again = ParseChatResponse(kToolCallAnswer);

  ASSERT_TRUE(response.has_value()) << response.error().message;
  ASSERT_EQ(response->tool_calls.size(), 1U);
  EXPECT_EQ(response->tool_calls[0].name, "get_current_weather");
  EXPECT_EQ(json::parse(response->tool_calls[0].arguments),
            json::parse(R"({"format": "celsius", "location": "Paris, FR"})"));
  EXPECT_EQ(response->tool_calls[0].id.rfind("call_0_", 0), 0U);
  EXPECT_EQ(response->tool_calls[0].id, again->tool_calls[0].id);
  EXPECT_EQ(response->finish_reason, "tool_calls");
  EXPECT_EQ(response->usage->prompt_tokens, 122);
  EXPECT_EQ(response->usage->completion_tokens, 33);
}

TEST(OllamaWireTest, MapsDoneReasons) {
  const std::vector<std::pair<const char*, const char*>> cases = {
      {R"("done_reason": "stop")", "stop"},
      {R"("done_reason": "length")", "length"},
      {R"("done_reason": "unload")", "stop"},
      {R"("other": 1)", "stop"},
  };
  for (const auto& [field, expected] : cases) {
    const std::string body =
        std::string(R"({"message": {"role": "assistant", "content": "x"}, "done": true, )") + field
        + "}";

    const auto response = ParseChatResponse(body);

    ASSERT_TRUE(response.has_value()) << field;
    EXPECT_EQ(response->finish_reason, expected) << field;
    EXPECT_FALSE(response->usage.has_value());
  }
}

TEST(OllamaWireTest, RejectsMalformedAnswers) {
  const std::vector<const char*> bodies = {
      "",
      "null",
      R"({"model": "llama3.2", "done": true})",
      R"({"message": {"content": "x", "tool_calls": {}}})",
      R"({"message": {"content": "", "tool_calls": [{"function": {"arguments": {}}}]}})",
      R"({"message": {"content": "", "tool_calls": [3]}})",
      R"({"error": "model \"llama9\" not found, try pulling it first"})",
  };
  for (const char* body : bodies) {
    const auto response = ParseChatResponse(body);

    ASSERT_FALSE(response.has_value()) << body;
    EXPECT_EQ(response.error().code, ErrorCode::kUnavailable) << body;
    EXPECT_EQ(response.error().reason, "UPSTREAM_BAD_RESPONSE") << body;
  }
}

TEST(OllamaWireTest, ReadsUpstreamErrorMessages) {
  EXPECT_EQ(
      UpstreamErrorMessage(R"({"error": "model \"llama9\" not found, try pulling it first"})"),
      "model \"llama9\" not found, try pulling it first");
  EXPECT_EQ(UpstreamErrorMessage("404 page not found"), "404 page not found");
}

TEST(OllamaWireTest, SerializesAndParsesEmbeddings) {
  EmbeddingRequest request;
  request.model = "all-minilm";
  request.inputs = {"Why is the sky blue?", "Why is the grass green?"};

  const json::value body = json::parse(SerializeEmbeddingRequest(request));
  request.dimensions = 256;
  const json::value truncated = json::parse(SerializeEmbeddingRequest(request));
  const auto response = ParseEmbeddingResponse(R"({"model": "all-minilm",
      "embeddings": [[0.010071029, -0.0017594862, 0.05007221],
                     [-0.0098027075, 0.06042469, 0.025257962]],
      "total_duration": 14143917, "load_duration": 1019500, "prompt_eval_count": 8})");

  EXPECT_EQ(body, json::parse(R"({"model": "all-minilm",
      "input": ["Why is the sky blue?", "Why is the grass green?"]})"));
  EXPECT_EQ(truncated.at("dimensions"), 256);
  ASSERT_TRUE(response.has_value()) << response.error().message;
  EXPECT_EQ(response->model, "all-minilm");
  ASSERT_EQ(response->vectors.size(), 2U);
  EXPECT_FLOAT_EQ(response->vectors[0][0], 0.010071029F);
  EXPECT_FLOAT_EQ(response->vectors[1][1], 0.06042469F);
  EXPECT_EQ(response->usage.prompt_tokens, 8);
  for (const char* bad : {"<html>", R"({"embedding": [0.5]})", R"({"embeddings": [0.5]})",
                          R"({"embeddings": [[true]]})"}) {
    const auto parsed = ParseEmbeddingResponse(bad);
    ASSERT_FALSE(parsed.has_value()) << bad;
    EXPECT_EQ(parsed.error().reason, "UPSTREAM_BAD_RESPONSE") << bad;
  }
}

TEST(OllamaStreamDecoderTest, DecodesATextStream) {
  StreamDecoder decoder;

  const std::vector<ChatChunk> chunks = FeedAll(
      decoder, {R"({"model": "llama3.2", "created_at": "2023-08-04T08:52:19.385406455-07:00",
           "message": {"role": "assistant", "content": "The", "images": null}, "done": false})",
                "",
                R"({"model": "llama3.2", "created_at": "2023-08-04T08:52:19.48Z",
           "message": {"role": "assistant", "content": " sky"}, "done": false})",
                R"({"model": "llama3.2", "created_at": "2023-08-04T19:22:45.499127Z",
           "message": {"role": "assistant", "content": ""}, "done_reason": "length",
           "done": true, "total_duration": 4883583458, "load_duration": 1334875,
           "prompt_eval_count": 26, "prompt_eval_duration": 342546000, "eval_count": 282,
           "eval_duration": 4535599000})"});

  ASSERT_EQ(chunks.size(), 5U);
  EXPECT_TRUE(chunks[0].role_start);
  EXPECT_EQ(chunks[1].content, "The");
  EXPECT_EQ(chunks[2].content, " sky");
  EXPECT_EQ(chunks[3].finish_reason, "length");
  ASSERT_TRUE(chunks[4].usage.has_value());
  EXPECT_EQ(chunks[4].usage->prompt_tokens, 26);
  EXPECT_EQ(chunks[4].usage->completion_tokens, 282);
  for (const ChatChunk& chunk : chunks) {
    EXPECT_EQ(chunk.model, "llama3.2");
  }
  EXPECT_TRUE(decoder.Finished());
  const auto after = decoder.Feed(R"({"message": {"content": "late"}, "done": false})");
  ASSERT_TRUE(after.has_value());
  EXPECT_TRUE(after->empty());
}

TEST(OllamaStreamDecoderTest, DecodesStreamedToolCalls) {
  StreamDecoder decoder;

  const std::vector<ChatChunk> chunks =
      FeedAll(decoder,
              {R"({"model": "qwen3", "created_at": "2025-05-27T22:54:57.641643Z",
           "message": {"role": "assistant", "content": "", "tool_calls": [
             {"function": {"name": "get_current_weather",
                           "arguments": {"format": "celsius", "location": "Toronto"}}}]},
           "done": false})",
               R"({"model": "qwen3", "message": {"role": "assistant", "content": "", "tool_calls": [
             {"function": {"name": "get_time", "arguments": {"tz": "EST"}}}]},
           "done": false})",
               R"({"model": "qwen3", "message": {"role": "assistant", "content": ""},
           "done_reason": "stop", "done": true, "prompt_eval_count": 90, "eval_count": 40})"});

  ASSERT_EQ(chunks.size(), 5U);
  ASSERT_EQ(chunks[1].tool_calls.size(), 1U);
  EXPECT_EQ(chunks[1].tool_calls[0].index, 0);
  EXPECT_EQ(chunks[1].tool_calls[0].name, "get_current_weather");
  EXPECT_EQ(json::parse(chunks[1].tool_calls[0].arguments),
            json::parse(R"({"format": "celsius", "location": "Toronto"})"));
  EXPECT_EQ(chunks[1].tool_calls[0].id.rfind("call_0_", 0), 0U);
  EXPECT_EQ(chunks[2].tool_calls[0].index, 1);
  EXPECT_EQ(chunks[2].tool_calls[0].id.rfind("call_1_", 0), 0U);
  EXPECT_EQ(chunks[3].finish_reason, "tool_calls");
  EXPECT_EQ(chunks[4].usage->completion_tokens, 40);
}

TEST(OllamaStreamDecoderTest, TurnsAnErrorLineIntoAStreamError) {
  StreamDecoder decoder;
  ASSERT_TRUE(decoder.Feed(R"({"model": "m", "message": {"content": "a"}, "done": false})"));

  const auto fed = decoder.Feed(R"({"error": "an error was encountered while running the model"})");

  ASSERT_FALSE(fed.has_value());
  EXPECT_EQ(fed.error().code, ErrorCode::kUnavailable);
  EXPECT_EQ(fed.error().reason, "UPSTREAM_STREAM_ERROR");
  EXPECT_NE(fed.error().message.find("while running the model"), std::string::npos);
}

TEST(OllamaStreamDecoderTest, RejectsMalformedLines) {
  for (const char* line : {R"({"model": "m", "mess)", "[]", "true",
                           R"({"message": {"tool_calls": [{"function": {}}]}})"}) {
    StreamDecoder decoder;

    const auto fed = decoder.Feed(line);

    ASSERT_FALSE(fed.has_value()) << line;
    EXPECT_EQ(fed.error().reason, "UPSTREAM_BAD_RESPONSE") << line;
  }
}

}  // namespace
}  // namespace amaima::providers::ollama
