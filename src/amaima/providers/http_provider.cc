#include "amaima/providers/http_provider.h"

#include <deque>
#include <utility>

#include "amaima/providers/anthropic/anthropic_wire.h"
#include "amaima/providers/gemini/gemini_wire.h"
#include "amaima/providers/ollama/ollama_wire.h"
#include "amaima/providers/openai/openai_wire.h"
#include "amaima/providers/provider_errors.h"
#include "amaima/providers/sse_parser.h"

namespace amaima::providers {
namespace {

namespace net = boost::asio;

Error Oversized() {
  return Fail(ErrorCode::kUnavailable, "UPSTREAM_BAD_RESPONSE",
              "upstream sent an oversized stream line");
}

// Server-sent events whose data are OpenAI chunks, ended by "data: [DONE]".
class OpenAiStreamDecoder final : public StreamDecoder {
 public:
  Status Feed(std::string_view bytes, std::vector<ChatChunk>& out) override {
    events_.clear();
    if (!parser_.Feed(bytes, events_)) {
      return Oversized();
    }
    for (const SseEvent& event : events_) {
      if (finished_) {
        break;
      }
      auto chunk = openai::ParseChatChunk(event.data);
      if (!chunk) {
        return chunk.error();
      }
      if (!*chunk) {
        finished_ = true;
      } else {
        out.push_back(std::move(**chunk));
      }
    }
    return {};
  }

  bool Finished() const override { return finished_; }

 private:
  SseParser parser_;
  std::vector<SseEvent> events_;
  bool finished_{false};
};

// Server-sent events decoded by a dialect's event decoder (Anthropic, Gemini).
template <typename EventDecoder>
class SseStreamDecoder final : public StreamDecoder {
 public:
  Status Feed(std::string_view bytes, std::vector<ChatChunk>& out) override {
    events_.clear();
    if (!parser_.Feed(bytes, events_)) {
      return Oversized();
    }
    for (const SseEvent& event : events_) {
      auto chunks = decoder_.Feed(event);
      if (!chunks) {
        return chunks.error();
      }
      for (ChatChunk& chunk : *chunks) {
        out.push_back(std::move(chunk));
      }
    }
    return {};
  }

  bool Finished() const override { return decoder_.Finished(); }

 private:
  SseParser parser_;
  std::vector<SseEvent> events_;
  EventDecoder decoder_;
};

// Newline-delimited JSON (Ollama).
class NdjsonStreamDecoder final : public StreamDecoder {
 public:
  Status Feed(std::string_view bytes, std::vector<ChatChunk>& out) override {
    lines_.clear();
    if (!splitter_.Feed(bytes, lines_)) {
      return Oversized();
    }
    for (const std::string& line : lines_) {
      auto chunks = decoder_.Feed(line);
      if (!chunks) {
        return chunks.error();
      }
      for (ChatChunk& chunk : *chunks) {
        out.push_back(std::move(chunk));
      }
    }
    return {};
  }

  bool Finished() const override { return decoder_.Finished(); }

 private:
  LineSplitter splitter_;
  std::vector<std::string> lines_;
  ollama::StreamDecoder decoder_;
};

class OpenAiDialect final : public Dialect {
 public:
  std::string ChatPath(const ChatRequest& /*request*/, bool /*stream*/) const override {
    return "/chat/completions";
  }

  void AddHeaders(const std::string& api_key, http::HeaderList& headers) const override {
    if (!api_key.empty()) {
      headers.emplace_back("Authorization", "Bearer " + api_key);
    }
  }

  std::string SerializeChat(const ChatRequest& request, bool stream) const override {
    ChatRequest upstream = request;
    upstream.stream = stream;
    return openai::SerializeChatRequest(upstream);
  }

  Result<ChatResponse> ParseChat(std::string_view body) const override {
    return openai::ParseChatResponse(body);
  }

  std::unique_ptr<StreamDecoder> NewStreamDecoder() const override {
    return std::make_unique<OpenAiStreamDecoder>();
  }

  std::string ErrorMessage(std::string_view body) const override {
    return openai::UpstreamErrorMessage(body);
  }

  std::optional<std::string> EmbedPath(const EmbeddingRequest& /*request*/) const override {
    return "/embeddings";
  }

  std::string SerializeEmbed(const EmbeddingRequest& request) const override {
    return openai::SerializeEmbeddingRequest(request);
  }

  Result<EmbeddingResponse> ParseEmbed(std::string_view body) const override {
    return openai::ParseEmbeddingResponse(body);
  }
};

class AnthropicDialect final : public Dialect {
 public:
  std::string ChatPath(const ChatRequest& /*request*/, bool /*stream*/) const override {
    return std::string(anthropic::kChatPath);
  }

  void AddHeaders(const std::string& api_key, http::HeaderList& headers) const override {
    headers.emplace_back("anthropic-version", "2023-06-01");
    if (!api_key.empty()) {
      headers.emplace_back("x-api-key", api_key);
    }
  }

