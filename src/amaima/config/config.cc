#include "amaima/config/config.h"

namespace amaima::config {

const ProviderConfig* ProviderFor(const Config& config, const ModelConfig& model) {
  const auto it = config.providers.find(model.upstream.empty() ? model.provider : model.upstream);
  return it == config.providers.end() ? nullptr : &it->second;
}

const char* ExecutionModeName(ExecutionMode mode) {
  switch (mode) {
    case ExecutionMode::kDecisionOnly:
      return "decision-only";
    case ExecutionMode::kExecutionEnabled:
      return "execution-enabled";
  }
  return "decision-only";
}

}  // namespace amaima::config
