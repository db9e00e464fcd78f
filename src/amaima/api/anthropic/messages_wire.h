#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "amaima/config/config.h"
#include "amaima/core/result.h"
#include "amaima/providers/chat_types.h"

namespace amaima::api::anthropic {

// The answers of Anthropic's Messages API (POST /v1/messages) as AMAIMA serves it:
// neutral responses and chunks written back as an Anthropic Message or its server-sent
// events, errors and the model list in Anthropic's shapes. The reverse of the parsing in
// providers/anthropic/anthropic_wire.h; requests are read by messages_request.h.

// Returns the stop reason for a neutral finish reason: "stop" -> end_turn, "length" ->
// max_tokens, "tool_calls" -> tool_use, "content_filter" -> refusal; anything else is
// tool_use when the answer has tool calls, else end_turn.
std::string_view StopReasonFor(std::string_view finish_reason, bool has_tool_calls);

// Returns the Message id for a decision id: "msg_" followed by the id without dashes.
std::string MessageIdFor(std::string_view decision_id);

// Returns the non-streamed Message for `response`: {id, type, role, model, content:
// [text block (when there is text), tool_use blocks {id, name, input}], stop_reason,
// stop_sequence: null, usage: {input_tokens, output_tokens}}. A tool call whose
// arguments are not a JSON object gets `input` {}.
std::string SerializeMessage(const providers::ChatResponse& response, std::string_view id,
                             std::string_view model);

// Returns Anthropic's error type for an HTTP status: 400, 405, 415 invalid_request_error,
// 401 authentication_error, 402 billing_error, 403 permission_error, 404 not_found_error,
// 413 request_too_large, 429 rate_limit_error, 529 overloaded_error, other 5xx api_error.
std::string_view ErrorTypeFor(int http_status);

// Returns {"type": "error", "error": {"type", "message"}, "request_id"}.
std::string SerializeError(std::string_view type, std::string_view message,
                           std::string_view request_id);

// Returns the model list ({data: [{type: "model", id, display_name, created_at}],
// has_more, first_id, last_id}): "auto" first, then every catalog model that can chat,
// all with `created_at` = `now`.
std::string SerializeModelList(const config::Config& config,
                               std::chrono::system_clock::time_point now);

// Writes a neutral chunk stream as the server-sent events of a streamed Message:
// message_start and a ping, then for each content block a content_block_start, its
// deltas (text_delta, or input_json_delta for tool_use) and a content_block_stop, then
// message_delta (stop_reason, usage) and message_stop. Blocks are indexed from 0 in
// the order they start; text after a tool call opens a new text block.
//
// @par Thread Safety
// Not thread-safe; one encoder per stream.
class MessageStreamEncoder {
 public:
  // `input_tokens` is the estimate shown in message_start; the final count comes in
  // message_delta from the stream's usage.
  MessageStreamEncoder(std::string id, std::string model, std::int64_t input_tokens);

  // Returns message_start followed by a ping. Call once, first.
  std::string Start();

  // Returns the events for `chunk` (often none: role starts, the finish reason and the
  // usage are remembered for Finish()).
  std::string Feed(const providers::ChatChunk& chunk);

  // Returns the events that end the stream: stops of open blocks, message_delta and
  // message_stop.
  std::string Finish();

  // Returns an `error` event for a failure mid-stream (the stream ends after it). The
  // type is the upstream's Anthropic error type (details.upstream_type) when it has
  // one, else api_error.
  static std::string ErrorEvent(const Error& error);

 private:
  void CloseOpenBlock(std::string& out);
  void OpenTextBlock(std::string& out);
  void AppendToolCall(const providers::ToolCallDelta& delta, std::string& out);

  std::string id_;
  std::string model_;
  std::int64_t input_tokens_;
  std::int64_t next_block_{0};
  std::optional<std::int64_t> open_block_{};
  bool open_is_text_{false};
  // Neutral tool call index -> content block index.
  std::map<int, std::int64_t> tool_blocks_{};
  std::string finish_reason_{};
  std::optional<providers::Usage> usage_{};
};

}  // namespace amaima::api::anthropic
