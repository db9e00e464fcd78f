#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include <boost/asio/awaitable.hpp>

#include "amaima/core/result.h"
#include "amaima/providers/chat_types.h"

namespace amaima::providers {

// A streamed answer: the chunks of one upstream response, in order.
//
// Not thread-safe; used by one coroutine at a time. The Provider that opened it must
// outlive it. Destroying it early closes the upstream connection (cancels the stream).
class TokenStream {
 public:
  TokenStream() = default;
  TokenStream(const TokenStream&) = delete;
  TokenStream& operator=(const TokenStream&) = delete;
  virtual ~TokenStream() = default;

  // The next chunk, or nullopt once the answer is complete. Errors are the upstream
  // errors of provider_errors.h (a cut or malformed stream is UPSTREAM_STREAM_ERROR,
  // UPSTREAM_BAD_RESPONSE or UPSTREAM_RESET). Co_await it directly.
  virtual boost::asio::awaitable<Result<std::optional<ChatChunk>>> Next() = 0;

  // Whether Next() would complete without waiting for the upstream: a chunk, or the end,
  // is already decoded (several usually arrive in one read).
  virtual bool Ready() const { return false; }
};

// One upstream endpoint speaking one wire format (OpenAI-compatible, Anthropic, Gemini,
// Ollama). It translates the neutral request, makes one HTTP attempt and translates the
// answer back; retries, fallbacks and circuit breaking are the caller's.
//
// @par Thread Safety
// Thread-safe: one instance serves every request. Calls are awaited directly by their
// caller (structured), so reference parameters stay valid.
class Provider {
 public:
  Provider() = default;
  Provider(const Provider&) = delete;
  Provider& operator=(const Provider&) = delete;
  virtual ~Provider() = default;

  // The `providers:` entry name, for metrics and errors.
  virtual const std::string& name() const = 0;

  // One non-streaming chat completion.
  virtual boost::asio::awaitable<Result<ChatResponse>> Complete(const ChatRequest& request) = 0;

  // Opens a streaming chat completion; returns once the upstream accepted it (status 200
  // and headers received), so that an error before the first byte can still be retried.
  virtual boost::asio::awaitable<Result<std::unique_ptr<TokenStream>>> Stream(
      const ChatRequest& request) = 0;

  // Embeddings. Errors: kFailedPrecondition UPSTREAM_UNSUPPORTED where the wire format has
  // none.
  virtual boost::asio::awaitable<Result<EmbeddingResponse>> Embed(
      const EmbeddingRequest& request) = 0;
};

}  // namespace amaima::providers
