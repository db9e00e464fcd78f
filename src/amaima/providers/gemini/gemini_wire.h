#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <boost/json/fwd.hpp>

#include "amaima/core/result.h"
#include "amaima/providers/chat_types.h"
#include "amaima/providers/sse_parser.h"

namespace amaima::providers::gemini {

// The Gemini API's wire format (generativelanguage v1beta: generateContent,
// streamGenerateContent with alt=sse, batchEmbedContents), translated to and from the
// provider-neutral types so that an OpenAI-speaking client can be served by Gemini.
//
// Gemini function calls carry no ids; the tool call ids handed to clients are derived
// deterministically from the call's position, name and arguments ("call_<index>_<hash>"),
// so a streamed and a buffered answer name the same call alike. An id Gemini does send is
// used as is.

// Returns the path of the chat call for `model` ("gemini-2.5-flash" or
// "models/gemini-2.5-flash"): "/v1beta/models/{model}:generateContent", or
// ":streamGenerateContent?alt=sse" when `stream`.
std::string ChatPath(std::string_view model, bool stream);

// Returns "/v1beta/models/{model}:batchEmbedContents".
std::string EmbedPath(std::string_view model);

// Returns the generateContent body for `request` (the model goes in the path).
//
// System and developer messages become `systemInstruction`; user and tool messages are
// "user" contents and assistant messages "model" contents, consecutive ones of one role
// merged. Assistant tool calls become functionCall parts {name, args}; a tool message
// becomes a functionResponse part {name, response: {content}} whose name is found from the
// earlier call with its id. For Gemini 3 and later models (and unversioned aliases such
// as "gemini-flash-latest"), which reject replayed function calls without a thought
// signature, the first functionCall part of each model turn carries Google's documented
// placeholder signature: the neutral types cannot carry the real one. Image parts with data: URLs
// become inlineData parts. Tools are sent as functionDeclarations with `parametersJsonSchema`;
// tool_choice maps to toolConfig.functionCallingConfig (AUTO, NONE, ANY, or ANY limited to
// the named function). json_mode sets responseMimeType "application/json".
std::string SerializeChatRequest(const ChatRequest& request);

// Parses a GenerateContentResponse (the first candidate). Text parts are concatenated
// (thought parts dropped), functionCall parts become tool calls. Finish reasons: STOP ->
// "stop", MAX_TOKENS -> "length", SAFETY, RECITATION, BLOCKLIST, PROHIBITED_CONTENT, SPII
// and the image ones -> "content_filter", anything else -> "stop"; a function call makes it
// "tool_calls" unless content was filtered. A prompt blocked by promptFeedback gives an
// empty "content_filter" answer. Usage: promptTokenCount, and candidatesTokenCount plus
// thoughtsTokenCount (thinking is billed as output). Errors: kUnavailable, reason
// UPSTREAM_BAD_RESPONSE.
Result<ChatResponse> ParseChatResponse(std::string_view body);

// Returns "STATUS: message" from a Gemini error body ({"error": {"code", "message",
// "status"}}), or the start of the body when it has another shape.
std::string UpstreamErrorMessage(std::string_view body);

// Returns the batchEmbedContents body: one request per input, each naming
// "models/{model}", with outputDimensionality when `dimensions` is set.
std::string SerializeEmbeddingRequest(const EmbeddingRequest& request);

// Parses a batchEmbedContents answer ({"embeddings": [{"values": [...]}]}). Gemini reports
// no token counts, so the usage is zero. Errors: kUnavailable, UPSTREAM_BAD_RESPONSE.
Result<EmbeddingResponse> ParseEmbeddingResponse(std::string_view body);

// Turns the events of streamGenerateContent?alt=sse (each data a GenerateContentResponse)
// into neutral chunks with OpenAI's semantics: a first chunk with role_start, one content
// chunk per event with text, one whole tool call delta (id, name and arguments) per
// functionCall part, with `index` counting the calls from 0, then a chunk with the finish
// reason and a chunk with the usage once a candidate reports a finishReason (or the prompt
// was blocked). Chunks carry responseId and modelVersion as id and model.
//
// @par Thread Safety
// Not thread-safe; one decoder per stream.
class StreamDecoder {
 public:
  // Returns the chunks produced by `event`. Errors: kUnavailable with reason
  // UPSTREAM_STREAM_ERROR for an {"error": ...} event; kUnavailable with reason
  // UPSTREAM_BAD_RESPONSE for data that is not a JSON object. Events after the finish are
  // ignored, except that late usage is still reported once.
  Result<std::vector<ChatChunk>> Feed(const SseEvent& event);

  // Whether a finish reason was seen (the answer is complete).
  bool Finished() const { return finished_; }

 private:
  ChatChunk NewChunk() const;
  // Appends the chunks of a candidate's parts; returns its finish reason (may be empty).
  Result<std::string_view> OnCandidate(const boost::json::object& candidate,
                                       std::vector<ChatChunk>& out);

  std::string id_{};
  std::string model_{};
  bool started_{false};
  bool finished_{false};
  bool usage_sent_{false};
  bool saw_tool_call_{false};
  std::optional<Usage> usage_{};
  int next_tool_index_{0};
};

}  // namespace amaima::providers::gemini
