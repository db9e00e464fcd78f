#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <boost/json/object.hpp>

#include "amaima/core/result.h"
#include "amaima/providers/chat_types.h"

namespace amaima::providers::openai {

// OpenAI's chat completions wire format (also spoken by vLLM, llama.cpp's server, LM
// Studio, Together, Groq), both directions: what a client sends to AMAIMA's compatible
// surface and what AMAIMA sends to an OpenAI-compatible upstream.

// Parses a chat completions request body. Errors: kInvalidArgument with a VALIDATION_*
// reason and the offending field in details ("field").
Result<ChatRequest> ParseChatRequest(std::string_view body);

// The two steps of ParseChatRequest(), for a caller that reads the same body twice:
// parsing into a JSON object allocated from `sp` (VALIDATION_MALFORMED_JSON,
// VALIDATION_INVALID_TYPE), then reading the request from it.
Result<boost::json::object> ParseRequestObject(std::string_view body,
                                               const boost::json::storage_ptr& sp = {});
Result<ChatRequest> ReadChatRequest(const boost::json::object& body);

// The request body for an upstream (`request.model` is the upstream model name).
std::string SerializeChatRequest(const ChatRequest& request);

// Parses a non-streaming chat.completion. Errors: kUnavailable, reason
// UPSTREAM_BAD_RESPONSE (the upstream spoke something else).
Result<ChatResponse> ParseChatResponse(std::string_view body);

// A chat.completion object; `created` is Unix seconds.
std::string SerializeChatResponse(const ChatResponse& response, std::int64_t created);

// Parses the data of one SSE event of a stream: a chat.completion.chunk, or nullopt for
// "[DONE]". Errors: kUnavailable, UPSTREAM_BAD_RESPONSE.
Result<std::optional<ChatChunk>> ParseChatChunk(std::string_view data);

// One chat.completion.chunk object (the SSE data, without "data: ").
std::string SerializeChatChunk(const ChatChunk& chunk, std::int64_t created);

Result<EmbeddingRequest> ParseEmbeddingRequest(std::string_view body);
std::string SerializeEmbeddingRequest(const EmbeddingRequest& request);
Result<EmbeddingResponse> ParseEmbeddingResponse(std::string_view body);
// `base64`: each vector as base64 of little-endian float32 (encoding_format "base64").
std::string SerializeEmbeddingResponse(const EmbeddingResponse& response, bool base64 = false);

// An error body in OpenAI's shape: {"error": {"message", "type", "param", "code"}}.
std::string SerializeError(std::string_view message, std::string_view type, std::string_view param,
                           std::string_view code);

// The message of an upstream's OpenAI-shaped error body, or the body itself (truncated).
std::string UpstreamErrorMessage(std::string_view body);

}  // namespace amaima::providers::openai
