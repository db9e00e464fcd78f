#include "amaima/routing/policy.h"

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <string>
#include <system_error>

namespace amaima::routing {
namespace {

constexpr std::array<std::int64_t, kLevelCount> kDefaultExpectedOutputTokens = {60, 200, 500, 900,
                                                                                1600};
// Trust in the output-length estimate when the client gives no max_tokens: longer,
// harder answers vary more.
constexpr std::array<double, kLevelCount> kEstimateConfidence = {0.85, 0.8, 0.7, 0.6, 0.5};
constexpr std::size_t kDerivedFallbacks = 3;

bool HasCapability(const config::ModelConfig& model, Capability capability) {
  const std::string_view name = CapabilityName(capability);
  return std::find(model.capabilities.begin(), model.capabilities.end(), name)
         != model.capabilities.end();
}

void AddReason(std::vector<ReasonCode>& reasons, ReasonCode code) {
  if (std::find(reasons.begin(), reasons.end(), code) == reasons.end()) {
    reasons.push_back(code);
  }
}

// Appends `p` with two decimals, as printf's "%.2f" writes it.
void AppendProbability(std::string& out, double p) {
  std::array<char, 32> text;  // NOLINT(cppcoreguidelines-pro-type-member-init)
  const auto [end, ec] =
      std::to_chars(text.data(), text.data() + text.size(), p, std::chars_format::fixed, 2);
  out.append(text.data(), ec == std::errc() ? end : text.data());
}

}  // namespace

Result<std::unique_ptr<RoutingPolicy>> RoutingPolicy::Create(const config::Config& config,
                                                             const DeviceProfile& device) {
  std::unique_ptr<RoutingPolicy> policy(new RoutingPolicy(config, device));
  for (const Level level : kAllLevels) {
    const auto mapping = config.router.model_mapping.find(std::string(LevelName(level)));
    if (mapping == config.router.model_mapping.end()) {
      return Fail(ErrorCode::kInvalidArgument, "CONFIG_INVALID",
                  "router.model_mapping has no model for level " + std::string(LevelName(level)));
    }
    const auto model = policy->models_.find(mapping->second);
    if (model == policy->models_.end()) {
      return Fail(ErrorCode::kInvalidArgument, "CONFIG_INVALID",
                  "router.model_mapping." + std::string(LevelName(level)) + " names unknown model "
                      + mapping->second);
    }
    policy->mapped_[static_cast<std::size_t>(LevelIndex(level))] = &model->second;
    const auto expected = config.router.expected_output_tokens.find(std::string(LevelName(level)));
    policy->expected_output_tokens_[static_cast<std::size_t>(LevelIndex(level))] =
        expected != config.router.expected_output_tokens.end()
            ? expected->second
            : kDefaultExpectedOutputTokens[static_cast<std::size_t>(LevelIndex(level))];
  }
  if (!config.router.security_min_level.empty()) {
    policy->security_min_level_ = ParseLevel(config.router.security_min_level);
    if (!policy->security_min_level_) {
      return Fail(ErrorCode::kInvalidArgument, "CONFIG_INVALID",
                  "router.security_min_level is not a level: " + config.router.security_min_level);
    }
  }
  for (const Level level : kAllLevels) {
    policy->orders_[static_cast<std::size_t>(LevelIndex(level))] =
        policy->BuildCandidateOrder(level);
  }
  const config::StrongWeakConfig& pair = config.router.strong_weak;
  if (pair.enabled()) {
    const auto strong = policy->models_.find(pair.strong_model);
    const auto weak = policy->models_.find(pair.weak_model);
    if (strong == policy->models_.end() || weak == policy->models_.end()) {
      return Fail(ErrorCode::kInvalidArgument, "CONFIG_INVALID",
                  "router.strong_weak names a model that is not in the catalog");
    }
    policy->strong_first_ = policy->BuildPairOrder(&strong->second, &weak->second);
    policy->weak_first_ = policy->BuildPairOrder(&weak->second, &strong->second);
  }
  return policy;
}

RoutingPolicy::RoutingPolicy(const config::Config& config, const DeviceProfile& device)
    : router_(config.router), models_(config.models), device_(device) {}

Estimates EstimateOn(const config::ModelConfig& model, std::int64_t input_tokens,
                     std::int64_t output_tokens) {
  Estimates estimates;
  estimates.input_tokens = input_tokens;
  estimates.output_tokens = output_tokens;
  if (model.max_output_tokens > 0) {
    estimates.output_tokens = std::min(estimates.output_tokens, model.max_output_tokens);
  }
  estimates.cost_usd = (static_cast<double>(estimates.input_tokens) * model.input_price_per_1m
                        + static_cast<double>(estimates.output_tokens) * model.output_price_per_1m)
                       / 1'000'000.0;
  const double tokens_per_second =
      model.output_tokens_per_second > 0 ? model.output_tokens_per_second : 1.0;
  estimates.latency_ms =
      model.typical_latency_ms
      + 1000.0 * static_cast<double>(estimates.output_tokens) / tokens_per_second;
  return estimates;
}

Estimates RoutingPolicy::Estimate(const config::ModelConfig& model, const PolicyInput& input,
                                  Level level) const {
  return EstimateOn(model, input.input_tokens,
                    input.constraints.max_tokens
                        ? *input.constraints.max_tokens
                        : expected_output_tokens_[static_cast<std::size_t>(LevelIndex(level))]);
}

std::vector<ReasonCode> RoutingPolicy::Violations(const config::ModelConfig& model,
                                                  const PolicyInput& input, Level level) const {
  std::vector<ReasonCode> violations;
  for (const Capability capability : input.constraints.required_capabilities) {
    if (!HasCapability(model, capability)) {
      AddReason(violations, ReasonCode::kCapabilityRequired);
    }
  }
  if (!HasCapability(model, Capability::kChat)
      && std::find(input.constraints.required_capabilities.begin(),
                   input.constraints.required_capabilities.end(), Capability::kEmbeddings)
             == input.constraints.required_capabilities.end()) {
    AddReason(violations, ReasonCode::kCapabilityRequired);
  }
  const Estimates estimates = Estimate(model, input, level);
  if (estimates.input_tokens + estimates.output_tokens > model.context_window) {
    AddReason(violations, ReasonCode::kContextLength);
  }
  if (model.local && model.min_memory_gb > device_.memory_total_gb) {
    AddReason(violations, ReasonCode::kDeviceConstraint);
  }
  if (input.constraints.max_cost_usd && estimates.cost_usd > *input.constraints.max_cost_usd) {
    AddReason(violations, ReasonCode::kCostConstraint);
  }
  if (input.constraints.max_latency_ms
      && estimates.latency_ms > *input.constraints.max_latency_ms) {
    AddReason(violations, ReasonCode::kLatencyConstraint);
  }
  return violations;
}

std::vector<RoutingPolicy::Candidate> RoutingPolicy::BuildCandidateOrder(Level level) const {
  std::vector<Candidate> order;
  auto tier_of = [this](const config::ModelConfig* model) {
    int tier = -1;
    for (int i = 0; i < kLevelCount; ++i) {
      if (mapped_[static_cast<std::size_t>(i)] == model) {
        tier = i;
      }
    }
    return tier;
  };
  auto push = [&order, &tier_of](const config::ModelConfig* model) {
    const bool seen = std::any_of(order.begin(), order.end(),
                                  [model](const Candidate& c) { return c.model == model; });
    if (!seen) {
      order.push_back(Candidate{model, tier_of(model)});
    }
  };
  const int start = LevelIndex(level);
  for (int i = start; i < kLevelCount; ++i) {
    push(mapped_[static_cast<std::size_t>(i)]);
  }
  for (int i = start - 1; i >= 0; --i) {
    push(mapped_[static_cast<std::size_t>(i)]);
  }
  // The rest of the catalog, stronger (pricier) first; ties by name for determinism.
  std::vector<const config::ModelConfig*> rest;
  for (const auto& [name, model] : models_) {
    rest.push_back(&model);
  }
  std::stable_sort(rest.begin(), rest.end(), [](const auto* a, const auto* b) {
    return a->output_price_per_1m > b->output_price_per_1m;
  });
  for (const auto* model : rest) {
    push(model);
  }
  return order;
}

std::vector<RoutingPolicy::Candidate> RoutingPolicy::BuildPairOrder(
    const config::ModelConfig* first, const config::ModelConfig* second) const {
  std::vector<const config::ModelConfig*> models = {first, second};
  std::vector<const config::ModelConfig*> rest;
  for (const auto& [name, model] : models_) {
    if (&model != first && &model != second) {
      rest.push_back(&model);
    }
  }
  std::stable_sort(rest.begin(), rest.end(), [](const auto* a, const auto* b) {
    return a->output_price_per_1m > b->output_price_per_1m;
  });
  models.insert(models.end(), rest.begin(), rest.end());
  std::vector<Candidate> order;
  for (const config::ModelConfig* model : models) {
    int tier = -1;
    for (int i = 0; i < kLevelCount; ++i) {
      if (mapped_[static_cast<std::size_t>(i)] == model) {
        tier = i;
      }
    }
    order.push_back(Candidate{model, tier});
  }
  return order;
}

std::vector<std::string> RoutingPolicy::FallbackChain(const config::ModelConfig& chosen,
                                                      const std::vector<Candidate>& order,
                                                      const PolicyInput& input, Level level) const {
  std::vector<std::string> chain;
  const auto configured = router_.fallback_chains.find(chosen.name);
  if (configured != router_.fallback_chains.end()) {
    for (const std::string& name : configured->second) {
      const auto model = models_.find(name);
      if (model != models_.end() && name != chosen.name
          && Violations(model->second, input, level).empty()) {
        chain.push_back(name);
      }
    }
    return chain;
  }
  for (const Candidate& candidate : order) {
    if (chain.size() == kDerivedFallbacks) {
      break;
    }
    if (candidate.model != &chosen && Violations(*candidate.model, input, level).empty()) {
      chain.push_back(candidate.model->name);
    }
  }
  return chain;
}

Result<PolicyOutcome> RoutingPolicy::Apply(const PolicyInput& input) const {
  PolicyOutcome outcome;
  Route& route = outcome.route;
  const ComplexityResult& complexity = input.complexity;

  // 1. Level: classifier, borderline upscale, security floor.
  route.classified_level = complexity.level;
  Level level = complexity.level;
  std::array<double, kLevelCount> sorted = complexity.probabilities;
  std::sort(sorted.begin(), sorted.end(), std::greater<>());
  route.borderline = sorted[0] - sorted[1] < router_.borderline_margin;
  std::vector<ReasonCode> level_reasons;
  if (route.borderline && level != Level::kExpert) {
    level = ShiftLevel(level, 1);
    level_reasons.push_back(ReasonCode::kBorderlineUpscale);
  }
  if (input.security.sensitive && security_min_level_ && level < *security_min_level_) {
    level = *security_min_level_;
    level_reasons.push_back(ReasonCode::kSecurityEscalation);
  }
  route.routed_level = level;

  // 2. + 3. Model: pinned, or the preferred model subject to constraints. The preferred
  // model is the level's mapped model, or with the strong-vs-weak option on, the strong
  // or the weak model by the probability threshold.
  const config::ModelConfig* chosen = nullptr;
  const bool by_pair = !strong_first_.empty() && input.strong_weak.has_value();
  bool prefer_strong = false;
  if (by_pair) {
    route.strong_weak = input.strong_weak;
    route.strong_weak->threshold = router_.strong_weak.threshold;
    prefer_strong = input.strong_weak->probability >= router_.strong_weak.threshold;
    // Only the security floor changes the pair's choice; a borderline level does not.
    std::erase(level_reasons, ReasonCode::kBorderlineUpscale);
    prefer_strong = prefer_strong || !level_reasons.empty();
  }
  const std::vector<Candidate>& order = by_pair
                                            ? (prefer_strong ? strong_first_ : weak_first_)
                                            : orders_[static_cast<std::size_t>(LevelIndex(level))];
  if (!input.constraints.pinned_model.empty()) {
    const auto pinned = models_.find(input.constraints.pinned_model);
    if (pinned == models_.end()) {
      return Fail(ErrorCode::kInvalidArgument, "VALIDATION_UNKNOWN_MODEL",
                  "model '" + input.constraints.pinned_model + "' is not in the catalog")
          .With("field", "model");
    }
    const std::vector<ReasonCode> violations = Violations(pinned->second, input, level);
    if (!violations.empty()) {
      Error error = Fail(
          ErrorCode::kFailedPrecondition, "QUERY_CONSTRAINTS_UNSATISFIABLE",
          "the pinned model '" + pinned->first + "' does not satisfy the request's constraints");
      for (const ReasonCode code : violations) {
        error.details.emplace_back("violated", std::string(ReasonCodeName(code)));
      }
      return error;
    }
    chosen = &pinned->second;
    route.reason_codes.push_back(ReasonCode::kPinnedByClient);
    route.reason_codes.insert(route.reason_codes.end(), level_reasons.begin(), level_reasons.end());
  } else {
    route.reason_codes.push_back(by_pair ? ReasonCode::kStrongWeakThreshold
                                         : ReasonCode::kLevelMapping);
    route.reason_codes.insert(route.reason_codes.end(), level_reasons.begin(), level_reasons.end());
    std::vector<ReasonCode> skipped_for;
    for (const Candidate& candidate : order) {
      std::vector<ReasonCode> violations = Violations(*candidate.model, input, level);
      if (violations.empty()) {
        chosen = candidate.model;
        break;
      }
      // Only what excluded the preferred (first) candidate explains the move away from it.
      if (candidate.model == order.front().model) {
        skipped_for = std::move(violations);
      }
    }
    if (chosen == nullptr) {
      Error error = Fail(ErrorCode::kFailedPrecondition, "QUERY_CONSTRAINTS_UNSATISFIABLE",
                         "no model in the catalog satisfies the request's constraints");
      for (const ReasonCode code : skipped_for) {
        error.details.emplace_back("violated", std::string(ReasonCodeName(code)));
      }
      return error;
    }
    for (const ReasonCode code : skipped_for) {
      AddReason(route.reason_codes, code);
    }
  }

  route.model = chosen->name;
  route.provider = chosen->provider;
  route.upstream_model = chosen->upstream_model;
  route.fallback_chain = FallbackChain(*chosen, order, input, level);
  outcome.estimates = Estimate(*chosen, input, level);

  // Confidence: how sure the classifier is, how well the model fits the routed
  // level, how far the estimates can be trusted; combined geometrically so that
  // any weak part pulls the whole down.
  Confidence& confidence = outcome.confidence;
  confidence.classifier = sorted[0];
  int tier = -1;
  for (const Candidate& candidate : order) {
    if (candidate.model == chosen) {
      tier = candidate.tier;
    }
  }
  confidence.model_fit =
      tier < 0 ? 0.5 : std::max(0.2, 1.0 - 0.2 * std::abs(tier - LevelIndex(level)));
  confidence.estimate = input.constraints.max_tokens
                            ? 0.9
                            : kEstimateConfidence[static_cast<std::size_t>(LevelIndex(level))];
  confidence.overall = std::pow(confidence.classifier, 0.5) * std::pow(confidence.model_fit, 0.25)
                       * std::pow(confidence.estimate, 0.25);

  // Appended piece by piece: this runs for every decision.
  std::string& explanation = outcome.explanation;
  explanation.reserve(256);
  explanation += "Classified ";
  explanation += LevelName(route.classified_level);
  explanation += " (p=";
  AppendProbability(explanation, sorted[0]);
  explanation += ')';
  if (route.borderline) {
    explanation += "; borderline (runner-up p=";
    AppendProbability(explanation, sorted[1]);
    explanation += ')';
  }
  if (route.strong_weak) {
    explanation += "; strong model needed with p=";
    AppendProbability(explanation, route.strong_weak->probability);
    explanation += " (threshold ";
    AppendProbability(explanation, route.strong_weak->threshold);
    explanation += ')';
  }
  explanation += "; routed at ";
  explanation += LevelName(level);
  explanation += " to ";
  explanation += chosen->name;
  explanation += " (";
  explanation += chosen->provider;
  explanation += "); reasons:";
  for (const ReasonCode code : route.reason_codes) {
    explanation += ' ';
    explanation += ReasonCodeName(code);
  }
  explanation += '.';
  return outcome;
}

}  // namespace amaima::routing
