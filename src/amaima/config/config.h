#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

// Immutable configuration, built once by LoadConfig() (config_loader.h) from
// YAML, ${VAR} expansion and AMAIMA_SECTION__KEY environment overrides, then
// validated. Every struct field here has a YAML key of the same name, except that
// std::chrono::milliseconds fields take the suffix `_ms` (`shutdown_deadline_ms: 10000`)
// and request_size_limit_bytes is `request_size_limit` ("1mb", "512kb", 1048576).
// The shipped config/amaima.yaml documents each one. Plain structs: no behaviour
// beyond defaulted equality.
namespace amaima::config {

// The five complexity levels, in order. Index 0 is TRIVIAL.
inline constexpr std::array<const char*, 5> kLevelNames = {"TRIVIAL", "SIMPLE", "MODERATE",
                                                           "COMPLEX", "EXPERT"};

enum class ExecutionMode : std::uint8_t {
  kDecisionOnly,      // "decision-only": decide and record, never call a model.
  kExecutionEnabled,  // "execution-enabled": decide, then execute.
};

enum class LogFormat : std::uint8_t { kJson, kText };

enum class LogLevel : std::uint8_t { kDebug, kInfo, kWarning, kError };

// `server:` — the HTTP listener and its threads.
struct ServerConfig {
  std::string host{"127.0.0.1"};
  std::uint16_t port{8000};
  int io_threads{0};  // 0 = one per core.
  int blocking_threads{2};
  std::uint64_t request_size_limit_bytes{1U << 20};  // YAML accepts "1mb", "512kb", 1048576.
  std::chrono::milliseconds shutdown_deadline{10000};
  std::chrono::milliseconds idle_timeout{60000};  // Keep-alive connections idle longer are closed.
  std::chrono::milliseconds request_timeout{30000};  // Reading one request's header and body.

  bool operator==(const ServerConfig&) const = default;
};

// `api.rate_limiting:` — token buckets (DESIGN.md §8). Every authenticated request takes one
// token from its key's bucket (and its user's, for a user's token), each with a per-minute
// and a per-hour rule; every request to a protected route, credentials valid or not, also
// takes one from its client address's bucket, which throttles key guessing. A bucket holds
// `burst_multiplier` times its rate.
struct RateLimitingConfig {
  bool enabled{true};
  double default_requests_per_minute{60};
  double default_requests_per_hour{1000};
  double ip_requests_per_minute{600};
  double ip_requests_per_hour{20000};
  double burst_multiplier{2.0};

  bool operator==(const RateLimitingConfig&) const = default;
};

// `api:` — limits of the public API.
struct ApiConfig {
  RateLimitingConfig rate_limiting{};

  bool operator==(const ApiConfig&) const = default;
};

// `execution:` — what happens after a decision.
struct ExecutionConfig {
  ExecutionMode mode{ExecutionMode::kDecisionOnly};  // "decision-only" | "execution-enabled"

  bool operator==(const ExecutionConfig&) const = default;
};

// `budgets:` — spending caps per organisation, API key and user (DESIGN.md §8,
// docs/governance.md "Budgets"). The caps themselves are data (PUT /v1/admin/budgets); these
// keys say how they are enforced.
struct BudgetsConfig {
  bool enabled{true};  // false: no request is charged to any budget.
  // Output tokens assumed for the reservation of a request that sets no max_tokens;
  // 0 = router.expected_output_tokens of the decision's routed level.
  std::int64_t default_max_tokens_estimate{0};
  bool admins_bypass{false};             // Admin keys and users are not charged.
  std::string default_action{"reject"};  // Of a budget created without one: reject | downgrade.

  bool operator==(const BudgetsConfig&) const = default;
};

// `storage:` — where durable records live.
struct StorageConfig {
  std::string data_dir{"./data"};  // Created if missing.
  std::string sqlite_path{};       // Empty = <data_dir>/amaima.db.
  // SQLite synchronous mode for the WAL: "full" survives power loss, "normal" survives
  // process crashes (kill -9) only.
  std::string sqlite_synchronous{"full"};
  int writer_batch_max{256};                   // Records per write transaction, at most.
  std::chrono::milliseconds writer_linger{0};  // Extra wait to fill a batch; 0 = none.
  // The same wait when no answer waits for the batch (decisions of executed requests,
  // executions, audit rows): larger transactions; 0 = none.
  std::chrono::milliseconds writer_background_linger{0};
  // PostgreSQL connection URL (postgres://user:password@host:port/db). Non-empty = every
  // store lives in PostgreSQL instead of SQLite, so that several replicas share them.
  std::string postgres_url{};

