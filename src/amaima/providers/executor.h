#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <boost/asio/awaitable.hpp>

#include "amaima/config/config.h"
#include "amaima/core/clock.h"
#include "amaima/core/result.h"
#include "amaima/http/client/http_client.h"
#include "amaima/providers/provider.h"
#include "amaima/providers/resilience/circuit_breaker.h"

namespace amaima::providers {

// One catalog model and what serves it.
struct Upstream {
  const config::ModelConfig* model{nullptr};
  const config::ProviderConfig* provider_config{nullptr};
  Provider* provider{nullptr};
  CircuitBreaker* breaker{nullptr};
};

// Every provider of the configuration, each with its own pooled HTTP client (TLS trust is
// per provider) and circuit breaker, and the catalog models they serve.
//
// @par Thread Safety
// Immutable after Create(); the providers and breakers it hands out are thread-safe.
// `config` and `clock` are borrowed and must outlive it.
class ProviderRegistry {
 public:
  // Errors: kInvalidArgument (CONFIG_INVALID) for a provider whose TLS settings cannot be
  // loaded or whose type is unknown.
  static Result<std::unique_ptr<ProviderRegistry>> Create(const config::Config& config,
                                                          const Clock& clock);
  ProviderRegistry(const ProviderRegistry&) = delete;
  ProviderRegistry& operator=(const ProviderRegistry&) = delete;
  ~ProviderRegistry();

  // The upstream of catalog model `name`, or null when it is unknown or has no provider.
  const Upstream* Find(std::string_view name) const;

  // The breaker of each provider entry, by name (for metrics).
  std::vector<std::pair<std::string, const CircuitBreaker*>> breakers() const;

 private:
  ProviderRegistry() = default;

  std::map<std::string, std::unique_ptr<http::HttpClient>, std::less<>> clients_;
  std::map<std::string, std::unique_ptr<Provider>, std::less<>> providers_;
  std::map<std::string, std::unique_ptr<CircuitBreaker>, std::less<>> breakers_;
  std::map<std::string, Upstream, std::less<>> upstreams_;
};

// One try of one model, for the record and the error details.
struct AttemptRecord {
  std::string model{};
  std::string provider{};
  int attempt{0};         // 1-based, per model
  std::string outcome{};  // "ok" or the error reason ("UPSTREAM_SERVER_ERROR", "CIRCUIT_OPEN")
  std::chrono::milliseconds backoff{0};  // waited before this attempt
};

struct CompletionResult {
  std::string model{};  // the catalog model that answered
  ChatResponse response{};
  std::vector<AttemptRecord> attempts{};
};

struct EmbeddingResult {
  std::string model{};
  EmbeddingResponse response{};
  std::vector<AttemptRecord> attempts{};
};

struct StreamResult {
  std::string model{};
  std::unique_ptr<TokenStream> stream{};
  std::vector<AttemptRecord> attempts{};
};

// Executes a request along a chain of catalog models (the decision's model, then its
// fallback chain): per model, up to `max_attempts` tries with exponential backoff and full
// jitter (a Retry-After is honoured, capped at backoff_max); a 429 moves to the next model
// at once; a model whose circuit breaker is open is skipped; a rejection of the request
// itself (4xx other than 401/403/429) ends the chain, since every model would reject it.
// Streams are retried only until they open: once a stream is returned, its chunks may have
// reached the client and any later failure is final.
//
// Errors: the rejection, kCancelled when the awaiting coroutine is cancelled, or
// kUnavailable SYSTEM_NO_HEALTHY_UPSTREAM with the attempts in its details.
//
// @par Thread Safety
// Thread-safe; `registry` is borrowed. `random_unit` (tests) returns draws in [0, 1).
class Executor {
 public:
  explicit Executor(const ProviderRegistry& registry, std::function<double()> random_unit = {});

  boost::asio::awaitable<Result<CompletionResult>> Complete(std::vector<std::string> chain,
                                                            ChatRequest request) const;

  boost::asio::awaitable<Result<StreamResult>> Stream(std::vector<std::string> chain,
                                                      ChatRequest request) const;

  boost::asio::awaitable<Result<EmbeddingResult>> Embed(std::vector<std::string> chain,
                                                        EmbeddingRequest request) const;

 private:
  template <typename Value, typename Request, typename Call>
  boost::asio::awaitable<Result<Value>> Run(const std::vector<std::string>& chain, Request& request,
                                            std::vector<AttemptRecord>& log, std::string& served_by,
                                            Call call) const;

  const ProviderRegistry& registry_;
  std::function<double()> random_unit_;
};

}  // namespace amaima::providers