  std::string SerializeChat(const ChatRequest& request, bool stream) const override {
    ChatRequest upstream = request;
    upstream.stream = stream;
    return anthropic::SerializeChatRequest(upstream);
  }

  Result<ChatResponse> ParseChat(std::string_view body) const override {
    return anthropic::ParseChatResponse(body);
  }

  std::unique_ptr<StreamDecoder> NewStreamDecoder() const override {
    return std::make_unique<SseStreamDecoder<anthropic::StreamDecoder>>();
  }

  std::string ErrorMessage(std::string_view body) const override {
    return anthropic::UpstreamErrorMessage(body);
  }

  std::optional<std::string> EmbedPath(const EmbeddingRequest& /*request*/) const override {
    return std::nullopt;
  }

  std::string SerializeEmbed(const EmbeddingRequest& /*request*/) const override { return {}; }

  Result<EmbeddingResponse> ParseEmbed(std::string_view /*body*/) const override {
    return Fail(ErrorCode::kFailedPrecondition, "UPSTREAM_UNSUPPORTED",
                "the Anthropic API has no embeddings");
  }
};

class GeminiDialect final : public Dialect {
 public:
  std::string ChatPath(const ChatRequest& request, bool stream) const override {
    return gemini::ChatPath(request.model, stream);
  }

  void AddHeaders(const std::string& api_key, http::HeaderList& headers) const override {
    if (!api_key.empty()) {
      headers.emplace_back("x-goog-api-key", api_key);
    }
  }

  std::string SerializeChat(const ChatRequest& request, bool /*stream*/) const override {
    return gemini::SerializeChatRequest(request);  // streaming is chosen by the path
  }

  Result<ChatResponse> ParseChat(std::string_view body) const override {
    return gemini::ParseChatResponse(body);
  }

  std::unique_ptr<StreamDecoder> NewStreamDecoder() const override {
    return std::make_unique<SseStreamDecoder<gemini::StreamDecoder>>();
  }

  std::string ErrorMessage(std::string_view body) const override {
    return gemini::UpstreamErrorMessage(body);
  }

  std::optional<std::string> EmbedPath(const EmbeddingRequest& request) const override {
    return gemini::EmbedPath(request.model);
  }

  std::string SerializeEmbed(const EmbeddingRequest& request) const override {
    return gemini::SerializeEmbeddingRequest(request);
  }

  Result<EmbeddingResponse> ParseEmbed(std::string_view body) const override {
    return gemini::ParseEmbeddingResponse(body);
  }
};

class OllamaDialect final : public Dialect {
 public:
  std::string ChatPath(const ChatRequest& /*request*/, bool /*stream*/) const override {
    return std::string(ollama::kChatPath);
  }

  void AddHeaders(const std::string& api_key, http::HeaderList& headers) const override {
    if (!api_key.empty()) {
      headers.emplace_back("Authorization", "Bearer " + api_key);
    }
  }

  std::string SerializeChat(const ChatRequest& request, bool stream) const override {
    ChatRequest upstream = request;
    upstream.stream = stream;
    return ollama::SerializeChatRequest(upstream);
  }

  Result<ChatResponse> ParseChat(std::string_view body) const override {
    return ollama::ParseChatResponse(body);
  }

  std::unique_ptr<StreamDecoder> NewStreamDecoder() const override {
    return std::make_unique<NdjsonStreamDecoder>();
  }

  std::string ErrorMessage(std::string_view body) const override {
    return ollama::UpstreamErrorMessage(body);
  }

  std::optional<std::string> EmbedPath(const EmbeddingRequest& /*request*/) const override {
    return std::string(ollama::kEmbedPath);
  }

  std::string SerializeEmbed(const EmbeddingRequest& request) const override {
    return ollama::SerializeEmbeddingRequest(request);
  }

  Result<EmbeddingResponse> ParseEmbed(std::string_view body) const override {
    return ollama::ParseEmbeddingResponse(body);
  }
};

// The rest of an error body, for the message (bounded: an upstream may stream garbage).
net::awaitable<std::string> ReadErrorBody(http::StreamingResponse& response) {
  std::string body;
  constexpr std::size_t kMax = 64 * 1024;
  while (body.size() < kMax) {
    auto piece = co_await response.Next();
    if (!piece || !*piece) {
      break;
    }
    body += **piece;
  }
  co_return body;
}

// Chunks of one streamed answer, decoded as the body arrives.
class HttpTokenStream final : public TokenStream {
 public:
  HttpTokenStream(std::string provider, http::StreamingResponse response,
                  std::unique_ptr<StreamDecoder> decoder)
      : provider_(std::move(provider)),
        response_(std::move(response)),
        decoder_(std::move(decoder)) {}

