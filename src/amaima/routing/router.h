#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "amaima/config/config.h"
#include "amaima/core/clock.h"
#include "amaima/core/hashing.h"
#include "amaima/core/ids.h"
#include "amaima/core/result.h"
#include "amaima/routing/complexity_classifier.h"
#include "amaima/routing/decision.h"
#include "amaima/routing/device_profile.h"
#include "amaima/routing/policy.h"
#include "amaima/routing/strong_weak_model.h"

namespace amaima::routing {

// One query to decide on, already parsed from the wire.
struct RouteRequest {
  std::string query{};  // The text to classify: the last user message, or the query.
  // Input tokens of the whole prompt (all messages); 0 = estimate from `query`.
  std::int64_t input_tokens{0};
  std::string request_id{};
  std::string org_id{};
  std::string actor{};  // Who asks (Principal::Subject()); recorded, never routed on.
  Constraints constraints{};
  config::ExecutionMode execution_mode{config::ExecutionMode::kDecisionOnly};
  // Only deciding (POST /v1/simulate): the decision is marked simulated whatever the mode.
  bool simulate_only{false};
};

// The decision plane: features → classifier (and the strong-vs-weak model) → security
// scan → policy → Decision.
// Decide() has no side effects besides drawing an id; persisting is the caller's.
//
// @par Thread Safety
// Immutable after construction; Decide() is const and thread-safe. The clock and the
// id generator are borrowed and must outlive the Router.
class Router {
 public:
  // `query_hash_key` keys the HMAC of the normalised query text. `strong_weak` (optional)
  // predicts whether the strong model of router.strong_weak is needed; the policy uses
  // it when that option is on.
  Router(std::unique_ptr<ComplexityClassifier> classifier, std::unique_ptr<RoutingPolicy> policy,
         const config::RouterConfig& config, std::string query_hash_key, IdGenerator& ids,
         const Clock& clock, std::unique_ptr<StrongWeakModel> strong_weak = nullptr);
  ~Router();

  // Decides how `request` should be served. Errors: the policy's (unknown pinned
  // model, unsatisfiable constraints).
  Result<Decision> Decide(const RouteRequest& request) const;

  const std::string& router_model_version() const { return classifier_->version(); }

  // The hex HMAC-SHA-256 of the normalised `query`, as Decide() stores it in query_hash.
  std::string QueryHash(std::string_view query) const;

 private:
  std::unique_ptr<ComplexityClassifier> classifier_;
  std::unique_ptr<RoutingPolicy> policy_;
  std::unique_ptr<StrongWeakModel> strong_weak_;
  bool share_analysis_{false};  // both models use the same n-gram configuration
  Versions versions_;
  HmacSha256Key query_hash_key_;
  IdGenerator& ids_;
  const Clock& clock_;
};

// Returns `text` lower-cased with runs of whitespace collapsed to one space and
// trimmed: the form that is hashed, so that trivial variations hash alike.
std::string NormalizeQuery(std::string_view text);

}  // namespace amaima::routing
