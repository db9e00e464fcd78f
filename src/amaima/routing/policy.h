#pragma once

#include <array>
#include <memory>
#include <string>
#include <vector>

#include "amaima/config/config.h"
#include "amaima/core/result.h"
#include "amaima/routing/decision.h"
#include "amaima/routing/device_profile.h"

namespace amaima::routing {

// What serving `input_tokens` in and `output_tokens` out costs on `model`: the output capped
// by the model's max_output_tokens, the cost at its catalog prices, the latency from its
// typical latency and speed. The policy's estimates, also used to re-price a route.
Estimates EstimateOn(const config::ModelConfig& model, std::int64_t input_tokens,
                     std::int64_t output_tokens);

// What the policy needs to know about one request.
struct PolicyInput {
  ComplexityResult complexity{};
  SecurityAssessment security{};
  Constraints constraints{};
  std::int64_t input_tokens{0};
  // The strong-vs-weak model's probability that the strong model is needed; used when
  // router.strong_weak is on.
  std::optional<StrongWeakScore> strong_weak{};
};

// The policy's answer: everything in a Decision that depends on the catalog.
struct PolicyOutcome {
  Route route{};
  Estimates estimates{};
  Confidence confidence{};
  std::string explanation{};
};

// Maps a classified query to a model of the catalog (DESIGN.md §4):
//   1. the classifier's level, one level up when borderline (BORDERLINE_UPSCALE),
//      at least router.security_min_level when sensitive (SECURITY_ESCALATION);
//   2. the level's mapped model (LEVEL_MAPPING), or the client's pinned model
//      (PINNED_BY_CLIENT);
//   3. hard constraints — capabilities, context window, device memory for local
//      models, max_cost_usd, max_latency_ms — walk the candidates: the mapped models
//      of the levels above, then below, then the rest of the catalog by price; each
//      constraint that excluded the preferred model adds its reason code;
//   4. the fallback chain: configured, else the next candidates that satisfy every
//      constraint (up to three).
// With router.strong_weak on (and no pinned model), step 2 instead prefers the strong
// model when input.strong_weak's probability reaches the threshold (or the query was
// escalated for security), else the weak one (STRONG_WEAK_THRESHOLD); the constraints
// then walk the other model of the pair, then the catalog by price.
//
// @par Thread Safety
// Immutable after Create(); Apply() is const and thread-safe.
class RoutingPolicy {
 public:
  // Validates the mapping against the catalog. `device` is copied.
  static Result<std::unique_ptr<RoutingPolicy>> Create(const config::Config& config,
                                                       const DeviceProfile& device);

  // Returns the route or kFailedPrecondition ("QUERY_CONSTRAINTS_UNSATISFIABLE")
  // when no model satisfies the constraints, kInvalidArgument
  // ("VALIDATION_UNKNOWN_MODEL") for a pinned model not in the catalog.
  Result<PolicyOutcome> Apply(const PolicyInput& input) const;

 private:
  struct Candidate {
    const config::ModelConfig* model{nullptr};
    int tier{-1};  // Highest level index mapped to this model; -1 if unmapped.
  };

  RoutingPolicy(const config::Config& config, const DeviceProfile& device);

  // Returns the constraints `model` violates for this input, as reason codes.
  std::vector<ReasonCode> Violations(const config::ModelConfig& model, const PolicyInput& input,
                                     Level level) const;
  Estimates Estimate(const config::ModelConfig& model, const PolicyInput& input, Level level) const;
  std::vector<Candidate> BuildCandidateOrder(Level level) const;
  // `first`, then `second`, then the rest of the catalog, stronger (pricier) first.
  std::vector<Candidate> BuildPairOrder(const config::ModelConfig* first,
                                        const config::ModelConfig* second) const;
  std::vector<std::string> FallbackChain(const config::ModelConfig& chosen,
                                         const std::vector<Candidate>& order,
                                         const PolicyInput& input, Level level) const;

  config::RouterConfig router_;
  std::map<std::string, config::ModelConfig> models_;
  std::array<const config::ModelConfig*, kLevelCount> mapped_{};
  std::optional<Level> security_min_level_;
  std::array<std::int64_t, kLevelCount> expected_output_tokens_{};
  DeviceProfile device_;
  // Per routed level: the candidates in the order the policy tries them. Pointers into models_.
  std::array<std::vector<Candidate>, kLevelCount> orders_{};
  // With router.strong_weak on: the candidate orders that start at the strong / weak model.
  std::vector<Candidate> strong_first_{};
  std::vector<Candidate> weak_first_{};
};

}  // namespace amaima::routing
