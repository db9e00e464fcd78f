#include "amaima/server/build_router.h"

#include <utility>

#include "amaima/routing/complexity_classifier.h"
#include "amaima/routing/policy.h"

namespace amaima::server {

namespace {

Error WithContext(std::string_view part, const Error& error) {
  Error out = error;
  out.message = std::string(part) + ": " + error.message;
  return out;
}

}  // namespace

Result<std::unique_ptr<routing::Router>> BuildRouter(const config::Config& config,
                                                     const routing::DeviceProfile& device,
                                                     std::string hash_key, IdGenerator& ids,
                                                     const Clock& clock) {
  auto classifier = config.router.model_path.empty()
                        ? routing::ComplexityClassifier::LoadBuiltIn()
                        : routing::ComplexityClassifier::Load(config.router.model_path);
  if (!classifier) {
    return WithContext("classifier", classifier.error());
  }
  auto policy = routing::RoutingPolicy::Create(config, device);
  if (!policy) {
    return WithContext("policy", policy.error());
  }
  return std::make_unique<routing::Router>(std::move(*classifier), std::move(*policy),
                                           config.router, std::move(hash_key), ids, clock);
}

}  // namespace amaima::server
