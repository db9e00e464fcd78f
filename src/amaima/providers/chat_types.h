#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace amaima::providers {

// The provider-neutral form of a chat exchange. Each provider adapter translates it to
// and from its wire format; the OpenAI-compatible API surface translates clients' requests
// into it. Field names follow OpenAI's, the most widely spoken dialect.

// A tool call the model asked for. `arguments` is the JSON text the model produced.
struct ToolCall {
  std::string id{};
  std::string name{};
  std::string arguments{};
};

struct ChatMessage {
  std::string role{};  // "system", "user", "assistant", "tool"
  // Text content. Structured content (images, parts) is kept as its JSON text in
  // `content_json` when the client sent an array; adapters that cannot carry it flatten
  // the text parts.
  std::string content{};
  std::string content_json{};
  std::string name{};
  std::string tool_call_id{};          // role "tool": the call this answers
  std::vector<ToolCall> tool_calls{};  // role "assistant": calls it made
};

// A function the model may call. `parameters_json` is the JSON Schema text.
struct ToolDefinition {
  std::string name{};
  std::string description{};
  std::string parameters_json{};
};

struct ChatRequest {
  std::string model{};  // the upstream model name
  std::vector<ChatMessage> messages{};
  std::optional<double> temperature{};
  std::optional<double> top_p{};
  std::optional<std::int64_t> max_tokens{};
  std::vector<std::string> stop{};
  std::vector<ToolDefinition> tools{};
  // "auto", "none", "required", or a function name to force.
  std::string tool_choice{};
  bool json_mode{false};  // response_format {"type": "json_object"}
  std::optional<std::int64_t> seed{};
  std::string user{};
  bool stream{false};
  bool include_usage{false};  // stream_options.include_usage
};

struct Usage {
  std::int64_t prompt_tokens{0};
  std::int64_t completion_tokens{0};
  // True when the upstream reported no usage and the counts were estimated.
  bool estimated{false};

  std::int64_t total_tokens() const { return prompt_tokens + completion_tokens; }
};

struct ChatResponse {
  std::string id{};
  std::string model{};
  std::string content{};
  std::vector<ToolCall> tool_calls{};
  std::string finish_reason{};  // "stop", "length", "tool_calls", "content_filter"
  std::optional<Usage> usage{};
};

// A fragment of a tool call in a stream. The first fragment of a call carries its id and
// name; later ones append to the arguments. `index` says which call it belongs to.
struct ToolCallDelta {
  int index{0};
  std::string id{};
  std::string name{};
  std::string arguments{};
};

// One step of a streamed answer.
struct ChatChunk {
  std::string id{};
  std::string model{};
  bool role_start{false};  // the first chunk, announcing the assistant's turn
  std::string content{};
  std::vector<ToolCallDelta> tool_calls{};
  std::string finish_reason{};
  std::optional<Usage> usage{};
};

struct EmbeddingRequest {
  std::string model{};
  std::vector<std::string> inputs{};
  std::optional<std::int64_t> dimensions{};
  // How the client wants the vectors: JSON numbers, or base64 of little-endian float32
  // (what the openai SDKs ask for by default). Upstreams are always asked for floats.
  bool base64{false};
};

struct EmbeddingResponse {
  std::string model{};
  std::vector<std::vector<float>> vectors{};
  Usage usage{};
};

}  // namespace amaima::providers
