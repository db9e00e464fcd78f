#pragma once

#include "amaima/config/config_loader.h"
#include "amaima/config/yaml_binder.h"

#include <yaml-cpp/yaml.h>

// AMAIMA_SECTION__KEY environment overrides, applied to the parsed YAML document
// before binding (naming rules: config_loader.h). Internal to the config layer.
namespace amaima::config::internal {

inline constexpr std::string_view kOverridePrefix = "AMAIMA_";
// Applied after all AMAIMA_*__* overrides, so it wins over AMAIMA_EXECUTION__MODE.
inline constexpr std::string_view kExecutionModeVariable = "AMAIMA_EXECUTION_MODE";

// Sets every override found in `env` in `root` (mutating it), marks each overridden
// path in `ctx` with its variable so that later problems name the variable, and
// records malformed names, ambiguous matches and attempts to add models in `ctx`.
void ApplyEnvOverrides(BindContext& ctx, YAML::Node& root, const Environment& env);

}  // namespace amaima::config::internal
