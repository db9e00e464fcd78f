#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "amaima/config/config.h"
#include "amaima/http/client/http_client.h"
#include "amaima/providers/provider.h"

namespace amaima::providers {

// Turns the bytes of a streamed body into chunks: SSE or NDJSON framing plus one
// dialect's events. Not thread-safe; one per stream.
class StreamDecoder {
 public:
  StreamDecoder() = default;
  StreamDecoder(const StreamDecoder&) = delete;
  StreamDecoder& operator=(const StreamDecoder&) = delete;
  virtual ~StreamDecoder() = default;

  // Appends the chunks completed by `bytes`. Errors: UPSTREAM_BAD_RESPONSE,
  // UPSTREAM_STREAM_ERROR.
  virtual Status Feed(std::string_view bytes, std::vector<ChatChunk>& out) = 0;
  // Whether the upstream said the answer is complete ([DONE], message_stop, done: true,
  // or a finish reason for dialects without an end marker).
  virtual bool Finished() const = 0;
};

// One upstream wire format, as pure translation (no I/O).
class Dialect {
 public:
  Dialect() = default;
  Dialect(const Dialect&) = delete;
  Dialect& operator=(const Dialect&) = delete;
  virtual ~Dialect() = default;

  // The request path after base_url.
  virtual std::string ChatPath(const ChatRequest& request, bool stream) const = 0;
  // Adds the credentials (and any version header) for `api_key`; an empty key adds none.
  virtual void AddHeaders(const std::string& api_key, http::HeaderList& headers) const = 0;
  virtual std::string SerializeChat(const ChatRequest& request, bool stream) const = 0;
  virtual Result<ChatResponse> ParseChat(std::string_view body) const = 0;
  virtual std::unique_ptr<StreamDecoder> NewStreamDecoder() const = 0;
  // The upstream's own message in an error body.
  virtual std::string ErrorMessage(std::string_view body) const = 0;
  // Embeddings: the path, or nullopt when the wire format has none.
  virtual std::optional<std::string> EmbedPath(const EmbeddingRequest& request) const = 0;
  virtual std::string SerializeEmbed(const EmbeddingRequest& request) const = 0;
  virtual Result<EmbeddingResponse> ParseEmbed(std::string_view body) const = 0;
};

// The dialect of a provider type ("openai", "anthropic", "gemini", "ollama"), or null.
std::unique_ptr<Dialect> MakeDialect(std::string_view type);

// A Provider over HTTP: one attempt per call through the pooled client, translated by its
// dialect. Non-success statuses become the errors of provider_errors.h.
//
// @par Thread Safety
// Thread-safe. `client` is borrowed and must outlive the provider and its streams.
class HttpProvider final : public Provider {
 public:
  HttpProvider(const config::ProviderConfig& config, std::unique_ptr<Dialect> dialect,
               http::HttpClient& client);

  const std::string& name() const override { return config_.name; }

  boost::asio::awaitable<Result<ChatResponse>> Complete(const ChatRequest& request) override;

  boost::asio::awaitable<Result<std::unique_ptr<TokenStream>>> Stream(
      const ChatRequest& request) override;

  boost::asio::awaitable<Result<EmbeddingResponse>> Embed(const EmbeddingRequest& request) override;

 private:
  http::ClientRequest Post(const std::string& path, std::string body, bool stream) const;

  config::ProviderConfig config_;
  std::unique_ptr<Dialect> dialect_;
  http::HttpClient& client_;
  http::RequestOptions options_;
};

// An HttpProvider for `config` (its `type` picks the dialect). Errors: kInvalidArgument
// for an unknown type.
Result<std::unique_ptr<Provider>> MakeHttpProvider(const config::ProviderConfig& config,
                                                   http::HttpClient& client);

}  // namespace amaima::providers