  bool operator==(const StorageConfig&) const = default;
};

// `auth:` — users' sessions (DESIGN.md §8): JWT access tokens and rotating refresh tokens,
// and the throttling of password logins.
struct AuthConfig {
  std::string jwt_algorithm{"HS256"};  // "HS256" | "RS256"
  // HS256 shared secret, at least 32 bytes. Empty = a random one generated on first start and
  // kept in <data_dir>/jwt_hs256.key (replicas must then be given one explicitly).
  std::string jwt_secret{};
  std::string jwt_private_key_file{};  // RS256: PEM private key; signs and verifies.
  std::string jwt_public_key_file{};   // RS256: PEM public key; verifies only (no logins).
  std::string issuer{"amaima"};
  std::chrono::milliseconds access_token_ttl{15LL * 60 * 1000};
  std::chrono::milliseconds refresh_token_ttl{30LL * 24 * 60 * 60 * 1000};
  // Login attempts per email and per client address, each per minute and per hour.
  double login_attempts_per_minute{5};
  double login_attempts_per_hour{30};

  bool operator==(const AuthConfig&) const = default;
};

// `redis:` — shared state of several replicas: rate-limit buckets, budget reservations and
// revoked token ids. Empty url = in-process (per replica).
struct RedisConfig {
  std::string url{};  // redis://[:password@]host:port[/db]
  std::string key_prefix{"amaima:"};

  bool operator==(const RedisConfig&) const = default;
};

// `telemetry:` — privacy of stored decisions.
struct TelemetryConfig {
  bool store_prompts{false};  // Store raw query text next to the decision.
  // Key for the keyed query hash (HMAC-SHA-256). Empty = a random key generated on
  // first start and kept in <data_dir>/query_hash.key.
  std::string query_hash_key{};

  bool operator==(const TelemetryConfig&) const = default;
};

// `console:` — the web console served at `/`.
struct ConsoleConfig {
  bool enabled{true};
  // The built console (index.html and assets/); relative paths are relative to the working
  // directory. A missing directory leaves `/` unserved (a warning at start).
  std::string dir{"web/dist"};

  bool operator==(const ConsoleConfig&) const = default;
};

// `observability:` — logs (metrics and tracing come with their issues).
struct ObservabilityConfig {
  LogLevel log_level{LogLevel::kInfo};     // "debug" | "info" | "warning" | "error"
  LogFormat log_format{LogFormat::kJson};  // "json" | "text"
  bool access_log{false};                  // One log line per request.

  bool operator==(const ObservabilityConfig&) const = default;
};

// One entry of `providers:` — an upstream endpoint that serves models, keyed by its name.
struct ProviderConfig {
  std::string name{};      // The map key; filled by the loader.
  std::string type{};      // Wire format: "openai" | "anthropic" | "gemini" | "ollama"
  std::string base_url{};  // e.g. "https://api.openai.com/v1", "http://127.0.0.1:11434"
  std::string api_key{};   // Usually "${OPENAI_API_KEY:-}"; empty = send none.
  std::chrono::milliseconds connect_timeout{10000};  // Connect + TLS handshake.
  std::chrono::milliseconds read_timeout{60000};     // Longest silence while reading.
  std::chrono::milliseconds total_timeout{300000};   // One attempt, start to last byte.
  int max_idle_connections{64};                      // Keep-alive connections kept idle.
  bool verify_tls{true};
  std::string ca_file{};  // PEM bundle to trust instead of the system's; empty = system.
  // Attempts per model (1 = no retry) on 429, 5xx, resets and timeouts, before the
  // first byte reached the client. Backoff is exponential with full jitter.
  int max_attempts{3};
  std::chrono::milliseconds backoff_base{200};
  std::chrono::milliseconds backoff_max{5000};
  // Circuit breaker: this many consecutive failures open it; after `breaker_open`
  // it lets `breaker_half_open_probes` requests through to test the upstream.
  int breaker_failure_threshold{5};
  std::chrono::milliseconds breaker_open{30000};
  int breaker_half_open_probes{1};

