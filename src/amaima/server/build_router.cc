#include "amaima/server/build_router.h"

#include <optional>
#include <string>
#include <utility>

#include "amaima/routing/complexity_classifier.h"
#include "amaima/routing/policy.h"
#include "amaima/routing/strong_weak_model.h"
#include "amaima/routing/training/model_registry.h"

namespace amaima::server {

namespace {

Error WithContext(std::string_view part, const Error& error) {
  Error out = error;
  out.message = std::string(part) + ": " + error.message;
  return out;
}

// The classifier, from the first source configured: the active version of the model registry
// (router.models_dir, when it has one), the fixed file router.model_path, else the built-in
// weights. Config validation refuses models_dir and model_path together.
Result<std::unique_ptr<routing::ComplexityClassifier>> LoadClassifier(
    const config::RouterConfig& router) {
  if (!router.models_dir.empty()) {
    const routing::training::ModelRegistry registry(router.models_dir);
    Result<std::optional<std::string>> active = registry.ActivePath();
    if (!active) {
      return active.error();
    }
    if (active->has_value()) {
      return routing::ComplexityClassifier::Load(**active);
    }
  }
  if (!router.model_path.empty()) {
    return routing::ComplexityClassifier::Load(router.model_path);
  }
  return routing::ComplexityClassifier::LoadBuiltIn();
}

}  // namespace

Result<std::unique_ptr<routing::Router>> BuildRouter(const config::Config& config,
                                                     const routing::DeviceProfile& device,
                                                     std::string hash_key, IdGenerator& ids,
                                                     const Clock& clock) {
  auto classifier = LoadClassifier(config.router);
  if (!classifier) {
    return WithContext("classifier", classifier.error());
  }
  auto policy = routing::RoutingPolicy::Create(config, device);
  if (!policy) {
    return WithContext("policy", policy.error());
  }
  std::unique_ptr<routing::StrongWeakModel> strong_weak;
  if (const config::StrongWeakConfig& pair = config.router.strong_weak; pair.enabled()) {
    auto model = pair.model_path.empty() ? routing::StrongWeakModel::LoadBuiltIn()
                                         : routing::StrongWeakModel::Load(pair.model_path);
    if (!model) {
      return WithContext("strong-weak model", model.error());
    }
    strong_weak = std::move(*model);
  }
  return std::make_unique<routing::Router>(std::move(*classifier), std::move(*policy),
                                           config.router, std::move(hash_key), ids, clock,
                                           std::move(strong_weak));
}

}  // namespace amaima::server
