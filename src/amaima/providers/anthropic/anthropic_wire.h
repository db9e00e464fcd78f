#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include <boost/json/fwd.hpp>

#include "amaima/core/result.h"
#include "amaima/providers/chat_types.h"
#include "amaima/providers/sse_parser.h"

namespace amaima::providers::anthropic {

// Anthropic's Messages API wire format (POST /v1/messages), translated to and from the
// provider-neutral chat types so that an OpenAI-speaking client can be served by Claude.
// Anthropic has no embeddings endpoint.

inline constexpr std::string_view kChatPath = "/v1/messages";

// Anthropic requires max_tokens; this is sent when the request has none.
inline constexpr std::int64_t kDefaultMaxTokens = 4096;

// Returns the /v1/messages body for `request` (`request.model` is the upstream model).
//
// System and developer messages become the top-level `system` text; consecutive messages
// of one role are merged (Anthropic requires alternating turns); assistant tool calls
// become `tool_use` blocks whose `input` is the parsed arguments (an object; anything
// else becomes {}); "tool" messages become `tool_result` blocks in a user turn. Image
// parts (data: or http(s) URLs) become `image` blocks. `temperature` is clamped to
// Anthropic's range [0, 1]; `seed` has no equivalent and is dropped. `json_mode` adds an
// instruction to the system prompt. `tool_choice` is sent only with tools.
std::string SerializeChatRequest(const ChatRequest& request);

// Parses a non-streaming Message. Text blocks are concatenated, `tool_use` blocks become
// tool calls (arguments = the serialized `input`), thinking blocks are dropped. Stop
// reasons map to OpenAI's: end_turn, stop_sequence, pause_turn -> "stop"; max_tokens ->
// "length"; tool_use -> "tool_calls"; refusal -> "content_filter". prompt_tokens counts
// input_tokens plus cache reads and writes. Errors: kUnavailable, reason
// UPSTREAM_BAD_RESPONSE.
Result<ChatResponse> ParseChatResponse(std::string_view body);

// Returns the message of an Anthropic error body ({"type": "error", "error": {"type",
// "message"}}) as "type: message", or the start of the body when it has another shape.
std::string UpstreamErrorMessage(std::string_view body);

// Turns the server-sent events of a streamed Message into neutral chunks with OpenAI's
// semantics: a first chunk with role_start, content deltas, tool call deltas (`index`
// counts the tool calls from 0; the first delta of a call carries its id and name, later
// ones fragments of the arguments), one chunk with the finish reason (at message_delta)
// and a last chunk with the usage (at message_stop). Every chunk carries the message id
// and model from message_start. ping, thinking blocks and unknown event types yield
// nothing.
//
// @par Thread Safety
// Not thread-safe; one decoder per stream.
class StreamDecoder {
 public:
  // Returns the chunks produced by `event` (often none). Errors: kUnavailable with reason
  // UPSTREAM_STREAM_ERROR and the upstream message for an `error` event; kUnavailable
  // with reason UPSTREAM_BAD_RESPONSE for data that is not a JSON object or an event that
  // contradicts the stream so far. Events after message_stop are ignored.
  Result<std::vector<ChatChunk>> Feed(const SseEvent& event);

  // Whether message_stop was seen (the stream is complete).
  bool Finished() const { return finished_; }

 private:
  ChatChunk NewChunk() const;
  void EnsureStarted(std::vector<ChatChunk>& out);
  Status OnMessageStart(const boost::json::object& event, std::vector<ChatChunk>& out);
  Status OnBlockStart(const boost::json::object& event, std::vector<ChatChunk>& out);
  Status OnBlockDelta(const boost::json::object& event, std::vector<ChatChunk>& out);
  void OnMessageDelta(const boost::json::object& event, std::vector<ChatChunk>& out);
  void OnMessageStop(std::vector<ChatChunk>& out);

  std::string id_{};
  std::string model_{};
  bool started_{false};
  bool finish_sent_{false};
  bool finished_{false};
  Usage usage_{};
  bool has_usage_{false};
  // Content block index -> tool call index, for the tool_use blocks seen so far.
  std::map<std::int64_t, int> tool_blocks_{};
  int next_tool_index_{0};
};

}  // namespace amaima::providers::anthropic
