#include "amaima/config/config_schema.h"

#include <array>
#include <cstdint>
#include <limits>
#include <string>
#include <string_view>

namespace amaima::config::internal {
namespace {

constexpr double kInfinity = std::numeric_limits<double>::infinity();
constexpr std::int64_t kMaxInt = std::numeric_limits<std::int64_t>::max();
constexpr std::int64_t kOneDayMs = 24LL * 60 * 60 * 1000;

constexpr std::array<std::string_view, 2> kModeNames = {"decision-only", "execution-enabled"};
constexpr std::array<ExecutionMode, 2> kModeValues = {ExecutionMode::kDecisionOnly,
                                                      ExecutionMode::kExecutionEnabled};
constexpr std::array<std::string_view, 4> kLogLevelNames = {"debug", "info", "warning", "error"};
constexpr std::array<LogLevel, 4> kLogLevelValues = {LogLevel::kDebug, LogLevel::kInfo,
                                                     LogLevel::kWarning, LogLevel::kError};
constexpr std::array<std::string_view, 2> kLogFormatNames = {"json", "text"};
constexpr std::array<LogFormat, 2> kLogFormatValues = {LogFormat::kJson, LogFormat::kText};
constexpr std::array<std::string_view, 2> kSynchronousNames = {"full", "normal"};
constexpr std::array<std::string_view, 2> kBudgetActionNames = {"reject", "downgrade"};
constexpr std::array<std::string_view, 2> kJwtAlgorithmNames = {"HS256", "RS256"};
constexpr std::array<std::string_view, 4> kProviderNames = {"openai", "anthropic", "gemini",
                                                            "ollama"};
constexpr std::array<std::string_view, 5> kCapabilityNames = {"chat", "embeddings", "vision",
                                                              "tools", "json_mode"};
constexpr std::array<std::string_view, 5> kLevels = {kLevelNames[0], kLevelNames[1], kLevelNames[2],
                                                     kLevelNames[3], kLevelNames[4]};
// security_min_level may also be empty (no escalation).
constexpr std::array<std::string_view, 6> kLevelsOrNone = {
    "", kLevelNames[0], kLevelNames[1], kLevelNames[2], kLevelNames[3], kLevelNames[4]};

const FieldTable<ServerConfig>& ServerFields() {
  static const FieldTable<ServerConfig> kFields = {
      StringField("host", &ServerConfig::host, /*allow_empty=*/false),
      IntegerField("port", &ServerConfig::port, 1, 65535),
      IntegerField("io_threads", &ServerConfig::io_threads, 0, 1024),
      IntegerField("blocking_threads", &ServerConfig::blocking_threads, 1, 1024),
      ByteSizeField("request_size_limit", &ServerConfig::request_size_limit_bytes, 1,
                    std::uint64_t{1} << 32),
      MillisField("shutdown_deadline_ms", &ServerConfig::shutdown_deadline, 0, kOneDayMs),
      MillisField("idle_timeout_ms", &ServerConfig::idle_timeout, 1, kOneDayMs),
      MillisField("request_timeout_ms", &ServerConfig::request_timeout, 1, kOneDayMs),
  };
  return kFields;
}

const FieldTable<ExecutionConfig>& ExecutionFields() {
  static const FieldTable<ExecutionConfig> kFields = {
      EnumField("mode", &ExecutionConfig::mode, std::span<const std::string_view>(kModeNames),
                std::span<const ExecutionMode>(kModeValues)),
  };
  return kFields;
}

const FieldTable<RateLimitingConfig>& RateLimitingFields() {
  static const FieldTable<RateLimitingConfig> kFields = {
      BoolField("enabled", &RateLimitingConfig::enabled),
      NumberField("default_requests_per_minute", &RateLimitingConfig::default_requests_per_minute,
                  {0.001, 1e9}),
      NumberField("default_requests_per_hour", &RateLimitingConfig::default_requests_per_hour,
                  {0.001, 1e9}),
      NumberField("ip_requests_per_minute", &RateLimitingConfig::ip_requests_per_minute,
                  {0.001, 1e9}),
      NumberField("ip_requests_per_hour", &RateLimitingConfig::ip_requests_per_hour, {0.001, 1e9}),
      NumberField("burst_multiplier", &RateLimitingConfig::burst_multiplier, {1.0, 1000.0}),
  };
  return kFields;
}

const FieldTable<ApiConfig>& ApiFields() {
  static const FieldTable<ApiConfig> kFields = {
      SectionField("rate_limiting", &ApiConfig::rate_limiting, RateLimitingFields()),
  };
  return kFields;
}

const FieldTable<BudgetsConfig>& BudgetsFields() {
  static const FieldTable<BudgetsConfig> kFields = {
      BoolField("enabled", &BudgetsConfig::enabled),
      IntegerField("default_max_tokens_estimate", &BudgetsConfig::default_max_tokens_estimate, 0,
                   10'000'000),
      BoolField("admins_bypass", &BudgetsConfig::admins_bypass),
      ChoiceField("default_action", &BudgetsConfig::default_action, kBudgetActionNames),
  };
  return kFields;
}

const FieldTable<StorageConfig>& StorageFields() {
  static const FieldTable<StorageConfig> kFields = {
      StringField("data_dir", &StorageConfig::data_dir, /*allow_empty=*/false),
      StringField("sqlite_path", &StorageConfig::sqlite_path),
      ChoiceField("sqlite_synchronous", &StorageConfig::sqlite_synchronous, kSynchronousNames),
      IntegerField("writer_batch_max", &StorageConfig::writer_batch_max, 1, 100000),
      MillisField("writer_linger_ms", &StorageConfig::writer_linger, 0, 60000),
      MillisField("writer_background_linger_ms", &StorageConfig::writer_background_linger, 0,
                  60000),
      StringField("postgres_url", &StorageConfig::postgres_url),
  };
  return kFields;
}

const FieldTable<AuthConfig>& AuthFields() {
  static const FieldTable<AuthConfig> kFields = {
      ChoiceField("jwt_algorithm", &AuthConfig::jwt_algorithm, kJwtAlgorithmNames),
      StringField("jwt_secret", &AuthConfig::jwt_secret),
      StringField("jwt_private_key_file", &AuthConfig::jwt_private_key_file),
      StringField("jwt_public_key_file", &AuthConfig::jwt_public_key_file),
      StringField("issuer", &AuthConfig::issuer, /*allow_empty=*/false),
      MillisField("access_token_ttl_ms", &AuthConfig::access_token_ttl, 1000, kOneDayMs),
      MillisField("refresh_token_ttl_ms", &AuthConfig::refresh_token_ttl, 1000, 366 * kOneDayMs),
      NumberField("login_attempts_per_minute", &AuthConfig::login_attempts_per_minute,
                  {0.001, 1e9}),
      NumberField("login_attempts_per_hour", &AuthConfig::login_attempts_per_hour, {0.001, 1e9}),
  };
  return kFields;
}

const FieldTable<RedisConfig>& RedisFields() {
  static const FieldTable<RedisConfig> kFields = {
      StringField("url", &RedisConfig::url),
      StringField("key_prefix", &RedisConfig::key_prefix),
  };
  return kFields;
}

const FieldTable<TelemetryConfig>& TelemetryFields() {
  static const FieldTable<TelemetryConfig> kFields = {
      BoolField("store_prompts", &TelemetryConfig::store_prompts),
      StringField("query_hash_key", &TelemetryConfig::query_hash_key),
  };
  return kFields;
}

const FieldTable<ObservabilityConfig>& ObservabilityFields() {
  static const FieldTable<ObservabilityConfig> kFields = {
      EnumField("log_level", &ObservabilityConfig::log_level,
                std::span<const std::string_view>(kLogLevelNames),
                std::span<const LogLevel>(kLogLevelValues)),
      EnumField("log_format", &ObservabilityConfig::log_format,
                std::span<const std::string_view>(kLogFormatNames),
                std::span<const LogFormat>(kLogFormatValues)),
      BoolField("access_log", &ObservabilityConfig::access_log),
  };
  return kFields;
}

const FieldTable<ConsoleConfig>& ConsoleFields() {
  static const FieldTable<ConsoleConfig> kFields = {
      BoolField("enabled", &ConsoleConfig::enabled),
      StringField("dir", &ConsoleConfig::dir),
  };
  return kFields;
}

const FieldTable<ProviderConfig>& ProviderFields() {
  static const FieldTable<ProviderConfig> kFields = {
      Required(ChoiceField("type", &ProviderConfig::type, kProviderNames)),
      Required(StringField("base_url", &ProviderConfig::base_url, /*allow_empty=*/false)),
      StringField("api_key", &ProviderConfig::api_key),
      MillisField("connect_timeout_ms", &ProviderConfig::connect_timeout, 1, kOneDayMs),
      MillisField("read_timeout_ms", &ProviderConfig::read_timeout, 1, kOneDayMs),
      MillisField("total_timeout_ms", &ProviderConfig::total_timeout, 1, kOneDayMs),
      IntegerField("max_idle_connections", &ProviderConfig::max_idle_connections, 0, 100000),
      BoolField("verify_tls", &ProviderConfig::verify_tls),
      StringField("ca_file", &ProviderConfig::ca_file),
      IntegerField("max_attempts", &ProviderConfig::max_attempts, 1, 20),
      MillisField("backoff_base_ms", &ProviderConfig::backoff_base, 0, kOneDayMs),
      MillisField("backoff_max_ms", &ProviderConfig::backoff_max, 0, kOneDayMs),
      IntegerField("breaker_failure_threshold", &ProviderConfig::breaker_failure_threshold, 1,
                   1000000),
      MillisField("breaker_open_ms", &ProviderConfig::breaker_open, 1, kOneDayMs),
      IntegerField("breaker_half_open_probes", &ProviderConfig::breaker_half_open_probes, 1, 1000),
  };
  return kFields;
}

const FieldTable<ModelConfig>& ModelFields() {
  static const FieldTable<ModelConfig> kFields = {
      Required(ChoiceField("provider", &ModelConfig::provider, kProviderNames)),
      StringField("upstream", &ModelConfig::upstream),
      Required(StringField("upstream_model", &ModelConfig::upstream_model, false)),
      Required(IntegerField("context_window", &ModelConfig::context_window, 1, kMaxInt)),
      IntegerField("max_output_tokens", &ModelConfig::max_output_tokens, 0, kMaxInt),
      Required(StringListField("capabilities", &ModelConfig::capabilities, kCapabilityNames)),
      NumberField("input_price_per_1m", &ModelConfig::input_price_per_1m, {0.0, kInfinity}),
      NumberField("output_price_per_1m", &ModelConfig::output_price_per_1m, {0.0, kInfinity}),
      NumberField("typical_latency_ms", &ModelConfig::typical_latency_ms, {0.0, kInfinity}),
      NumberField("output_tokens_per_second", &ModelConfig::output_tokens_per_second,
                  {0.0, kInfinity, /*min_exclusive=*/true}),
      BoolField("local", &ModelConfig::local),
      NumberField("min_memory_gb", &ModelConfig::min_memory_gb, {0.0, kInfinity}),
  };
  return kFields;
}

// Checks that a map key is a level name; reports it otherwise.
bool IsLevelKey(BindContext& ctx, const std::string& key, const std::string& key_path) {
  for (std::string_view level : kLevels) {
    if (key == level)
      return true;
  }
  ctx.Error(key_path, "unknown level \"" + key
                          + "\" (expected TRIVIAL, SIMPLE, MODERATE, COMPLEX or EXPERT)");
  return false;
}

const FieldTable<StrongWeakConfig>& StrongWeakFields() {
  static const FieldTable<StrongWeakConfig> kFields = {
      StringField("strong_model", &StrongWeakConfig::strong_model),
      StringField("weak_model", &StrongWeakConfig::weak_model),
      NumberField("threshold", &StrongWeakConfig::threshold, {0.0, 1.0}),
      StringField("model_path", &StrongWeakConfig::model_path),
  };
  return kFields;
}

const FieldTable<RouterConfig>& RouterFields() {
  static const FieldTable<RouterConfig> kFields = {
      StringField("model_path", &RouterConfig::model_path),
      StringField("models_dir", &RouterConfig::models_dir),
      StringField("policy_version", &RouterConfig::policy_version, false),
      StringField("pricing_version", &RouterConfig::pricing_version, false),
      {"model_mapping",
       [](BindContext& ctx, const YAML::Node& node, const std::string& path, RouterConfig& out) {
         ForEachEntry(
             ctx, node, path,
             [&](const std::string& key, const YAML::Node& value, const std::string& key_path) {
               if (!IsLevelKey(ctx, key, key_path))
                 return;
               if (auto model = ReadString(ctx, value, key_path, false)) {
                 out.model_mapping[key] = *model;
               }
             });
       }},
      {"fallback_chains",
       [](BindContext& ctx, const YAML::Node& node, const std::string& path, RouterConfig& out) {
         ForEachEntry(
             ctx, node, path,
             [&](const std::string& key, const YAML::Node& value, const std::string& key_path) {
               if (auto chain = ReadStringList(ctx, value, key_path, {})) {
                 out.fallback_chains[key] = *chain;
               }
             });
       }},
      NumberField("borderline_margin", &RouterConfig::borderline_margin, {0.0, 1.0}),
      ChoiceField("security_min_level", &RouterConfig::security_min_level, kLevelsOrNone),
      {"expected_output_tokens",
       [](BindContext& ctx, const YAML::Node& node, const std::string& path, RouterConfig& out) {
         ForEachEntry(
             ctx, node, path,
             [&](const std::string& key, const YAML::Node& value, const std::string& key_path) {
               if (!IsLevelKey(ctx, key, key_path))
                 return;
               if (auto tokens = ReadInteger(ctx, value, key_path, 1, 10'000'000)) {
                 out.expected_output_tokens[key] = *tokens;
               }
             });
       }},
      SectionField("strong_weak", &RouterConfig::strong_weak, StrongWeakFields()),
  };
  return kFields;
}

void BindProviders(BindContext& ctx, const YAML::Node& node, const std::string& path, Config& out) {
  ForEachEntry(ctx, node, path,
               [&](const std::string& key, const YAML::Node& value, const std::string& key_path) {
                 ProviderConfig provider;
                 provider.name = key;
                 BindStruct(ctx, value, key_path, ProviderFields(), provider);
                 out.providers[key] = std::move(provider);
               });
}

// The public endpoints of each wire format, used when a config has no `providers:`
// section (the same entries as config/amaima.yaml).
constexpr std::string_view kDefaultProviders = R"(
openai: {type: openai, base_url: "https://api.openai.com/v1", api_key: "${OPENAI_API_KEY:-}"}
anthropic: {type: anthropic, base_url: "https://api.anthropic.com",
            api_key: "${ANTHROPIC_API_KEY:-}"}
gemini: {type: gemini, base_url: "https://generativelanguage.googleapis.com",
         api_key: "${GEMINI_API_KEY:-}"}
ollama: {type: ollama, base_url: "${OLLAMA_BASE_URL:-http://127.0.0.1:11434}"}
)";

const FieldTable<Config>& RootFields() {
  static const FieldTable<Config> kFields = {
      SectionField("server", &Config::server, ServerFields()),
      SectionField("execution", &Config::execution, ExecutionFields()),
      SectionField("api", &Config::api, ApiFields()),
      SectionField("budgets", &Config::budgets, BudgetsFields()),
      SectionField("storage", &Config::storage, StorageFields()),
      SectionField("auth", &Config::auth, AuthFields()),
      SectionField("redis", &Config::redis, RedisFields()),
      SectionField("telemetry", &Config::telemetry, TelemetryFields()),
      SectionField("observability", &Config::observability, ObservabilityFields()),
      SectionField("console", &Config::console, ConsoleFields()),
      SectionField("router", &Config::router, RouterFields()),
      {"providers", BindProviders},
      {"models",
       [](BindContext& ctx, const YAML::Node& node, const std::string& path, Config& out) {
         ForEachEntry(
             ctx, node, path,
             [&](const std::string& key, const YAML::Node& value, const std::string& key_path) {
               ModelConfig model;
               model.name = key;
               BindStruct(ctx, value, key_path, ModelFields(), model);
               out.models[key] = std::move(model);
             });
       }},
  };
  return kFields;
}

}  // namespace

void BindConfig(BindContext& ctx, const YAML::Node& root, Config& config) {
  BindStruct(ctx, root, "", RootFields(), config);
  if (!(root.IsMap() && root["providers"])) {
    BindProviders(ctx, YAML::Load(std::string(kDefaultProviders)), "providers", config);
  }
}

}  // namespace amaima::config::internal
