#include "amaima/config/config_loader.h"

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <ostream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "amaima/config/config.h"

#include <yaml-cpp/yaml.h>

namespace amaima::config {
namespace {

using std::chrono::milliseconds;

// The smallest valid document: one chat model mapped at every level.
constexpr std::string_view kMinimal = R"(
models:
  m: {provider: openai, upstream_model: m, context_window: 1000, capabilities: [chat]}
router:
  model_mapping: {TRIVIAL: m, SIMPLE: m, MODERATE: m, COMPLEX: m, EXPERT: m}
  expected_output_tokens: {TRIVIAL: 1, SIMPLE: 1, MODERATE: 1, COMPLEX: 1, EXPERT: 1}
)";

// Returns kMinimal with `sections` (other top-level sections) in front of it.
std::string Minimal(std::string_view sections) {
  return std::string(sections) + std::string(kMinimal);
}

std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> lines;
  std::size_t start = 0;
  while (start <= text.size()) {
    const std::size_t end = std::min(text.find('\n', start), text.size());
    lines.push_back(text.substr(start, end - start));
    start = end + 1;
  }
  return lines;
}

// ---- Table-driven error cases: testdata/*.yaml ----------------------------------------

struct ErrorCase {
  std::string name;
  std::filesystem::path file;
};

// Names the case in test output instead of dumping its bytes.
void PrintTo(const ErrorCase& error_case, std::ostream* out) {
  *out << error_case.name;
}

std::vector<ErrorCase> ErrorCases() {
  std::vector<ErrorCase> cases;
  for (const auto& entry : std::filesystem::directory_iterator(AMAIMA_CONFIG_TESTDATA_DIR)) {
    if (entry.path().extension() == ".yaml") {
      cases.push_back({entry.path().stem().string(), entry.path()});
    }
  }
  std::sort(cases.begin(), cases.end(),
            [](const ErrorCase& a, const ErrorCase& b) { return a.name < b.name; });
  return cases;
}

class ConfigErrorCaseTest : public testing::TestWithParam<ErrorCase> {};

