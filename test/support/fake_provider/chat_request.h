#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <boost/json/value.hpp>

#include "amaima/core/result.h"

namespace amaima::testing {

// The endpoints the fake provider speaks.
enum class Endpoint : std::uint8_t {
  kOpenAiChat,         // POST /v1/chat/completions
  kOpenAiEmbeddings,   // POST /v1/embeddings
  kOpenAiModels,       // GET  /v1/models
  kAnthropicMessages,  // POST /v1/messages
  kGeminiGenerate,     // POST /v1beta/models/{model}:generateContent
  kGeminiStream,       // POST /v1beta/models/{model}:streamGenerateContent
  kGeminiModels,       // GET  /v1beta/models
  kGeminiEmbed,        // POST /v1beta/models/{model}:embedContent
  kGeminiBatchEmbed,   // POST /v1beta/models/{model}:batchEmbedContents
  kOllamaChat,         // POST /api/chat
  kOllamaTags,         // GET  /api/tags
  kOllamaEmbed,        // POST /api/embed
  kUnknown,
};

// The error and stream dialect of an endpoint.
enum class Dialect : std::uint8_t { kOpenAi, kAnthropic, kGemini, kOllama };

struct EndpointMatch {
  Endpoint endpoint{Endpoint::kUnknown};
  std::string path_model{};  // Gemini: the {model} path segment.
  bool method_allowed{true};
};

// Classifies a request by method and path (without the query string).
EndpointMatch ClassifyEndpoint(std::string_view method, std::string_view path);

Dialect DialectOf(Endpoint endpoint);

// What the fake needs from a chat request of any dialect.
struct ChatRequest {
  std::string model{};
  bool stream{false};
  bool include_usage{false};  // OpenAI stream_options.include_usage.
  bool json_mode{false};      // The answer must be a JSON object.
  std::vector<std::string> tool_names{};
  std::string last_user_text{};
  int prompt_tokens{0};  // Words in every message, system text included.
};

// Reads a chat request of `endpoint`'s dialect from its parsed JSON body. Fails with
// kInvalidArgument (the message is shown to the client) when a required field is
// missing or has the wrong type. `path_model` is the Gemini model from the path.
Result<ChatRequest> ReadChatRequest(Endpoint endpoint, const boost::json::value& body,
                                    std::string_view path_model);

struct EmbeddingsRequest {
  std::string model{};
  std::vector<std::string> inputs{};
  int dimensions{0};  // 0 = not set.
  bool base64{false};
};

// Whether `endpoint` answers embeddings (OpenAI, Gemini single and batch, Ollama).
bool IsEmbeddings(Endpoint endpoint);

// Reads an embeddings request of `endpoint`'s dialect: OpenAI's ("input": a string,
// strings, or token arrays; "dimensions"; "encoding_format"), Gemini's embedContent
// ({"content": {"parts": [{"text"}]}, "outputDimensionality"}) and batchEmbedContents
// ({"requests": [...]}, each naming the path's model), Ollama's /api/embed ("input": a
// string or strings; "dimensions"). `path_model` is the Gemini model from the path. Fails
// with kInvalidArgument (the message is shown to the client) on a malformed request.
Result<EmbeddingsRequest> ReadEmbeddingsRequest(Endpoint endpoint, const boost::json::value& body,
                                                std::string_view path_model);

// Returns the number of whitespace-separated words in `text`.
int CountWords(std::string_view text);

}  // namespace amaima::testing