  net::awaitable<Result<std::optional<ChatChunk>>> Next() override {
    while (pending_.empty()) {
      if (decoder_->Finished()) {
        co_return std::optional<ChatChunk>{};
      }
      auto piece = co_await response_.Next();
      if (!piece) {
        co_return piece.error();
      }
      if (!*piece) {
        // The body ended before the upstream said the answer was complete.
        co_return Fail(ErrorCode::kUnavailable, "UPSTREAM_STREAM_ERROR",
                       provider_ + " ended the stream before the answer was complete")
            .With("provider", provider_);
      }
      decoded_.clear();
      if (Status fed = decoder_->Feed(**piece, decoded_); !fed) {
        co_return fed.error();
      }
      for (ChatChunk& chunk : decoded_) {
        pending_.push_back(std::move(chunk));
      }
    }
    ChatChunk next = std::move(pending_.front());
    pending_.pop_front();
    co_return std::optional<ChatChunk>(std::move(next));
  }

  bool Ready() const override { return !pending_.empty() || decoder_->Finished(); }

 private:
  std::string provider_;
  http::StreamingResponse response_;
  std::unique_ptr<StreamDecoder> decoder_;
  std::vector<ChatChunk> decoded_;
  std::deque<ChatChunk> pending_;
};

}  // namespace

std::unique_ptr<Dialect> MakeDialect(std::string_view type) {
  if (type == "openai") {
    return std::make_unique<OpenAiDialect>();
  }
  if (type == "anthropic") {
    return std::make_unique<AnthropicDialect>();
  }
  if (type == "gemini") {
    return std::make_unique<GeminiDialect>();
  }
  if (type == "ollama") {
    return std::make_unique<OllamaDialect>();
  }
  return nullptr;
}

HttpProvider::HttpProvider(const config::ProviderConfig& config, std::unique_ptr<Dialect> dialect,
                           http::HttpClient& client)
    : config_(config), dialect_(std::move(dialect)), client_(client) {
  while (!config_.base_url.empty() && config_.base_url.back() == '/') {
    config_.base_url.pop_back();
  }
  options_.connect_timeout = config_.connect_timeout;
  options_.read_timeout = config_.read_timeout;
  options_.total_timeout = config_.total_timeout;
}

http::ClientRequest HttpProvider::Post(const std::string& path, std::string body,
                                       bool stream) const {
  http::ClientRequest request;
  request.method = "POST";
  request.url = config_.base_url + path;
  request.headers.emplace_back("Content-Type", "application/json");
  request.headers.emplace_back("Accept", stream ? "text/event-stream" : "application/json");
  dialect_->AddHeaders(config_.api_key, request.headers);
  request.body = std::move(body);
  return request;
}

net::awaitable<Result<ChatResponse>> HttpProvider::Complete(const ChatRequest& request) {
  http::ClientRequest call =
      Post(dialect_->ChatPath(request, false), dialect_->SerializeChat(request, false), false);
  auto response = co_await client_.Send(std::move(call), options_);
  if (!response) {
    co_return response.error();
  }
  if (response->status != 200) {
    co_return UpstreamStatusError(config_.name, response->status,
                                  dialect_->ErrorMessage(response->body),
                                  response->Header("retry-after"));
  }
  co_return dialect_->ParseChat(response->body);
}

net::awaitable<Result<std::unique_ptr<TokenStream>>> HttpProvider::Stream(
    const ChatRequest& request) {
  http::ClientRequest call =
      Post(dialect_->ChatPath(request, true), dialect_->SerializeChat(request, true), true);
  auto response = co_await client_.Open(std::move(call), options_);
  if (!response) {
    co_return response.error();
  }
  if (response->status() != 200) {
    const std::string body = co_await ReadErrorBody(*response);
    co_return UpstreamStatusError(config_.name, response->status(), dialect_->ErrorMessage(body),
                                  response->Header("retry-after"));
  }
  std::unique_ptr<TokenStream> stream = std::make_unique<HttpTokenStream>(
      config_.name, std::move(*response), dialect_->NewStreamDecoder());
  co_return stream;
}

net::awaitable<Result<EmbeddingResponse>> HttpProvider::Embed(const EmbeddingRequest& request) {
  const std::optional<std::string> path = dialect_->EmbedPath(request);
  if (!path) {
    co_return Fail(ErrorCode::kFailedPrecondition, "UPSTREAM_UNSUPPORTED",
                   config_.name + " (" + config_.type + ") has no embeddings API");
  }
  auto response =
      co_await client_.Send(Post(*path, dialect_->SerializeEmbed(request), false), options_);
  if (!response) {
    co_return response.error();
  }
  if (response->status != 200) {
    co_return UpstreamStatusError(config_.name, response->status,
                                  dialect_->ErrorMessage(response->body),
                                  response->Header("retry-after"));
  }
  co_return dialect_->ParseEmbed(response->body);
}

Result<std::unique_ptr<Provider>> MakeHttpProvider(const config::ProviderConfig& config,
                                                   http::HttpClient& client) {
  std::unique_ptr<Dialect> dialect = MakeDialect(config.type);
  if (!dialect) {
    return Fail(ErrorCode::kInvalidArgument, "CONFIG_INVALID",
                "providers." + config.name + ": unknown type \"" + config.type + "\"");
  }
  return std::unique_ptr<Provider>(
      std::make_unique<HttpProvider>(config, std::move(dialect), client));
}

}  // namespace amaima::providers