TEST_P(ConfigErrorCaseTest, ReportsExpectedProblems) {
  const YAML::Node spec = YAML::LoadFile(GetParam().file.string());
  Environment env;
  for (const auto& entry : spec["env"]) {
    env[entry.first.as<std::string>()] = entry.second.as<std::string>();
  }

  Result<Config> result = LoadConfigFromString(spec["config"].as<std::string>(), env, "case");

  ASSERT_FALSE(result.has_value()) << "loaded without error";
  const Error& error = result.error();
  EXPECT_EQ(error.code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(error.reason, "CONFIG_INVALID");
  const std::vector<std::string> lines = Lines(error.message);
  if (spec["count"]) {
    EXPECT_EQ(lines.size(), spec["count"].as<std::size_t>()) << error.message;
    EXPECT_EQ(error.details.size(), spec["count"].as<std::size_t>());
  }
  for (const auto& expect : spec["expect"]) {
    const std::string key = expect["key"].as<std::string>();
    const std::string message = expect["message"].as<std::string>();
    const std::string where = expect["where"] ? expect["where"].as<std::string>() : "";
    const bool found = std::any_of(lines.begin(), lines.end(), [&](const std::string& line) {
      const std::string prefix = ": " + key + ": ";
      const std::size_t at = line.find(prefix);
      return at != std::string::npos && line.find(message, at) != std::string::npos
             && (where.empty() || line.substr(0, at) == where);
    });
    EXPECT_TRUE(found) << "no line for " << (where.empty() ? "*" : where) << ": " << key << ": "
                       << message << "\nin:\n"
                       << error.message;
    EXPECT_TRUE(std::any_of(error.details.begin(), error.details.end(), [&](const auto& detail) {
      return detail.first == "key" && detail.second == key;
    })) << key;
  }
}

INSTANTIATE_TEST_SUITE_P(Testdata, ConfigErrorCaseTest, testing::ValuesIn(ErrorCases()),
                         [](const testing::TestParamInfo<ErrorCase>& param_info) {
                           std::string name = param_info.param.name;
                           std::replace(name.begin(), name.end(), '_', 'X');
                           return name;
                         });

// ---- The shipped and built-in configuration --------------------------------------------

TEST(ConfigLoaderTest, ShippedConfigLoadsCleanly) {
  Result<Config> config = LoadConfig({.path = AMAIMA_SHIPPED_CONFIG, .env = {}});

  ASSERT_TRUE(config.has_value()) << config.error().message;
  EXPECT_EQ(config->source, AMAIMA_SHIPPED_CONFIG);
  EXPECT_EQ(config->models.size(), 11U);
  EXPECT_EQ(config->router.model_mapping.at("EXPERT"), "claude-sonnet-4");
  EXPECT_DOUBLE_EQ(config->models.at("gpt-4o").input_price_per_1m, 2.50);
  EXPECT_TRUE(config->models.at("llama3.2:3b").local);
  EXPECT_EQ(config->models.at("llama3.2:3b").name, "llama3.2:3b");
  EXPECT_EQ(config->models.at("text-embedding-3-small").capabilities,
            std::vector<std::string>{"embeddings"});
}

TEST(ConfigLoaderTest, BuiltInConfigEqualsShippedFile) {
  Result<Config> built_in = LoadConfig({});
  Result<Config> shipped = LoadConfig({.path = AMAIMA_SHIPPED_CONFIG, .env = {}});

  ASSERT_TRUE(built_in.has_value()) << built_in.error().message;
  ASSERT_TRUE(shipped.has_value()) << shipped.error().message;
  EXPECT_EQ(built_in->source, "<built-in>");
  shipped->source = built_in->source;
  EXPECT_EQ(*built_in, *shipped);
}

TEST(ConfigLoaderTest, ShippedDefaultsEqualStructDefaults) {
  Result<Config> config = LoadConfig({});

  ASSERT_TRUE(config.has_value()) << config.error().message;
  EXPECT_EQ(config->server, ServerConfig{});
  EXPECT_EQ(config->execution, ExecutionConfig{});
  EXPECT_EQ(config->storage, StorageConfig{});
  EXPECT_EQ(config->telemetry, TelemetryConfig{});
  EXPECT_EQ(config->observability, ObservabilityConfig{});
  RouterConfig router = config->router;
  router.model_mapping.clear();
  router.fallback_chains.clear();
  router.expected_output_tokens.clear();
  EXPECT_EQ(router, RouterConfig{});
}

TEST(ConfigLoaderTest, MissingFileIsNotFound) {
  Result<Config> config = LoadConfig({.path = "/nonexistent/amaima.yaml", .env = {}});

  ASSERT_FALSE(config.has_value());
  EXPECT_EQ(config.error().code, ErrorCode::kNotFound);
  EXPECT_EQ(config.error().reason, "CONFIG_NOT_FOUND");
}

TEST(ConfigLoaderTest, OmittedKeysKeepStructDefaults) {
  Result<Config> config = LoadConfigFromString(kMinimal);

  ASSERT_TRUE(config.has_value()) << config.error().message;
  EXPECT_EQ(config->server, ServerConfig{});
  EXPECT_EQ(config->source, "<string>");
  EXPECT_DOUBLE_EQ(config->models.at("m").output_tokens_per_second, 50.0);
}

// ---- ${VAR} expansion ------------------------------------------------------------------

TEST(ConfigLoaderTest, ExpandsVariablesDefaultsAndEscapes) {
  const Environment env = {{"HOST", "0.0.0.0"}, {"EMPTY", ""}, {"PORT", "9001"}};
  const std::string yaml = Minimal(R"(
server:
  host: ${HOST}
  port: ${PORT:-8000}
storage:
  data_dir: ${DATA:-/var/lib/amaima}
  sqlite_path: ${EMPTY:-/tmp/a.db}
telemetry:
  query_hash_key: "a$$b${HOST}c pa$word $"
)");

  Result<Config> config = LoadConfigFromString(yaml, env);

  ASSERT_TRUE(config.has_value()) << config.error().message;
  EXPECT_EQ(config->server.host, "0.0.0.0");
  EXPECT_EQ(config->server.port, 9001);
  EXPECT_EQ(config->storage.data_dir, "/var/lib/amaima");
  EXPECT_EQ(config->storage.sqlite_path, "/tmp/a.db");  // ":-" also replaces empty.
  EXPECT_EQ(config->telemetry.query_hash_key, "a$b0.0.0.0c pa$word $");
}

// ---- Environment overrides -------------------------------------------------------------

constexpr std::string_view kCatalog = R"(
models:
  gpt-4o: {provider: openai, upstream_model: gpt-4o, context_window: 128000, capabilities: [chat]}
  "llama3.2:3b": {provider: ollama, upstream_model: "llama3.2:3b", context_window: 8192,
                  capabilities: [chat]}
router:
  model_mapping: {TRIVIAL: gpt-4o, SIMPLE: gpt-4o, MODERATE: gpt-4o, COMPLEX: gpt-4o}
  expected_output_tokens: {TRIVIAL: 1, SIMPLE: 1, MODERATE: 1, COMPLEX: 1, EXPERT: 1}
)";

