#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "test/support/fake_provider/chat_request.h"
#include "test/support/fake_provider/completion.h"

namespace amaima::testing {

// The writers of each provider's wire format: pure functions from a planned answer
// to the exact bytes a real provider sends. Stream functions return one string per
// transport chunk: an SSE event ("data: ...\n\n", with "event: ..." for Anthropic;
// Gemini ends its events with "\r\n\r\n" as Google's servers do) or an NDJSON line.

// A provider-shaped error. Empty fields take the dialect's defaults for `status`
// (e.g. 429: OpenAI "requests"/"rate_limit_exceeded", Anthropic "rate_limit_error",
// Gemini "RESOURCE_EXHAUSTED").
struct ProviderError {
  int status{500};
  std::string type{};
  std::string message{};
};

// Returns the non-streaming body of a chat endpoint.
std::string RenderBody(Endpoint endpoint, const Completion& completion);

// Returns the streamed body of a chat endpoint, chunk by chunk, terminator
// ("data: [DONE]", message_stop, the done:true line) included.
std::vector<std::string> RenderStream(Endpoint endpoint, const Completion& completion);

// "text/event-stream" for the SSE dialects, "application/x-ndjson" for Ollama.
std::string_view StreamContentType(Dialect dialect);

// Returns an error response body in `dialect`'s shape.
std::string RenderError(Dialect dialect, const ProviderError& error);

// Returns the chunk a provider sends when a stream fails midway.
std::string RenderStreamError(Dialect dialect, const ProviderError& error);

// Returns a chunk that breaks the dialect's framing or JSON, for parser tests.
std::string DefaultMalformedChunk(Dialect dialect);

// Returns the model list of a models endpoint (/v1/models, /v1beta/models, /api/tags).
std::string RenderModels(Endpoint endpoint, const std::vector<std::string>& models,
                         std::int64_t created);

// Returns the body of an embeddings response of `endpoint` for `request`: OpenAI's list,
// Gemini's {"embedding": {"values"}} or {"embeddings": [{"values"}]}, Ollama's
// {"model", "embeddings": [[...]], "prompt_eval_count", ...}. `default_dimensions`
// applies when the request sets none.
std::string RenderEmbeddings(Endpoint endpoint, const EmbeddingsRequest& request,
                             int default_dimensions);

// Returns the deterministic unit-length embedding of `text`: the same text always
// gets the same vector; different texts get (almost surely) different ones.
std::vector<float> EmbeddingVector(std::string_view text, int dimensions);

// Helpers shared by the dialect writers.
namespace wire {

// "data: <payload>\n\n".
std::string SseData(std::string_view payload);
// "event: <event>\ndata: <payload>\n\n".
std::string SseEvent(std::string_view event, std::string_view payload);
// The id of the answer's tool call: the scripted one, or `prefix` + completion id.
std::string ToolCallId(const Completion& completion, std::string_view prefix);
// `created` as RFC 3339 with microseconds ("2023-11-14T22:13:20.000000Z").
std::string Rfc3339(std::int64_t created);

std::string OpenAiBody(const Completion& completion);
std::vector<std::string> OpenAiStream(const Completion& completion);
std::string OpenAiError(const ProviderError& error);
std::string AnthropicBody(const Completion& completion);
std::vector<std::string> AnthropicStream(const Completion& completion);
std::string AnthropicError(const ProviderError& error);
std::string GeminiBody(const Completion& completion);
std::vector<std::string> GeminiStream(const Completion& completion);
std::string GeminiError(const ProviderError& error);
std::string GeminiEmbeddings(const EmbeddingsRequest& request, int dimensions, bool batch);
std::string OllamaBody(const Completion& completion);
std::vector<std::string> OllamaStream(const Completion& completion);
std::string OllamaError(const ProviderError& error);
std::string OllamaEmbeddings(const EmbeddingsRequest& request, int dimensions);

}  // namespace wire

}  // namespace amaima::testing
