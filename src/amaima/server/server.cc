#include "amaima/server/server.h"

#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <thread>
#include <vector>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "amaima/api/admin/admin_api.h"
#include "amaima/api/anthropic/anthropic_api.h"
#include "amaima/api/auth/auth_api.h"
#include "amaima/api/openai/openai_api.h"
#include "amaima/api/v1/v1_api.h"
#include "amaima/api/ws/decision_feed.h"
#include "amaima/api/ws/ws_api.h"
#include "amaima/core/clock.h"
#include "amaima/core/ids.h"
#include "amaima/core/run_blocking.h"
#include "amaima/http/server/http_server.h"
#include "amaima/limits/redis/redis_client.h"
#include "amaima/limits/redis/redis_rate_limiter.h"
#include "amaima/limits/redis/redis_revocation_list.h"
#include "amaima/providers/executor.h"
#include "amaima/routing/device_profile.h"
#include "amaima/routing/router.h"
#include "amaima/server/build_budgets.h"
#include "amaima/server/build_pipeline.h"
#include "amaima/server/build_router.h"
#include "amaima/server/console.h"
#include "amaima/server/query_hash_key.h"
#include "amaima/server/request_authenticator.h"
#include "amaima/server/session_keys.h"
#include "amaima/server/store_recorder.h"
#include "amaima/server/stores.h"
#include "amaima/storage/decision_writer.h"
#include "amaima/telemetry/gateway_metrics.h"
#include "amaima/telemetry/logger.h"
#include "amaima/telemetry/metrics.h"

#ifndef AMAIMA_VERSION
#define AMAIMA_VERSION "0.0.0"
#endif

