#include "amaima/providers/executor.h"

#include <random>
#include <utility>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "amaima/providers/http_provider.h"
#include "amaima/providers/provider_errors.h"

namespace amaima::providers {
namespace {

namespace net = boost::asio;

double DefaultRandomUnit() {
  thread_local std::mt19937_64 engine{std::random_device{}()};
  return std::uniform_real_distribution<double>(0.0, 1.0)(engine);
}

// The call an attempt makes; named functors, not lambdas, because they appear in a
// co_await expression.
struct CompleteCall {
  net::awaitable<Result<ChatResponse>> operator()(Provider& provider,
                                                  const ChatRequest& request) const {
    return provider.Complete(request);
  }
};

struct StreamCall {
  net::awaitable<Result<std::unique_ptr<TokenStream>>> operator()(
      Provider& provider, const ChatRequest& request) const {
    return provider.Stream(request);
  }
};

struct EmbedCall {
  net::awaitable<Result<EmbeddingResponse>> operator()(Provider& provider,
                                                       const EmbeddingRequest& request) const {
    return provider.Embed(request);
  }
};

net::awaitable<bool> Cancelled() {
  const net::cancellation_state state = co_await net::this_coro::cancellation_state;
  co_return state.cancelled() != net::cancellation_type::none;
}

// Waits `delay`; false when the wait was cancelled.
net::awaitable<bool> Sleep(std::chrono::milliseconds delay) {
  net::steady_timer timer(co_await net::this_coro::executor);
  timer.expires_after(delay);
  auto [ec] = co_await timer.async_wait(net::as_tuple(net::use_awaitable));
  co_return !ec;
}

Error CancelledError() {
  return Fail(ErrorCode::kCancelled, "UPSTREAM_CANCELLED", "the request was cancelled");
}

Error NoHealthyUpstream(const std::vector<std::string>& chain,
                        const std::vector<AttemptRecord>& log) {
  std::string tried;
  for (const AttemptRecord& record : log) {
    if (!tried.empty()) {
      tried += ", ";
    }
    tried += record.model + "#" + std::to_string(record.attempt) + ":" + record.outcome;
  }
  std::string models;
  for (const std::string& model : chain) {
    models += (models.empty() ? "" : ", ") + model;
  }
  return Fail(ErrorCode::kUnavailable, "SYSTEM_NO_HEALTHY_UPSTREAM",
              "no model of the chain could serve the request (" + models + ")")
      .With("attempts", tried.empty() ? "none" : tried);
}

}  // namespace

ProviderRegistry::~ProviderRegistry() = default;

Result<std::unique_ptr<ProviderRegistry>> ProviderRegistry::Create(const config::Config& config,
                                                                   const Clock& clock) {
  std::unique_ptr<ProviderRegistry> registry(new ProviderRegistry());
  for (const auto& [name, entry] : config.providers) {
    http::HttpClientOptions options;
    options.max_idle_per_host = static_cast<std::size_t>(entry.max_idle_connections);
    options.verify_tls = entry.verify_tls;
    options.ca_file = entry.ca_file;
    auto client = http::HttpClient::Create(options, &clock);
    if (!client) {
      return Fail(ErrorCode::kInvalidArgument, "CONFIG_INVALID",
                  "providers." + name + ": " + client.error().message);
    }
    auto provider = MakeHttpProvider(entry, **client);
    if (!provider) {
      return provider.error();
    }
    CircuitBreakerOptions breaker;
    breaker.failure_threshold = entry.breaker_failure_threshold;
    breaker.open_for = entry.breaker_open;
    breaker.half_open_probes = entry.breaker_half_open_probes;
    registry->breakers_.emplace(name, std::make_unique<CircuitBreaker>(breaker, clock));
    registry->providers_.emplace(name, std::move(*provider));
    registry->clients_.emplace(name, std::move(*client));
  }
  for (const auto& [name, model] : config.models) {
    const config::ProviderConfig* entry = config::ProviderFor(config, model);
    if (entry == nullptr) {
      continue;
    }
    Upstream upstream;
    upstream.model = &model;
    upstream.provider_config = entry;
    upstream.provider = registry->providers_.at(entry->name).get();
    upstream.breaker = registry->breakers_.at(entry->name).get();
    registry->upstreams_.emplace(name, upstream);
  }
  return registry;
}

const Upstream* ProviderRegistry::Find(std::string_view name) const {
  const auto it = upstreams_.find(name);
  return it == upstreams_.end() ? nullptr : &it->second;
}

std::vector<std::pair<std::string, const CircuitBreaker*>> ProviderRegistry::breakers() const {
  std::vector<std::pair<std::string, const CircuitBreaker*>> out;
  for (const auto& [name, breaker] : breakers_) {
    out.emplace_back(name, breaker.get());
  }
  return out;
}

Executor::Executor(const ProviderRegistry& registry, std::function<double()> random_unit)
    : registry_(registry),
      random_unit_(random_unit ? std::move(random_unit)
                               : std::function<double()>(DefaultRandomUnit)) {}

template <typename Value, typename Request, typename Call>
net::awaitable<Result<Value>> Executor::Run(const std::vector<std::string>& chain, Request& request,
                                            std::vector<AttemptRecord>& log, std::string& served_by,
                                            Call call) const {
  for (const std::string& name : chain) {
    const Upstream* upstream = registry_.Find(name);
    if (upstream == nullptr) {
      log.push_back({name, "", 0, "NO_PROVIDER", std::chrono::milliseconds(0)});
      continue;
    }
    const config::ProviderConfig& settings = *upstream->provider_config;
    request.model = upstream->model->upstream_model;
    std::chrono::milliseconds backoff{0};
    for (int attempt = 1; attempt <= settings.max_attempts; ++attempt) {
      const bool cancelled = co_await Cancelled();
      if (cancelled) {
        co_return CancelledError();
      }
      if (!upstream->breaker->Allow()) {
        log.push_back({name, settings.name, attempt, "CIRCUIT_OPEN", backoff});
        break;
      }
      auto result = co_await call(*upstream->provider, request);
      if (result) {
        upstream->breaker->RecordSuccess();
        log.push_back({name, settings.name, attempt, "ok", backoff});
        served_by = name;
        co_return std::move(*result);
      }
      const Error& error = result.error();
      log.push_back({name, settings.name, attempt, error.reason, backoff});
      if (error.code == ErrorCode::kCancelled) {
        upstream->breaker->Release();
        co_return error;
      }
      if (error.reason == "UPSTREAM_REJECTED") {
        upstream->breaker->RecordSuccess();  // the upstream is healthy; the request is not
        co_return error;
      }
      if (error.reason == "UPSTREAM_RATE_LIMITED" || error.reason == "UPSTREAM_UNSUPPORTED") {
        upstream->breaker->Release();
        break;  // the next model at once
      }
      upstream->breaker->RecordFailure();
      if (!IsRetryable(error) || attempt == settings.max_attempts) {
        break;
      }
      backoff = BackoffDelay(attempt, settings.backoff_base, settings.backoff_max, random_unit_(),
                             RetryAfter(error));
      if (backoff.count() > 0) {
        const bool slept = co_await Sleep(backoff);
        if (!slept) {
          co_return CancelledError();
        }
      }
    }
  }
  co_return NoHealthyUpstream(chain, log);
}

net::awaitable<Result<CompletionResult>> Executor::Complete(std::vector<std::string> chain,
                                                            ChatRequest request) const {
  CompletionResult out;
  auto response =
      co_await Run<ChatResponse>(chain, request, out.attempts, out.model, CompleteCall{});
  if (!response) {
    Error error = response.error();
    co_return std::move(error).With("attempt_count", std::to_string(out.attempts.size()));
  }
  out.response = std::move(*response);
  co_return out;
}

net::awaitable<Result<StreamResult>> Executor::Stream(std::vector<std::string> chain,
                                                      ChatRequest request) const {
  StreamResult out;
  auto stream = co_await Run<std::unique_ptr<TokenStream>>(chain, request, out.attempts, out.model,
                                                           StreamCall{});
  if (!stream) {
    Error error = stream.error();
    co_return std::move(error).With("attempt_count", std::to_string(out.attempts.size()));
  }
  out.stream = std::move(*stream);
  co_return out;
}

net::awaitable<Result<EmbeddingResult>> Executor::Embed(std::vector<std::string> chain,
                                                        EmbeddingRequest request) const {
  EmbeddingResult out;
  auto response =
      co_await Run<EmbeddingResponse>(chain, request, out.attempts, out.model, EmbedCall{});
  if (!response) {
    Error error = response.error();
    co_return std::move(error).With("attempt_count", std::to_string(out.attempts.size()));
  }
  out.response = std::move(*response);
  co_return out;
}

}  // namespace amaima::providers
