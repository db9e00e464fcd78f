#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "amaima/core/result.h"
#include "amaima/providers/chat_types.h"

namespace amaima::providers::ollama {

// Ollama's native API (POST /api/chat, POST /api/embed), translated to and from the
// provider-neutral types so that an OpenAI-speaking client can be served by Ollama.
//
// Ollama's tool calls usually carry no ids; the ids handed to clients are then derived
// deterministically from the call's position, name and arguments ("call_<index>_<hash>"),
// so a streamed and a buffered answer name the same call alike.

inline constexpr std::string_view kChatPath = "/api/chat";
inline constexpr std::string_view kEmbedPath = "/api/embed";

// Returns the /api/chat body for `request`: {model, messages, stream, format, options,
// tools}. `stream` is always written (Ollama streams by default). Assistant tool calls
// carry their arguments as a JSON object (anything else becomes {}); tool messages carry
// the called function's name (`tool_name`, found from the earlier call with their id).
// Image parts with data: URLs go into `images`. Sampling settings go into `options`
// (temperature, top_p, num_predict, stop, seed); json_mode sets format "json". Tools keep
// OpenAI's shape. Ollama has no tool_choice: "none" leaves the tools out, a function name
// sends that function alone, "auto" and "required" send them all.
std::string SerializeChatRequest(const ChatRequest& request);

// Parses a non-streaming /api/chat answer. done_reason "length" -> "length", anything
// else -> "stop"; tool calls make it "tool_calls". Usage: prompt_eval_count and
// eval_count. Ollama names no completion, so `id` is empty. Errors: kUnavailable, reason
// UPSTREAM_BAD_RESPONSE.
Result<ChatResponse> ParseChatResponse(std::string_view body);

// Returns the message of an Ollama error body ({"error": "..."}), or the start of the body
// when it has another shape.
std::string UpstreamErrorMessage(std::string_view body);

// Returns the /api/embed body: {model, input: [...]} and `dimensions` when set.
std::string SerializeEmbeddingRequest(const EmbeddingRequest& request);

// Parses an /api/embed answer ({embeddings: [[...]], prompt_eval_count}). Errors:
// kUnavailable, UPSTREAM_BAD_RESPONSE.
Result<EmbeddingResponse> ParseEmbeddingResponse(std::string_view body);

// Turns the newline-delimited JSON objects of a streamed /api/chat answer into neutral
// chunks with OpenAI's semantics: a first chunk with role_start, content deltas, one
// whole tool call delta per tool call (`index` counting the calls from 0), and at the
// object with done:true a chunk with the finish reason and a chunk with the usage. Chunk
// ids are empty (Ollama names no completion); the model is the answer's.
//
// @par Thread Safety
// Not thread-safe; one decoder per stream.
class StreamDecoder {
 public:
  // Returns the chunks produced by one line (a blank line yields none). Errors:
  // kUnavailable with reason UPSTREAM_STREAM_ERROR for an {"error": ...} line;
  // kUnavailable with reason UPSTREAM_BAD_RESPONSE for a line that is not a JSON object.
  // Lines after done:true are ignored.
  Result<std::vector<ChatChunk>> Feed(std::string_view ndjson_line);

  // Whether the object with done:true was seen (the answer is complete).
  bool Finished() const { return finished_; }

 private:
  ChatChunk NewChunk() const;

  std::string model_{};
  bool started_{false};
  bool finished_{false};
  bool saw_tool_call_{false};
  int next_tool_index_{0};
};

}  // namespace amaima::providers::ollama