TEST(ConfigLoaderTest, EnvironmentOverridesKeys) {
  const Environment env = {
      {"AMAIMA_SERVER__PORT", "9000"},
      {"AMAIMA_SERVER__HOST", "${NOT_EXPANDED}"},
      {"AMAIMA_MODELS__GPT_4O__INPUT_PRICE_PER_1M", "2.75"},
      {"AMAIMA_MODELS__LLAMA3_2_3B__LOCAL", "true"},
      {"AMAIMA_MODELS__GPT_4O__CAPABILITIES", "[chat, tools]"},
      {"AMAIMA_ROUTER__MODEL_MAPPING__EXPERT", "llama3.2:3b"},
      {"AMAIMA_ROUTER__FALLBACK_CHAINS__GPT_4O", "[llama3.2:3b]"},
      {"AMAIMA_OBSERVABILITY__LOG_LEVEL", "DEBUG"},
      {"AMAIMA_ADMIN_API_KEY", "ignored: no double underscore"},
      {"UNRELATED", "x"},
  };

  Result<Config> config = LoadConfigFromString(kCatalog, env);

  ASSERT_TRUE(config.has_value()) << config.error().message;
  EXPECT_EQ(config->server.port, 9000);
  EXPECT_EQ(config->server.host, "${NOT_EXPANDED}");
  EXPECT_DOUBLE_EQ(config->models.at("gpt-4o").input_price_per_1m, 2.75);
  EXPECT_TRUE(config->models.at("llama3.2:3b").local);
  EXPECT_EQ(config->models.at("gpt-4o").capabilities, (std::vector<std::string>{"chat", "tools"}));
  EXPECT_EQ(config->router.model_mapping.at("EXPERT"), "llama3.2:3b");
  EXPECT_EQ(config->router.fallback_chains.at("gpt-4o"), std::vector<std::string>{"llama3.2:3b"});
  EXPECT_EQ(config->observability.log_level, LogLevel::kDebug);
}

TEST(ConfigLoaderTest, ModelsDirComesFromYamlOrEnvironmentAndDefaultsToUnused) {
  Result<Config> unset = LoadConfigFromString(kMinimal, {});
  Result<Config> from_env =
      LoadConfigFromString(kMinimal, {{"AMAIMA_ROUTER__MODELS_DIR", "/var/lib/amaima/models"}});

  ASSERT_TRUE(unset.has_value()) << unset.error().message;
  ASSERT_TRUE(from_env.has_value()) << from_env.error().message;
  EXPECT_EQ(unset->router.models_dir, "");
  EXPECT_EQ(from_env->router.models_dir, "/var/lib/amaima/models");
}

TEST(ConfigLoaderTest, ExecutionModeVariableWinsOverSectionOverride) {
  const Environment env = {{"AMAIMA_EXECUTION__MODE", "decision-only"},
                           {"AMAIMA_EXECUTION_MODE", "execution-enabled"}};

  Result<Config> config = LoadConfigFromString(kMinimal, env);

  ASSERT_TRUE(config.has_value()) << config.error().message;
  EXPECT_EQ(config->execution.mode, ExecutionMode::kExecutionEnabled);
}

// ---- Sizes, durations, enumerations ----------------------------------------------------

struct SizeCase {
  std::string text;
  std::uint64_t bytes;
};

class ConfigSizeTest : public testing::TestWithParam<SizeCase> {};

TEST_P(ConfigSizeTest, ParsesRequestSizeLimit) {
  const std::string yaml = Minimal("server:\n  request_size_limit: " + GetParam().text + "\n");

  Result<Config> config = LoadConfigFromString(yaml);

  ASSERT_TRUE(config.has_value()) << config.error().message;
  EXPECT_EQ(config->server.request_size_limit_bytes, GetParam().bytes);
}

