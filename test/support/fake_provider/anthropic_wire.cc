// Anthropic Messages: the message object, the streamed event sequence
// (message_start, content_block_start, ping, content_block_delta, content_block_stop,
// message_delta, message_stop) and the {"type": "error", ...} shape.
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

#include "test/support/fake_provider/wire_format.h"

namespace amaima::testing::wire {

namespace json = boost::json;

namespace {

std::string StopReason(const Completion& completion) {
  if (completion.finish_reason == "stop") {
    return "end_turn";
  }
  if (completion.finish_reason == "length") {
    return "max_tokens";
  }
  if (completion.finish_reason == "tool_calls") {
    return "tool_use";
  }
  return completion.finish_reason;
}

std::string MessageId(const Completion& completion) {
  return "msg_" + completion.id;
}

// The tool input as an object ({} when the scripted arguments are not an object).
json::value ToolInput(const PlannedToolCall& call) {
  boost::system::error_code ec;
  json::value input = json::parse(call.arguments_json, ec);
  if (ec || !input.is_object()) {
    return json::object{};
  }
  return input;
}

bool HasTextBlock(const Completion& completion) {
  return !completion.pieces.empty() || !completion.tool_call;
}

std::string Event(std::string_view type, const json::object& payload) {
  return SseEvent(type, json::serialize(payload));
}

}  // namespace

std::string AnthropicBody(const Completion& completion) {
  json::array content;
  if (HasTextBlock(completion)) {
    content.push_back(json::object{{"type", "text"}, {"text", completion.Text()}});
  }
  if (completion.tool_call) {
    content.push_back(json::object{{"type", "tool_use"},
                                   {"id", ToolCallId(completion, "toolu_")},
                                   {"name", completion.tool_call->name},
                                   {"input", ToolInput(*completion.tool_call)}});
  }
  json::object body{{"id", MessageId(completion)},
                    {"type", "message"},
                    {"role", "assistant"},
                    {"model", completion.model},
                    {"content", std::move(content)},
                    {"stop_reason", StopReason(completion)},
                    {"stop_sequence", nullptr},
                    {"usage", json::object{{"input_tokens", completion.prompt_tokens},
                                           {"output_tokens", completion.completion_tokens}}}};
  return json::serialize(body);
}

std::vector<std::string> AnthropicStream(const Completion& completion) {
  std::vector<std::string> frames;
  frames.reserve(completion.pieces.size() + 12);
  json::object message{
      {"id", MessageId(completion)},
      {"type", "message"},
      {"role", "assistant"},
      {"model", completion.model},
      {"content", json::array{}},
      {"stop_reason", nullptr},
      {"stop_sequence", nullptr},
      {"usage", json::object{{"input_tokens", completion.prompt_tokens}, {"output_tokens", 1}}}};
  frames.push_back(
      Event("message_start", {{"type", "message_start"}, {"message", std::move(message)}}));

  int index = 0;
  bool pinged = false;
  const auto ping_once = [&frames, &pinged] {
    // The API sends one ping after the first content_block_start.
    if (!pinged) {
      frames.push_back(Event("ping", {{"type", "ping"}}));
      pinged = true;
    }
  };
  if (HasTextBlock(completion)) {
    frames.push_back(Event("content_block_start",
                           {{"type", "content_block_start"},
                            {"index", index},
                            {"content_block", json::object{{"type", "text"}, {"text", ""}}}}));
    ping_once();
    for (const std::string& piece : completion.pieces) {
      frames.push_back(Event("content_block_delta",
                             {{"type", "content_block_delta"},
                              {"index", index},
                              {"delta", json::object{{"type", "text_delta"}, {"text", piece}}}}));
    }
    frames.push_back(
        Event("content_block_stop", {{"type", "content_block_stop"}, {"index", index}}));
    ++index;
  }
  if (completion.tool_call) {
    const PlannedToolCall& call = *completion.tool_call;
    frames.push_back(Event("content_block_start",
                           {{"type", "content_block_start"},
                            {"index", index},
                            {"content_block", json::object{{"type", "tool_use"},
                                                           {"id", ToolCallId(completion, "toolu_")},
                                                           {"name", call.name},
                                                           {"input", json::object{}}}}}));
    ping_once();
    std::vector<std::string> fragments{""};
    fragments.insert(fragments.end(), call.argument_pieces.begin(), call.argument_pieces.end());
    for (const std::string& fragment : fragments) {
      frames.push_back(Event(
          "content_block_delta",
          {{"type", "content_block_delta"},
           {"index", index},
           {"delta", json::object{{"type", "input_json_delta"}, {"partial_json", fragment}}}}));
    }
    frames.push_back(
        Event("content_block_stop", {{"type", "content_block_stop"}, {"index", index}}));
  }
  frames.push_back(Event(
      "message_delta",
      {{"type", "message_delta"},
       {"delta", json::object{{"stop_reason", StopReason(completion)}, {"stop_sequence", nullptr}}},
       {"usage", json::object{{"output_tokens", completion.completion_tokens}}}}));
  frames.push_back(Event("message_stop", {{"type", "message_stop"}}));
  return frames;
}

std::string AnthropicError(const ProviderError& error) {
  std::string type = "invalid_request_error";
  std::string message = "Invalid request.";
  switch (error.status) {
    case 401:
      type = "authentication_error";
      message = "invalid x-api-key";
      break;
    case 403:
      type = "permission_error";
      message = "Your API key does not have permission to use the specified resource.";
      break;
    case 404:
      type = "not_found_error";
      message = "The requested resource could not be found.";
      break;
    case 413:
      type = "request_too_large";
      message = "Request exceeds the maximum allowed number of bytes.";
      break;
    case 429:
      type = "rate_limit_error";
      message = "Number of requests has exceeded your rate limit.";
      break;
    case 529:
      type = "overloaded_error";
      message = "Overloaded";
      break;
    default:
      if (error.status >= 500) {
        type = "api_error";
        message = "Internal server error";
      }
      break;
  }
  if (!error.type.empty()) {
    type = error.type;
  }
  if (!error.message.empty()) {
    message = error.message;
  }
  return json::serialize(json::object{{"type", "error"},
                                      {"error", json::object{{"type", type}, {"message", message}}},
                                      {"request_id", "req_fake"}});
}

}  // namespace amaima::testing::wire
