#include "amaima/api/v1/decision_json.h"

#include <array>
#include <cmath>

#include <boost/json/array.hpp>
#include <boost/json/monotonic_resource.hpp>
#include <boost/json/serialize.hpp>

#include "amaima/core/clock.h"

namespace amaima::api {
namespace {

// Rounds to 6 decimals so that serialised numbers are stable and short.
double Round6(double value) {
  return std::round(value * 1e6) / 1e6;
}

boost::json::object ComplexityJson(const routing::ComplexityResult& complexity,
                                   const boost::json::storage_ptr& sp) {
  boost::json::object probabilities(sp);
  for (const routing::Level level : routing::kAllLevels) {
    probabilities[routing::LevelName(level)] =
        Round6(complexity.probabilities[static_cast<std::size_t>(routing::LevelIndex(level))]);
  }
  boost::json::object features(sp);
  features.reserve(complexity.features.size());
  for (const auto& feature : complexity.features) {
    features[feature.name] = Round6(feature.value);
  }
  boost::json::object out(sp);
  out["level"] = routing::LevelName(complexity.level);
  out["score"] = Round6(complexity.score);
  out["probabilities"] = std::move(probabilities);
  out["features"] = std::move(features);
  return out;
}

boost::json::object RouteJson(const routing::Route& route, const boost::json::storage_ptr& sp) {
  boost::json::array fallback(sp);
  for (const auto& model : route.fallback_chain) {
    fallback.emplace_back(model);
  }
  boost::json::array reasons(sp);
  for (const auto code : route.reason_codes) {
    reasons.emplace_back(routing::ReasonCodeName(code));
  }
  boost::json::object out(sp);
  out["model"] = route.model;
  out["provider"] = route.provider;
  out["upstream_model"] = route.upstream_model;
  out["fallback_chain"] = std::move(fallback);
  out["reason_codes"] = std::move(reasons);
  out["borderline"] = route.borderline;
  out["classified_level"] = routing::LevelName(route.classified_level);
  out["routed_level"] = routing::LevelName(route.routed_level);
  if (route.strong_weak) {
    out["strong_weak"] = {{"probability", Round6(route.strong_weak->probability)},
                          {"threshold", Round6(route.strong_weak->threshold)},
                          {"model_version", route.strong_weak->model_version}};
  }
  return out;
}

boost::json::object ConstraintsJson(const routing::Constraints& constraints,
                                    const boost::json::storage_ptr& sp) {
  boost::json::object out(sp);
  out["model"] = constraints.pinned_model.empty() ? "auto" : constraints.pinned_model;
  out["max_cost_usd"] = constraints.max_cost_usd ? boost::json::value(*constraints.max_cost_usd)
                                                 : boost::json::value(nullptr);
  out["max_latency_ms"] = constraints.max_latency_ms
                              ? boost::json::value(*constraints.max_latency_ms)
                              : boost::json::value(nullptr);
  out["max_tokens"] = constraints.max_tokens ? boost::json::value(*constraints.max_tokens)
                                             : boost::json::value(nullptr);
  boost::json::array capabilities(sp);
  for (const auto capability : constraints.required_capabilities) {
    capabilities.emplace_back(routing::CapabilityName(capability));
  }
  out["required_capabilities"] = std::move(capabilities);
  return out;
}

}  // namespace

boost::json::object DecisionToJson(const routing::Decision& decision,
                                   const boost::json::storage_ptr& sp) {
  boost::json::array categories(sp);
  for (const auto& category : decision.security.categories) {
    categories.emplace_back(category);
  }
  boost::json::object out(sp);
  out.reserve(18);
  out["decision_schema_version"] = routing::kDecisionSchemaVersion;
  out["decision_id"] = decision.decision_id;
  out["created_at"] = FormatRfc3339(decision.created_at);
  out["request_id"] = decision.request_id;
  out["org_id"] = decision.org_id;
  out["query_hash"] = decision.query_hash;
  out["complexity"] = ComplexityJson(decision.complexity, sp);
  out["route"] = RouteJson(decision.route, sp);
  out["confidence"] = {{"overall", Round6(decision.confidence.overall)},
                       {"classifier", Round6(decision.confidence.classifier)},
                       {"model_fit", Round6(decision.confidence.model_fit)},
                       {"estimate", Round6(decision.confidence.estimate)}};
  out["estimates"] = {{"input_tokens", decision.estimates.input_tokens},
                      {"output_tokens", decision.estimates.output_tokens},
                      {"cost_usd", Round6(decision.estimates.cost_usd)},
                      {"latency_ms", Round6(decision.estimates.latency_ms)}};
  out["security"] = {{"sensitive", decision.security.sensitive},
                     {"categories", std::move(categories)}};
  out["constraints"] = ConstraintsJson(decision.constraints, sp);
  out["execution_mode"] = config::ExecutionModeName(decision.execution_mode);
  out["execution_mode_active"] = decision.execution_mode_active;
  out["simulated"] = decision.simulated;
  out["versions"] = {{"router_model", decision.versions.router_model},
                     {"policy", decision.versions.policy},
                     {"pricing", decision.versions.pricing}};
  out["explanation"] = decision.explanation;
  return out;
}

std::string SerializeDecision(const routing::Decision& decision) {
  // Every request records its decision: build the tree in one arena (on the stack for a
  // typical decision) instead of some hundred small heap allocations.
  std::array<unsigned char, 16384> buffer;  // NOLINT(cppcoreguidelines-pro-type-member-init)
  boost::json::monotonic_resource arena(buffer.data(), buffer.size());
  return boost::json::serialize(DecisionToJson(decision, &arena));
}

}  // namespace amaima::api