INSTANTIATE_TEST_SUITE_P(Sizes, ConfigSizeTest,
                         testing::Values(SizeCase{"\"1mb\"", 1U << 20},
                                         SizeCase{"512kb", 512U << 10}, SizeCase{"50mb", 50U << 20},
                                         SizeCase{"1048576", 1048576}, SizeCase{"\"2 KB\"", 2048},
                                         SizeCase{"1gb", 1U << 30}, SizeCase{"100b", 100}));

TEST(ConfigLoaderTest, MapsMillisecondKeysOntoDurations) {
  const std::string yaml = Minimal(R"(
server: {shutdown_deadline_ms: 2500, idle_timeout_ms: 5000, request_timeout_ms: 700}
storage: {writer_linger_ms: 3, writer_background_linger_ms: 7}
)");

  Result<Config> config = LoadConfigFromString(yaml);

  ASSERT_TRUE(config.has_value()) << config.error().message;
  EXPECT_EQ(config->server.shutdown_deadline, milliseconds(2500));
  EXPECT_EQ(config->server.idle_timeout, milliseconds(5000));
  EXPECT_EQ(config->server.request_timeout, milliseconds(700));
  EXPECT_EQ(config->storage.writer_linger, milliseconds(3));
  EXPECT_EQ(config->storage.writer_background_linger, milliseconds(7));
}

TEST(ConfigLoaderTest, ParsesEnumerationsCaseInsensitively) {
  const std::string yaml = R"(
execution: {mode: Execution-Enabled}
observability: {log_level: WARNING, log_format: text, access_log: yes}
storage: {sqlite_synchronous: NORMAL}
models:
  m: {provider: Anthropic, upstream_model: m, context_window: 10, capabilities: [CHAT, Vision]}
router:
  model_mapping: {TRIVIAL: m, SIMPLE: m, MODERATE: m, COMPLEX: m, EXPERT: m}
  expected_output_tokens: {TRIVIAL: 1, SIMPLE: 1, MODERATE: 1, COMPLEX: 1, EXPERT: 1}
  security_min_level: ""
)";

  Result<Config> config = LoadConfigFromString(yaml);

  ASSERT_TRUE(config.has_value()) << config.error().message;
  EXPECT_EQ(config->execution.mode, ExecutionMode::kExecutionEnabled);
  EXPECT_EQ(config->observability.log_level, LogLevel::kWarning);
  EXPECT_EQ(config->observability.log_format, LogFormat::kText);
  EXPECT_TRUE(config->observability.access_log);
  EXPECT_EQ(config->storage.sqlite_synchronous, "normal");
  EXPECT_EQ(config->models.at("m").provider, "anthropic");
  EXPECT_EQ(config->models.at("m").capabilities, (std::vector<std::string>{"chat", "vision"}));
  EXPECT_EQ(config->router.security_min_level, "");
}

TEST(ConfigLoaderTest, ReportsEveryProblemOnItsOwnLine) {
  const std::string yaml = "server: {port: 0, blocking_threads: 0, hots: x}\n";

  Result<Config> config = LoadConfigFromString(yaml, {}, "f.yaml");

  ASSERT_FALSE(config.has_value());
  const std::vector<std::string> lines = Lines(config.error().message);
  ASSERT_GE(lines.size(), 4U) << config.error().message;
  EXPECT_EQ(lines[0], "f.yaml:1:16: server.port: expected an integer 1..65535, got \"0\"");
  EXPECT_EQ(lines[1].rfind("f.yaml:1:37: server.blocking_threads: expected an integer 1..1024", 0),
            0U)
      << lines[1];
  EXPECT_EQ(lines[2], "f.yaml:1:40: server.hots: unknown key (did you mean \"host\"?)");
}

// ---- ValidateConfig and names ----------------------------------------------------------

TEST(ConfigLoaderTest, ValidateConfigChecksCrossReferences) {
  Config config;
  config.models["m"] = ModelConfig{.name = "m",
                                   .provider = "openai",
                                   .upstream_model = "m",
                                   .context_window = 10,
                                   .capabilities = {"chat"}};
  for (const char* level : kLevelNames) {
    config.router.model_mapping[level] = "m";
    config.router.expected_output_tokens[level] = 1;
  }
  ASSERT_TRUE(ValidateConfig(config).has_value());

  config.router.model_mapping["EXPERT"] = "missing";
  Status status = ValidateConfig(config);

  ASSERT_FALSE(status.has_value());
  EXPECT_NE(status.error().message.find("router.model_mapping.EXPERT: model \"missing\""),
            std::string::npos)
      << status.error().message;
}