  bool operator==(const ProviderConfig&) const = default;
};

// One entry of `models:` — the model catalog, keyed by the catalog name.
struct ModelConfig {
  std::string name{};      // The map key; filled by the loader.
  std::string provider{};  // "openai" | "anthropic" | "gemini" | "ollama"
  // The `providers:` entry that serves it; empty = the entry named like `provider`.
  std::string upstream{};
  std::string upstream_model{};       // The provider's own model name.
  std::int64_t context_window{0};     // Tokens (input + output).
  std::int64_t max_output_tokens{0};  // 0 = limited by context_window only.
  // Subset of "chat", "embeddings", "vision", "tools", "json_mode".
  std::vector<std::string> capabilities{};
  double input_price_per_1m{0.0};   // USD per 1M input tokens.
  double output_price_per_1m{0.0};  // USD per 1M output tokens.
  double typical_latency_ms{0.0};   // Time to first token, typical.
  double output_tokens_per_second{50.0};
  bool local{false};          // Runs on this machine (Ollama, embedded).
  double min_memory_gb{0.0};  // For local models: memory needed to serve it.

  bool operator==(const ModelConfig&) const = default;
};

// `router:` — classification and policy.
// The strong-vs-weak policy option (DESIGN.md §4, docs/routing.md): with both models
// set, a query goes to strong_model when the learned probability that the strong model
// is needed reaches `threshold`, else to weak_model (reason STRONG_WEAK_THRESHOLD).
// `amaima router calibrate` picks the threshold for a target share of strong calls.
struct StrongWeakConfig {
  std::string strong_model{};  // catalog model; empty = the option is off
  std::string weak_model{};    // catalog model
  double threshold{0.5};
  std::string model_path{};  // strong-vs-weak weights; empty = the built-in model

  bool enabled() const { return !strong_model.empty(); }

  bool operator==(const StrongWeakConfig&) const = default;
};

struct RouterConfig {
  // Weights file of the complexity classifier. Empty = the model built into the binary.
  std::string model_path{};
  // Model registry of `amaima router retrain|restore`: its active version is loaded instead of
  // the built-in model. Empty = unused. Exclusive with model_path.
  std::string models_dir{};
  std::string policy_version{"1.0.0"};
  std::string pricing_version{"2026-11"};
  // Level name -> catalog model name. Every level must be mapped.
  std::map<std::string, std::string> model_mapping{};
  // Catalog model name -> ordered fallbacks. A model without an entry gets a derived chain.
  std::map<std::string, std::vector<std::string>> fallback_chains{};
  // Top-two class probabilities closer than this mark the decision borderline.
  double borderline_margin{0.10};
  // Sensitive queries (code generation, system command, database, secrets, PII) are
  // routed at least to this level. Empty = no escalation.
  std::string security_min_level{"MODERATE"};
  // Expected output tokens per level name, used when the client sets no max_tokens.
  std::map<std::string, std::int64_t> expected_output_tokens{};
  StrongWeakConfig strong_weak{};

  bool operator==(const RouterConfig&) const = default;
};

// The whole configuration.
struct Config {
  std::string source{};  // Where it came from ("config/amaima.yaml", "<built-in>").
  ServerConfig server{};
  ExecutionConfig execution{};
  ApiConfig api{};
  BudgetsConfig budgets{};
  StorageConfig storage{};
  AuthConfig auth{};
  RedisConfig redis{};
  TelemetryConfig telemetry{};
  ObservabilityConfig observability{};
  ConsoleConfig console{};
  RouterConfig router{};
  std::map<std::string, ProviderConfig> providers{};
  std::map<std::string, ModelConfig> models{};

  bool operator==(const Config&) const = default;
};

// The `providers:` entry that serves `model` (its `upstream`, else its `provider`), or
// null when the catalog has none.
const ProviderConfig* ProviderFor(const Config& config, const ModelConfig& model);

// Returns "decision-only" or "execution-enabled".
const char* ExecutionModeName(ExecutionMode mode);

}  // namespace amaima::config
