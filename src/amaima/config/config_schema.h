#pragma once

#include "amaima/config/config.h"
#include "amaima/config/yaml_binder.h"

#include <yaml-cpp/yaml.h>

// The declarative description of config.h for the binder (config_schema.cc) and
// the cross-section checks (config_validation.cc). Internal to the config layer.
namespace amaima::config::internal {

// Binds the whole document `root` onto `config`, recording every problem in `ctx`.
void BindConfig(BindContext& ctx, const YAML::Node& root, Config& config);

// Runs the checks that span fields or sections (see ValidateConfig()), recording
// problems in `ctx` at their key paths.
void CheckConfig(BindContext& ctx, const Config& config);

}  // namespace amaima::config::internal