namespace amaima::server {

namespace net = boost::asio;

// Members are declared in construction order and destroyed in reverse, after Run()
// has stopped the listener, drained the writer and joined the threads.
struct Server::Parts {
  config::Config config;
  ServeOptions options;
  SystemClock clock;
  std::unique_ptr<telemetry::Logger> logger;
  telemetry::Registry metrics_registry;
  std::unique_ptr<telemetry::GatewayMetrics> metrics;
  std::unique_ptr<IdGenerator> ids;
  // The I/O lanes: one io_context per I/O thread, each run by that thread only. The
  // first, `io`, also runs the listener and the signals; `lanes` lists them all.
  std::unique_ptr<net::io_context> io;
  std::vector<std::unique_ptr<net::io_context>> extra_lanes;
  std::vector<net::io_context*> lanes;
  std::unique_ptr<net::thread_pool> blocking_pool;
  Stores stores;  // Every durable store: SQLite, or PostgreSQL shared by replicas.
  std::unique_ptr<limits::RedisClient> redis;  // redis.url set: limits shared by replicas.
  storage::DecisionStore* store{nullptr};
  std::unique_ptr<storage::DecisionWriter> writer;
  storage::GovernanceStore* governance_store{nullptr};
  std::unique_ptr<governance::ApiKeyAuthenticator> keys;
  std::unique_ptr<governance::Governance> governance;
  std::unique_ptr<governance::AuditQueue> audit_queue;  // Rows written off the request path.
  // Budgets: after what they report to, before everything that holds a reservation.
  std::unique_ptr<BudgetParts> budgets;
  std::unique_ptr<api::AdminApi> admin;
  // Request buckets (when api.rate_limiting.enabled) and the login throttle.
  std::unique_ptr<limits::RateLimiter> rate_limiter;
  std::unique_ptr<limits::RevocationList> revoked_tokens;
  std::unique_ptr<governance::Sessions> sessions;
  std::unique_ptr<api::AuthApi> auth_api;
  std::unique_ptr<RequestAdmission> admission;
  std::unique_ptr<routing::Router> router;
  std::unique_ptr<api::DecisionFeed> decision_feed;  // Before the recorder, which may publish.
  std::unique_ptr<StoreDecisionRecorder> recorder;
  std::unique_ptr<pipeline::Pipeline> pipeline;
  std::unique_ptr<api::V1Api> v1;
  std::unique_ptr<providers::ProviderRegistry> providers;  // execution-enabled only
  std::unique_ptr<providers::Executor> executor;           // execution-enabled only
  std::unique_ptr<StoreUsageRecorder> usage;               // execution-enabled only
  std::unique_ptr<pipeline::ExecutionHandler> execution;   // execution-enabled only
  std::unique_ptr<api::OpenAiApi> openai;
  std::unique_ptr<api::AnthropicApi> anthropic;
  std::unique_ptr<api::WsApi> ws;
  std::unique_ptr<http::RouteTable> routes;
  std::unique_ptr<api::ConsoleAssets> console;  // Null when not built or disabled.
  std::unique_ptr<http::HttpServer> http;
  int io_threads{1};
};

namespace {

Error PartFailed(std::string_view part, const Error& error) {
  Error out = error;
  out.message = std::string(part) + ": " + error.message;
  return out;
}

Status WriteReadyFile(const std::string& path, std::uint16_t port) {
  const std::string temp = path + ".tmp";
  {
    std::ofstream out(temp, std::ios::trunc);
    out << port << '\n';
    if (!out) {
      return Fail(ErrorCode::kUnavailable, "cannot write " + temp);
    }
  }
  std::error_code ec;
  std::filesystem::rename(temp, path, ec);
  if (ec) {
    return Fail(ErrorCode::kUnavailable, "cannot write " + path + ": " + ec.message());
  }
  return {};
}

double CircuitValue(providers::BreakerState state) {
  switch (state) {
    case providers::BreakerState::kClosed:
      return telemetry::kCircuitClosed;
    case providers::BreakerState::kHalfOpen:
      return telemetry::kCircuitHalfOpen;
    case providers::BreakerState::kOpen:
      return telemetry::kCircuitOpen;
  }
  return telemetry::kCircuitClosed;
}

// Which API surface a route belongs to, for the overhead histogram.
std::string_view SurfaceOf(std::string_view route) {
  if (route == "/v1/chat/completions" || route == "/v1/embeddings") {
    return "openai";
  }
  if (route == "/v1/messages") {
    return "anthropic";
  }
  return "v1";
}

// Counts and times every answered request; logs it when the access log is on.
void ObserveResponse(const telemetry::GatewayMetrics& metrics, telemetry::Logger* access_log,
                     const http::HttpRequest& request, const http::HttpResponse& response,
                     std::chrono::steady_clock::duration elapsed) {
  const std::string_view route = request.route.empty() ? "unmatched" : request.route;
  const std::string status = std::to_string(response.status);
  metrics.http_requests.With({route, request.method, status}).Increment();
  metrics.http_request_duration.With({route, request.method})
      .Observe(std::chrono::duration<double>(elapsed).count());
  for (const auto& [name, value] : response.headers) {
    if (name == "x-amaima-overhead-ms") {
      metrics.gateway_overhead.With({SurfaceOf(route)}).Observe(std::atof(value.c_str()) / 1000.0);
    }
  }
  if (access_log != nullptr) {
    const auto micros = std::chrono::duration_cast<std::chrono::microseconds>(elapsed).count();
    access_log->Info("request", {{"request_id", request.request_id},
                                 {"method", request.method},
                                 {"path", request.path},
                                 {"status", status},
                                 {"duration_us", std::to_string(micros)}});
  }
}

// GET /metrics: the Prometheus text exposition of every metric.
net::awaitable<http::HttpResponse> ServeMetrics(const telemetry::Registry* registry,
                                                const telemetry::GatewayMetrics* metrics,
                                                const http::HttpServer* server) {
  metrics->http_requests_in_flight.Set(
      static_cast<double>(server->stats().in_flight_requests.load(std::memory_order_relaxed)));
  http::HttpResponse response;
  response.content_type = std::string(telemetry::kPrometheusContentType);
  response.body = registry->Serialize();
  co_return response;
}

// Stops the listener (requests in flight finish), drains the writer, stops the loop.
net::awaitable<void> Shutdown(http::HttpServer& http, storage::DecisionWriter& writer,
                              net::thread_pool& pool, net::io_context& io,
                              telemetry::Logger& logger, std::chrono::milliseconds deadline) {
  logger.Info("shutting down", {{"deadline_ms", std::to_string(deadline.count())}});
  co_await http.Stop(deadline);
  // Stop() blocks until the queue is committed: keep it off the I/O threads.
  auto drain = [&writer] {
    writer.Stop();
    return true;
  };
  co_await RunBlocking(pool, drain);
  logger.Info("stopped",
              {{"decisions_written", std::to_string(writer.counters().records_written.load())}});
  io.stop();
}

}  // namespace

Server::Server(std::unique_ptr<Parts> parts) : parts_(std::move(parts)) {}

Server::~Server() = default;

Result<std::unique_ptr<Server>> Server::Create(const config::Config& config,
                                               const ServeOptions& options) {
  auto parts = std::make_unique<Parts>();
  parts->config = config;
  parts->options = options;
  parts->logger = std::make_unique<telemetry::Logger>(config.observability.log_level,
                                                      config.observability.log_format);
  parts->ids = std::make_unique<IdGenerator>(parts->clock);
  parts->metrics =
      std::make_unique<telemetry::GatewayMetrics>(parts->metrics_registry, AMAIMA_VERSION);
  parts->io_threads = config.server.io_threads > 0
                          ? config.server.io_threads
                          : std::max(1, static_cast<int>(std::thread::hardware_concurrency()));
  // A concurrency hint of 1: each lane is run by one thread.
  parts->io = std::make_unique<net::io_context>(1);
  parts->lanes.push_back(parts->io.get());
  for (int i = 1; i < parts->io_threads; ++i) {
    parts->extra_lanes.push_back(std::make_unique<net::io_context>(1));
    parts->lanes.push_back(parts->extra_lanes.back().get());
  }
  parts->blocking_pool =
      std::make_unique<net::thread_pool>(static_cast<std::size_t>(config.server.blocking_threads));

  if (Result<std::string> dir = PrepareDataDir(config, true); !dir) {
    return PartFailed("data directory", dir.error());
  }
  Result<std::string> hash_key = LoadQueryHashKey(config, true);
  if (!hash_key) {
    return PartFailed("query hash key", hash_key.error());
  }
  Result<Stores> stores = OpenStores(config);
  if (!stores) {
    return stores.error();
  }
  parts->stores = std::move(*stores);
  parts->store = parts->stores.decisions.get();
  storage::DecisionWriterOptions writer_options;
  writer_options.batch_max = static_cast<std::size_t>(config.storage.writer_batch_max);
  writer_options.linger = config.storage.writer_linger;
  writer_options.posted_linger = config.storage.writer_background_linger;
  parts->writer = std::make_unique<storage::DecisionWriter>(*parts->store, writer_options);
  {
    const storage::DecisionWriterCounters* counters = &parts->writer->counters();
    parts->metrics->decision_writer_queue_depth.SetCallback({}, [counters] {
      return static_cast<double>(counters->queue_depth.load(std::memory_order_relaxed));
    });
    parts->metrics->decision_writer_batches.SetCallback({"written"}, [counters] {
      return static_cast<double>(counters->batches_written.load(std::memory_order_relaxed));
    });
    parts->metrics->decision_writer_batches.SetCallback({"failed"}, [counters] {
      return static_cast<double>(counters->batches_failed.load(std::memory_order_relaxed));
    });
  }

  // Governance: keys, orgs, audit. At first start an admin key is created: the secret from
  // AMAIMA_ADMIN_API_KEY, or a generated one printed once.
  parts->governance_store = parts->stores.governance.get();
  parts->keys = std::make_unique<governance::ApiKeyAuthenticator>(
      *parts->governance_store, parts->clock, std::chrono::seconds(5));
  parts->governance = std::make_unique<governance::Governance>(
      *parts->governance_store, *parts->keys, *parts->ids, parts->clock);
  parts->audit_queue = std::make_unique<governance::AuditQueue>(
      *parts->governance_store, *parts->ids, parts->clock, governance::AuditQueue::kDefaultBatchMax,
      config.storage.writer_background_linger);
  {
    // NOLINTNEXTLINE(concurrency-mt-unsafe): read at start-up, before any thread starts.
    const char* chosen = std::getenv("AMAIMA_ADMIN_API_KEY");
    Result<std::string> generated = parts->governance->Bootstrap(chosen == nullptr ? "" : chosen);
    if (!generated) {
      return PartFailed("bootstrap admin key", generated.error());
    }
    if (!generated->empty()) {
      // Printed once, to the terminal of the first start; only its hash is stored.
      std::fprintf(stderr,
                   "\nFirst start: an admin API key was created for organisation 'default'.\n"
                   "It is shown only now; store it safely:\n\n    %s\n\n",
                   generated->c_str());
    }
  }

  // Users' sessions: password logins, JWT access tokens, rotating refresh tokens.
  if (!config.redis.url.empty()) {
    Result<limits::RedisOptions> redis = limits::ParseRedisUrl(config.redis.url);
    if (!redis) {
      return PartFailed("redis.url", redis.error());
    }
    parts->redis = std::make_unique<limits::RedisClient>(std::move(*redis));
    if (Status reachable = parts->redis->Ping(); !reachable) {
      return PartFailed("redis", reachable.error());
    }
    limits::RedisRateLimiterOptions limiter_options;
    limiter_options.key_prefix = config.redis.key_prefix;
    parts->rate_limiter =
        std::make_unique<limits::RedisRateLimiter>(*parts->redis, parts->clock, limiter_options);
  } else {
    parts->rate_limiter = std::make_unique<limits::InProcessRateLimiter>(parts->clock);
  }
  {
    Result<governance::SessionKeys> keys = LoadSessionKeys(config);
    if (!keys) {
      return PartFailed("session keys", keys.error());
    }
    Result<auth::PasswordHasher> hasher = auth::PasswordHasher::Create(auth::Argon2idParams{});
    if (!hasher) {
      return PartFailed("password hasher", hasher.error());
    }
    if (parts->redis) {
      limits::RedisRevocationListOptions revocation_options;
      revocation_options.key_prefix = config.redis.key_prefix;
      parts->revoked_tokens = std::make_unique<limits::RedisRevocationList>(
          *parts->redis, parts->clock, revocation_options);
    } else {
      parts->revoked_tokens = std::make_unique<limits::InProcessRevocationList>(parts->clock);
    }
    governance::SessionOptions session_options;
    session_options.issuer = config.auth.issuer;
    session_options.access_ttl = config.auth.access_token_ttl;
    session_options.refresh_ttl = config.auth.refresh_token_ttl;
    session_options.login_rules = {
        {"minute", config.auth.login_attempts_per_minute, std::chrono::minutes(1), 1.0},
        {"hour", config.auth.login_attempts_per_hour, std::chrono::hours(1), 1.0}};
    parts->sessions = std::make_unique<governance::Sessions>(
        *parts->stores.users, *parts->governance_store, *parts->governance, std::move(*hasher),
        std::move(*keys), *parts->revoked_tokens, parts->rate_limiter.get(), *parts->ids,
        parts->clock, std::move(session_options));
  }

  const routing::DeviceProfile device = routing::DetectDeviceProfile();
  auto router = BuildRouter(config, device, *hash_key, *parts->ids, parts->clock);
  if (!router) {
    return router.error();
  }
  parts->router = std::move(*router);
  parts->decision_feed = std::make_unique<api::DecisionFeed>();
  parts->recorder =
      std::make_unique<StoreDecisionRecorder>(*parts->writer, config.telemetry.store_prompts,
                                              parts->decision_feed.get(), parts->metrics.get());
  {
    auto budgets = BuildBudgets({parts->config, *parts->stores.budgets, parts->redis.get(),
                                 parts->clock, *parts->ids, *parts->blocking_pool,
                                 *parts->governance, *parts->governance_store, *parts->metrics,
                                 *parts->logger, device.memory_total_gb});
    if (!budgets) {
      return PartFailed("budgets", budgets.error());
    }
    parts->budgets = std::move(*budgets);
  }
  Services services{*parts->router, *parts->recorder, parts->budgets->gate.get()};
  parts->pipeline = std::make_unique<pipeline::Pipeline>(BuildPipeline(config, services));

  api::ServiceInfo info;
  info.version = AMAIMA_VERSION;
  info.router_model_version = parts->router->router_model_version();
  info.policy_version = config.router.policy_version;
  info.pricing_version = config.router.pricing_version;
  info.execution_mode = config.execution.mode;
  info.device = device;
  if (config.execution.mode == config::ExecutionMode::kExecutionEnabled) {
    auto registry = providers::ProviderRegistry::Create(parts->config, parts->clock);
    if (!registry) {
      return PartFailed("providers", registry.error());
    }
    parts->providers = std::move(*registry);
    parts->executor = std::make_unique<providers::Executor>(*parts->providers);
    for (const auto& [name, breaker] : parts->providers->breakers()) {
      parts->metrics->provider_circuit_state.SetCallback(
          {name}, [breaker = breaker] { return CircuitValue(breaker->state()); });
    }
    parts->usage = std::make_unique<StoreUsageRecorder>(*parts->writer, parts->metrics.get(),
                                                        parts->audit_queue.get());
    parts->execution = std::make_unique<pipeline::ExecutionHandler>(parts->config, *parts->executor,
                                                                    *parts->usage, parts->clock);
  }
  api::V1Execution v1_execution{parts->execution.get(), parts->router.get(),
                                parts->budgets->gate.get()};
  parts->v1 = std::make_unique<api::V1Api>(*parts->pipeline, *parts->store, *parts->blocking_pool,
                                           parts->clock, std::move(info), v1_execution);
  parts->openai = std::make_unique<api::OpenAiApi>(parts->config, *parts->pipeline,
                                                   parts->execution.get(), parts->executor.get(),
                                                   parts->clock, parts->budgets->gate.get());
  parts->routes = std::make_unique<http::RouteTable>();
  parts->v1->Register(*parts->routes);
  parts->openai->Register(*parts->routes);
  // The Anthropic-compatible surface (POST /v1/messages), executing through the same handler.
  parts->anthropic = std::make_unique<api::AnthropicApi>(parts->config, *parts->pipeline,
                                                         parts->execution.get(), parts->clock);
  parts->anthropic->Register(*parts->routes);

  // The WebSocket surface (GET /v1/ws): queries with cancellation, and the live feed of
  // recorded decisions. Executes through the same handler when execution is enabled.
  api::WsStreamOpener ws_open_stream;
  if (parts->execution) {
    const pipeline::ExecutionHandler* execution = parts->execution.get();
    ws_open_stream = [execution](pipeline::Exchange& exchange, providers::ChatRequest request) {
      return execution->Stream(exchange, std::move(request), pipeline::kSurfaceWebSocket);
    };
  }
  parts->ws = std::make_unique<api::WsApi>(*parts->pipeline, *parts->decision_feed, *parts->ids,
                                           parts->clock, std::move(ws_open_stream));
  parts->ws->Register(*parts->routes);
  parts->admin = std::make_unique<api::AdminApi>(*parts->governance, *parts->blocking_pool);
  parts->admin->Register(*parts->routes);
  parts->budgets->api->Register(*parts->routes);
  parts->auth_api = std::make_unique<api::AuthApi>(*parts->sessions, *parts->blocking_pool);
  parts->auth_api->Register(*parts->routes);

  http::HttpServerOptions http_options;
  http_options.host = config.server.host;
  http_options.port = config.server.port;
  http_options.body_limit_bytes = config.server.request_size_limit_bytes;
  http_options.idle_timeout = config.server.idle_timeout;
  http_options.request_timeout = config.server.request_timeout;
  {
    const config::RateLimitingConfig& rates = config.api.rate_limiting;
    RateLimits limits;
    const auto rules = [&rates](double per_minute, double per_hour) {
      return std::vector<limits::RateLimitRule>{
          {"minute", per_minute, std::chrono::minutes(1), rates.burst_multiplier},
          {"hour", per_hour, std::chrono::hours(1), rates.burst_multiplier}};
    };
    limits.per_principal =
        rules(rates.default_requests_per_minute, rates.default_requests_per_hour);
    limits.per_address = rules(rates.ip_requests_per_minute, rates.ip_requests_per_hour);
    parts->admission = std::make_unique<RequestAdmission>(
        *parts->keys, parts->sessions.get(), *parts->blocking_pool,
        rates.enabled ? parts->rate_limiter.get() : nullptr,
        /*limiter_blocks=*/parts->redis != nullptr, std::move(limits));
    const RequestAdmission* admission = parts->admission.get();
    http_options.authenticator = [admission](http::HttpRequest& request) {
      return admission->Admit(request);
    };
  }
  {
    const Parts* p = parts.get();
    parts->routes->Add("GET", "/metrics", Permission::kReadAnalytics,
                       [p](http::HttpRequest& /*request*/) {
                         return ServeMetrics(&p->metrics_registry, p->metrics.get(), p->http.get());
                       });
  }
  auto console = MountConsole(config.console, *parts->routes, *parts->logger);
  if (!console) {
    return PartFailed("web console", console.error());
  }
  parts->console = std::move(*console);
  telemetry::Logger* access_log = config.observability.access_log ? parts->logger.get() : nullptr;
  const telemetry::GatewayMetrics* metrics = parts->metrics.get();
  http::ResponseObserver observer =
      [metrics, access_log](const http::HttpRequest& request, const http::HttpResponse& response,
                            std::chrono::steady_clock::duration elapsed) {
        ObserveResponse(*metrics, access_log, request, response, elapsed);
      };
  auto http = http::HttpServer::Create(*parts->io, parts->lanes, http_options, *parts->routes,
                                       *parts->ids, std::move(observer));
  if (!http) {
    return PartFailed("listener", http.error());
  }
  parts->http = std::move(*http);
  return std::unique_ptr<Server>(new Server(std::move(parts)));
}

int Server::Run() {
  Parts& p = *parts_;
  net::signal_set signals(*p.io, SIGINT, SIGTERM);
  signals.async_wait([&p](const boost::system::error_code& ec, int signal_number) {
    if (ec) {
      return;
    }
    p.logger->Info("signal received", {{"signal", std::to_string(signal_number)}});
    net::co_spawn(*p.io,
                  Shutdown(*p.http, *p.writer, *p.blocking_pool, *p.io, *p.logger,
                           p.config.server.shutdown_deadline),
                  net::detached);
  });
  p.http->Start();
  if (!p.options.ready_file.empty()) {
    if (Status ready = WriteReadyFile(p.options.ready_file, p.http->port()); !ready) {
      p.logger->Error("cannot write ready file", {{"error", ready.error().message}});
      return 1;
    }
  }
  p.logger->Info("listening",
                 {{"host", p.config.server.host},
                  {"port", std::to_string(p.http->port())},
                  {"execution_mode", config::ExecutionModeName(p.config.execution.mode)},
                  {"data_dir", p.config.storage.data_dir},
                  {"router_model", p.router->router_model_version()},
                  {"io_threads", std::to_string(p.io_threads)},
                  {"config", p.config.source}});
  // The extra lanes wait for connections until Shutdown() has stopped the first lane.
  using WorkGuard = net::executor_work_guard<net::io_context::executor_type>;
  std::vector<WorkGuard> guards;
  std::vector<std::thread> threads;
  for (const auto& lane : p.extra_lanes) {
    guards.push_back(net::make_work_guard(*lane));
    threads.emplace_back([lane = lane.get()] { lane->run(); });
  }
  p.io->run();
  // Every connection has ended (Shutdown() drained them); what a lane still holds, such
  // as idle pooled upstream connections, goes with it.
  for (std::size_t i = 0; i < threads.size(); ++i) {
    guards[i].reset();
    p.extra_lanes[i]->stop();
    threads[i].join();
  }
  p.blocking_pool->join();
  return 0;
}

}  // namespace amaima::server
