#include "amaima/api/anthropic/messages_wire.h"

#include <algorithm>
#include <iterator>
#include <utility>

#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

#include "amaima/core/clock.h"
#include "amaima/providers/json_fields.h"

namespace amaima::api::anthropic {
namespace {

namespace json = boost::json;

json::object Usage(std::int64_t input_tokens, std::int64_t output_tokens) {
  json::object usage;
  usage["input_tokens"] = input_tokens;
  usage["output_tokens"] = output_tokens;
  return usage;
}

// A tool_use input: the arguments when they are a JSON object, else {} (Anthropic's
// input is always an object; truncated arguments do not parse).
json::value ToolInput(std::string_view arguments) {
  json::value input = providers::ParseOrNull(arguments);
  if (!input.is_object()) {
    return json::object{};
  }
  return input;
}

std::string Event(std::string_view type, const json::object& data) {
  std::string out = "event: ";
  out += type;
  out += "\ndata: ";
  out += json::serialize(data);
  out += "\n\n";
  return out;
}

json::object Typed(std::string_view type) {
  json::object object;
  object["type"] = type;
  return object;
}

}  // namespace

std::string_view StopReasonFor(std::string_view finish_reason, bool has_tool_calls) {
  if (finish_reason == "stop") {
    return "end_turn";
  }
  if (finish_reason == "length") {
    return "max_tokens";
  }
  if (finish_reason == "tool_calls") {
    return "tool_use";
  }
  if (finish_reason == "content_filter") {
    return "refusal";
  }
  return has_tool_calls ? "tool_use" : "end_turn";
}

std::string MessageIdFor(std::string_view decision_id) {
  std::string id = "msg_";
  std::copy_if(decision_id.begin(), decision_id.end(), std::back_inserter(id),
               [](char c) { return c != '-'; });
  return id;
}

std::string SerializeMessage(const providers::ChatResponse& response, std::string_view id,
                             std::string_view model) {
  json::array content;
  if (!response.content.empty()) {
    json::object text = Typed("text");
    text["text"] = response.content;
    content.emplace_back(std::move(text));
  }
  for (const providers::ToolCall& call : response.tool_calls) {
    json::object use = Typed("tool_use");
    use["id"] = call.id;
    use["name"] = call.name;
    use["input"] = ToolInput(call.arguments);
    content.emplace_back(std::move(use));
  }
  json::object message;
  message["id"] = id;
  message["type"] = "message";
  message["role"] = "assistant";
  message["model"] = model;
  message["content"] = std::move(content);
  message["stop_reason"] = StopReasonFor(response.finish_reason, !response.tool_calls.empty());
  message["stop_sequence"] = nullptr;
  const providers::Usage usage = response.usage.value_or(providers::Usage{});
  message["usage"] = Usage(usage.prompt_tokens, usage.completion_tokens);
  return json::serialize(message);
}

std::string_view ErrorTypeFor(int http_status) {
  switch (http_status) {
    case 401:
      return "authentication_error";
    case 402:
      return "billing_error";
    case 403:
      return "permission_error";
    case 404:
      return "not_found_error";
    case 413:
      return "request_too_large";
    case 429:
      return "rate_limit_error";
    case 529:
      return "overloaded_error";
    default:
      return http_status >= 500 ? "api_error" : "invalid_request_error";
  }
}

std::string SerializeError(std::string_view type, std::string_view message,
                           std::string_view request_id) {
  json::object error = Typed(type);
  error["message"] = message;
  json::object body = Typed("error");
  body["error"] = std::move(error);
  body["request_id"] = request_id;
  return json::serialize(body);
}

std::string SerializeModelList(const config::Config& config,
                               std::chrono::system_clock::time_point now) {
  const std::string created = FormatRfc3339(now);
  json::array data;
  const auto add = [&](std::string_view id, std::string_view display_name) {
    json::object model = Typed("model");
    model["id"] = id;
    model["display_name"] = display_name;
    model["created_at"] = created;
    data.emplace_back(std::move(model));
  };
  add("auto", "AMAIMA auto-routing");
  for (const auto& [name, model] : config.models) {
    if (std::find(model.capabilities.begin(), model.capabilities.end(), "chat")
        != model.capabilities.end()) {
      add(name, name);
    }
  }
  json::object body;
  body["first_id"] = data.front().as_object().at("id");
  body["last_id"] = data.back().as_object().at("id");
  body["data"] = std::move(data);
  body["has_more"] = false;
  return json::serialize(body);
}

MessageStreamEncoder::MessageStreamEncoder(std::string id, std::string model,
                                           std::int64_t input_tokens)
    : id_(std::move(id)), model_(std::move(model)), input_tokens_(input_tokens) {}

std::string MessageStreamEncoder::Start() {
  json::object message;
  message["id"] = id_;
  message["type"] = "message";
  message["role"] = "assistant";
  message["model"] = model_;
  message["content"] = json::array{};
  message["stop_reason"] = nullptr;
  message["stop_sequence"] = nullptr;
  message["usage"] = Usage(input_tokens_, 0);
  json::object start = Typed("message_start");
  start["message"] = std::move(message);
  return Event("message_start", start) + Event("ping", Typed("ping"));
}

void MessageStreamEncoder::CloseOpenBlock(std::string& out) {
  if (!open_block_) {
    return;
  }
  json::object stop = Typed("content_block_stop");
  stop["index"] = *open_block_;
  out += Event("content_block_stop", stop);
  open_block_.reset();
}

void MessageStreamEncoder::OpenTextBlock(std::string& out) {
  if (open_block_ && open_is_text_) {
    return;
  }
  CloseOpenBlock(out);
  json::object block = Typed("text");
  block["text"] = "";
  json::object start = Typed("content_block_start");
  start["index"] = next_block_;
  start["content_block"] = std::move(block);
  out += Event("content_block_start", start);
  open_block_ = next_block_++;
  open_is_text_ = true;
}

void MessageStreamEncoder::AppendToolCall(const providers::ToolCallDelta& delta, std::string& out) {
  auto block = tool_blocks_.find(delta.index);
  if (block == tool_blocks_.end()) {
    // A new call: its first fragment carries the id and name.
    CloseOpenBlock(out);
    json::object use = Typed("tool_use");
    use["id"] = delta.id;
    use["name"] = delta.name;
    use["input"] = json::object{};
    json::object start = Typed("content_block_start");
    start["index"] = next_block_;
    start["content_block"] = std::move(use);
    out += Event("content_block_start", start);
    block = tool_blocks_.emplace(delta.index, next_block_).first;
    open_block_ = next_block_++;
    open_is_text_ = false;
  }
  if (delta.arguments.empty()) {
    return;
  }
  json::object partial = Typed("input_json_delta");
  partial["partial_json"] = delta.arguments;
  json::object event = Typed("content_block_delta");
  event["index"] = block->second;
  event["delta"] = std::move(partial);
  out += Event("content_block_delta", event);
}

std::string MessageStreamEncoder::Feed(const providers::ChatChunk& chunk) {
  std::string out;
  if (!chunk.content.empty()) {
    OpenTextBlock(out);
    json::object text = Typed("text_delta");
    text["text"] = chunk.content;
    json::object event = Typed("content_block_delta");
    event["index"] = *open_block_;
    event["delta"] = std::move(text);
    out += Event("content_block_delta", event);
  }
  for (const providers::ToolCallDelta& delta : chunk.tool_calls) {
    AppendToolCall(delta, out);
  }
  if (!chunk.finish_reason.empty()) {
    finish_reason_ = chunk.finish_reason;
  }
  if (chunk.usage) {
    usage_ = chunk.usage;
  }
  return out;
}

std::string MessageStreamEncoder::Finish() {
  std::string out;
  CloseOpenBlock(out);
  json::object delta;
  delta["stop_reason"] = StopReasonFor(finish_reason_, !tool_blocks_.empty());
  delta["stop_sequence"] = nullptr;
  json::object event = Typed("message_delta");
  event["delta"] = std::move(delta);
  event["usage"] =
      usage_ ? Usage(usage_->prompt_tokens, usage_->completion_tokens) : Usage(input_tokens_, 0);
  out += Event("message_delta", event);
  out += Event("message_stop", Typed("message_stop"));
  return out;
}

std::string MessageStreamEncoder::ErrorEvent(const Error& error) {
  std::string type = "api_error";
  for (const auto& [key, value] : error.details) {
    if (key == "upstream_type" && !value.empty()) {
      type = value;
    }
  }
  json::object detail = Typed(type);
  detail["message"] = error.message;
  json::object event = Typed("error");
  event["error"] = std::move(detail);
  return Event("error", event);
}

}  // namespace amaima::api::anthropic