TEST(ConfigLoaderTest, ProvidersDefaultToThePublicEndpointsWithKeysFromTheEnvironment) {
  const Result<Config> config =
      LoadConfigFromString(kMinimal, {{"OPENAI_API_KEY", "sk-test"}}, "f.yaml");

  ASSERT_TRUE(config.has_value()) << config.error().message;
  ASSERT_EQ(config->providers.size(), 4U);
  const ProviderConfig& openai = config->providers.at("openai");
  EXPECT_EQ(openai.type, "openai");
  EXPECT_EQ(openai.base_url, "https://api.openai.com/v1");
  EXPECT_EQ(openai.api_key, "sk-test");
  EXPECT_EQ(openai.max_attempts, 3);
  EXPECT_EQ(config->providers.at("ollama").base_url, "http://127.0.0.1:11434");
  EXPECT_EQ(ProviderFor(*config, config->models.at("m")), &openai);
}

TEST(ConfigLoaderTest, BindsAProviderSectionAndAModelsUpstream) {
  const std::string yaml = R"(
execution: {mode: execution-enabled}
providers:
  local-vllm: {type: openai, base_url: "http://127.0.0.1:9000/v1", read_timeout_ms: 5000,
               max_attempts: 1, breaker_failure_threshold: 2, breaker_open_ms: 100}
models:
  m: {provider: openai, upstream: local-vllm, upstream_model: m, context_window: 1000,
      capabilities: [chat]}
router:
  model_mapping: {TRIVIAL: m, SIMPLE: m, MODERATE: m, COMPLEX: m, EXPERT: m}
  expected_output_tokens: {TRIVIAL: 1, SIMPLE: 1, MODERATE: 1, COMPLEX: 1, EXPERT: 1}
)";

  const Result<Config> config = LoadConfigFromString(yaml);

  ASSERT_TRUE(config.has_value()) << config.error().message;
  ASSERT_EQ(config->providers.size(), 1U);
  const ProviderConfig* provider = ProviderFor(*config, config->models.at("m"));
  ASSERT_NE(provider, nullptr);
  EXPECT_EQ(provider->name, "local-vllm");
  EXPECT_EQ(provider->read_timeout, milliseconds(5000));
  EXPECT_EQ(provider->max_attempts, 1);
  EXPECT_EQ(provider->breaker_open, milliseconds(100));
}

TEST(ConfigLoaderTest, RejectsProvidersThatCannotServeTheirModels) {
  const std::string yaml = R"(
execution: {mode: execution-enabled}
providers:
  a: {type: anthropic, base_url: "ftp://x", retries: 2}
models:
  m: {provider: openai, upstream_model: m, context_window: 1000, capabilities: [chat]}
  n: {provider: openai, upstream: a, upstream_model: n, context_window: 1000,
      capabilities: [chat]}
router:
  model_mapping: {TRIVIAL: m, SIMPLE: m, MODERATE: m, COMPLEX: m, EXPERT: m}
  expected_output_tokens: {TRIVIAL: 1, SIMPLE: 1, MODERATE: 1, COMPLEX: 1, EXPERT: 1}
)";

  const Result<Config> config = LoadConfigFromString(yaml, {}, "f.yaml");

  ASSERT_FALSE(config.has_value());
  const std::string& message = config.error().message;
  EXPECT_NE(message.find("providers.a.retries: unknown key"), std::string::npos) << message;
  EXPECT_NE(message.find("providers.a.base_url: base_url must start with http"), std::string::npos)
      << message;
  EXPECT_NE(message.find("models.m.provider: no entry \"openai\" in providers"), std::string::npos)
      << message;
  EXPECT_NE(message.find("models.n.upstream: providers.a speaks \"anthropic\""), std::string::npos)
      << message;
}

TEST(ConfigLoaderTest, NamesExecutionModes) {
  EXPECT_STREQ(ExecutionModeName(ExecutionMode::kDecisionOnly), "decision-only");
  EXPECT_STREQ(ExecutionModeName(ExecutionMode::kExecutionEnabled), "execution-enabled");
}

TEST(ConfigLoaderTest, CapturesTheProcessEnvironment) {
  const char* path = std::getenv("PATH");

  const Environment env = CaptureEnvironment();

  if (path != nullptr) {
    ASSERT_TRUE(env.contains("PATH"));
    EXPECT_EQ(env.at("PATH"), path);
  }
}

}  // namespace
}  // namespace amaima::config
