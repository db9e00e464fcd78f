#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "amaima/config/config.h"
#include "amaima/core/result.h"

// Builds the immutable Config at startup: parses YAML (a file, a string, or the
// copy of config/amaima.yaml embedded in the binary), expands ${VAR} and
// ${VAR:-default} in scalar values, applies AMAIMA_SECTION__KEY environment
// overrides, then validates strictly. Every problem found (unknown key, wrong
// type, bad enumeration, broken cross-reference) is collected; a failure reports
// all of them, one per line, as "<where>: <key.path>: <what>", where <where> is
// "<file>:<line>:<column>" or the name of the overriding environment variable.
//
// Environment overrides (see README.md in this directory):
//   - AMAIMA_<A>__<B>[__<C>] sets the key path a.b[.c]; "__" separates levels and
//     each level is lower-cased. Only variables containing "__" are overrides;
//     other AMAIMA_* variables (AMAIMA_ADMIN_API_KEY) are ignored here.
//   - A level is matched against the keys already present at that point, case-
//     insensitively and with every character other than [a-z0-9] equal to '_':
//     AMAIMA_MODELS__GPT_4O__INPUT_PRICE_PER_1M sets models["gpt-4o"].input_price_per_1m.
//     Under router.model_mapping and router.expected_output_tokens the level names
//     also match when absent, under router.fallback_chains the catalog names do;
//     overrides can never add a model to `models`.
//   - AMAIMA_EXECUTION_MODE sets execution.mode and is applied last.
//   - Values are literal (no ${VAR} expansion); a value starting with '[' is read
//     as a YAML flow sequence ("[chat, tools]").
//   - An override naming an unknown key is an error naming the variable.
//
// All functions are thread-safe; they read only their arguments.
namespace amaima::config {

// A snapshot of environment variables, name -> value.
using Environment = std::map<std::string, std::string>;

struct LoadOptions {
  // The YAML file to read. nullopt = the built-in config (BuiltInConfigYaml()).
  std::optional<std::string> path{};
  // Used for ${VAR} expansion and AMAIMA_* overrides; CaptureEnvironment() for the real one.
  Environment env{};
};

// Returns a copy of the process environment (`environ`).
Environment CaptureEnvironment();

// Returns the text of config/amaima.yaml as embedded into the binary at build time.
std::string_view BuiltInConfigYaml();

// Loads, expands, overrides and validates. Errors: kNotFound "CONFIG_NOT_FOUND" when the
// file cannot be read (detail "path"); kInvalidArgument "CONFIG_INVALID" for YAML syntax
// errors and every validation problem (one "key" detail per problem, in report order).
Result<Config> LoadConfig(const LoadOptions& options);

// Same as LoadConfig() on `yaml` instead of a file. `source` names it in messages and
// becomes Config::source.
Result<Config> LoadConfigFromString(std::string_view yaml, const Environment& env = {},
                                    std::string_view source = "<string>");

// Runs the cross-section checks on a Config built in code (every level mapped to a
// catalog model with the "chat" capability, fallback chains naming catalog models, all
// levels in expected_output_tokens, max_output_tokens <= context_window). Per-field
// ranges and enumerations are enforced while binding YAML, not here. Errors:
// kInvalidArgument "CONFIG_INVALID", one line per problem.
Status ValidateConfig(const Config& config);

}  // namespace amaima::config
