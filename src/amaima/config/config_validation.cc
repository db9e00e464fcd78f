#include <algorithm>
#include <set>
#include <string>

#include "amaima/config/config_schema.h"

// Checks that relate several fields or sections. Per-field types, ranges and
// enumerations were already enforced by the binder (config_schema.cc).
namespace amaima::config::internal {
namespace {

bool HasCapability(const ModelConfig& model, std::string_view capability) {
  return std::find(model.capabilities.begin(), model.capabilities.end(), capability)
         != model.capabilities.end();
}

void CheckModels(BindContext& ctx, const Config& config) {
  if (config.models.empty()) {
    ctx.Error("models", "the model catalog is empty; at least one chat model is required");
  }
  for (const auto& [name, model] : config.models) {
    if (model.max_output_tokens > 0 && model.context_window > 0
        && model.max_output_tokens > model.context_window) {
      ctx.Error(JoinPath("models", name) + ".max_output_tokens",
                "max_output_tokens " + std::to_string(model.max_output_tokens)
                    + " exceeds context_window " + std::to_string(model.context_window));
    }
  }
}

void CheckProviders(BindContext& ctx, const Config& config) {
  for (const auto& [name, provider] : config.providers) {
    const std::string path = JoinPath("providers", name);
    const std::string_view url = provider.base_url;
    if (url.substr(0, 7) != "http://" && url.substr(0, 8) != "https://") {
      ctx.Error(path + ".base_url", "base_url must start with http:// or https://");
    }
    if (provider.backoff_max < provider.backoff_base) {
      ctx.Error(path + ".backoff_max_ms", "backoff_max_ms is smaller than backoff_base_ms");
    }
  }
  for (const auto& [name, model] : config.models) {
    const std::string path = JoinPath("models", name);
    const ProviderConfig* provider = ProviderFor(config, model);
    if (provider == nullptr) {
      const std::string& wanted = model.upstream.empty() ? model.provider : model.upstream;
      // Only execution needs the endpoint; a decision-only catalog may omit it.
      if (config.execution.mode == ExecutionMode::kExecutionEnabled || !model.upstream.empty()) {
        ctx.Error(path + (model.upstream.empty() ? ".provider" : ".upstream"),
                  "no entry \"" + wanted + "\" in providers");
      }
    } else if (provider->type != model.provider) {
      ctx.Error(path + ".upstream", "providers." + provider->name + " speaks \"" + provider->type
                                        + "\", but the model's provider is \"" + model.provider
                                        + "\"");
    }
  }
}

void CheckModelMapping(BindContext& ctx, const Config& config) {
  const std::string base = "router.model_mapping";
  for (const char* level : kLevelNames) {
    const std::string path = JoinPath(base, level);
    auto mapped = config.router.model_mapping.find(level);
    if (mapped == config.router.model_mapping.end()) {
      ctx.Error(path, std::string("level ") + level + " is not mapped to a model");
      continue;
    }
    auto model = config.models.find(mapped->second);
    if (model == config.models.end()) {
      ctx.Error(path, "model \"" + mapped->second + "\" is not in the catalog (models)");
    } else if (!HasCapability(model->second, "chat")) {
      ctx.Error(path, "model \"" + mapped->second + "\" lacks the \"chat\" capability");
    }
  }
}

void CheckFallbackChains(BindContext& ctx, const Config& config) {
  for (const auto& [name, chain] : config.router.fallback_chains) {
    const std::string path = JoinPath("router.fallback_chains", name);
    if (!config.models.contains(name)) {
      ctx.Error(path, "model \"" + name + "\" is not in the catalog (models)");
    }
    std::set<std::string> seen;
    for (std::size_t i = 0; i < chain.size(); ++i) {
      const std::string item_path = path + "[" + std::to_string(i) + "]";
      if (!config.models.contains(chain[i])) {
        ctx.Error(item_path, "model \"" + chain[i] + "\" is not in the catalog (models)");
      } else if (chain[i] == name) {
        ctx.Error(item_path, "a model cannot be its own fallback");
      } else if (!seen.insert(chain[i]).second) {
        ctx.Error(item_path, "model \"" + chain[i] + "\" appears twice in the chain");
      }
    }
  }
}

void CheckExpectedOutputTokens(BindContext& ctx, const Config& config) {
  for (const char* level : kLevelNames) {
    if (!config.router.expected_output_tokens.contains(level)) {
      ctx.Error(JoinPath("router.expected_output_tokens", level),
                std::string("missing expected output tokens for level ") + level);
    }
  }
}

// One source for the classifier: a fixed file, or the registry's active version.
void CheckClassifierSource(BindContext& ctx, const Config& config) {
  if (!config.router.model_path.empty() && !config.router.models_dir.empty()) {
    ctx.Error("router.models_dir",
              "set router.model_path or router.models_dir, not both (models_dir loads the "
              "registry's active version; model_path a fixed file)");
  }
}

// The strong-vs-weak option names two catalog models, both or neither.
void CheckStrongWeak(BindContext& ctx, const Config& config) {
  const StrongWeakConfig& option = config.router.strong_weak;
  if (option.strong_model.empty() != option.weak_model.empty()) {
    ctx.Error("router.strong_weak",
              "set both strong_model and weak_model, or neither (the option is off)");
    return;
  }
  for (const auto& [key, name] :
       {std::pair{"strong_model", &option.strong_model}, {"weak_model", &option.weak_model}}) {
    if (!name->empty() && !config.models.contains(*name)) {
      ctx.Error(JoinPath("router.strong_weak", key), "unknown model \"" + *name + "\"");
    }
  }
}

}  // namespace

void CheckConfig(BindContext& ctx, const Config& config) {
  CheckModels(ctx, config);
  CheckProviders(ctx, config);
  CheckModelMapping(ctx, config);
  CheckFallbackChains(ctx, config);
  CheckExpectedOutputTokens(ctx, config);
  CheckClassifierSource(ctx, config);
  CheckStrongWeak(ctx, config);
}

}  // namespace amaima::config::internal
