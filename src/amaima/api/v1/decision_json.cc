#include "amaima/api/v1/decision_json.h"

#include <cmath>
#include <string_view>

#include <boost/json/array.hpp>

#include "amaima/core/clock.h"
#include "amaima/core/json_text.h"

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
  // Every request records its decision: the text is written straight from the struct, in
  // the order and with the values of DecisionToJson() (decision_json_test.cc holds them
  // equal), without building a tree first.
  JsonText json(2048);
  json.BeginObject();
  json.Key("decision_schema_version").String(routing::kDecisionSchemaVersion);
  json.Key("decision_id").String(decision.decision_id);
  json.Key("created_at").String(FormatRfc3339(decision.created_at));
  json.Key("request_id").String(decision.request_id);
  json.Key("org_id").String(decision.org_id);
  json.Key("query_hash").String(decision.query_hash);

  const routing::ComplexityResult& complexity = decision.complexity;
  json.Key("complexity").BeginObject();
  json.Key("level").String(routing::LevelName(complexity.level));
  json.Key("score").Micros(Round6(complexity.score));
  json.Key("probabilities").BeginObject();
  for (const routing::Level level : routing::kAllLevels) {
    json.Key(routing::LevelName(level))
        .Micros(
            Round6(complexity.probabilities[static_cast<std::size_t>(routing::LevelIndex(level))]));
  }
  json.EndObject();
  // Feature names are unique (FiredFeatures() names each feature once).
  json.Key("features").BeginObject();
  for (const auto& feature : complexity.features) {
    json.Key(feature.name).Micros(Round6(feature.value));
  }
  json.EndObject().EndObject();

  const routing::Route& route = decision.route;
  json.Key("route").BeginObject();
  json.Key("model").String(route.model);
  json.Key("provider").String(route.provider);
  json.Key("upstream_model").String(route.upstream_model);
  json.Key("fallback_chain").BeginArray();
  for (const auto& model : route.fallback_chain) {
    json.String(model);
  }
  json.EndArray();
  json.Key("reason_codes").BeginArray();
  for (const auto code : route.reason_codes) {
    json.String(routing::ReasonCodeName(code));
  }
  json.EndArray();
  json.Key("borderline").Bool(route.borderline);
  json.Key("classified_level").String(routing::LevelName(route.classified_level));
  json.Key("routed_level").String(routing::LevelName(route.routed_level));
  if (route.strong_weak) {
    json.Key("strong_weak").BeginObject();
    json.Key("probability").Micros(Round6(route.strong_weak->probability));
    json.Key("threshold").Micros(Round6(route.strong_weak->threshold));
    json.Key("model_version").String(route.strong_weak->model_version);
    json.EndObject();
  }
  json.EndObject();

  json.Key("confidence").BeginObject();
  json.Key("overall").Micros(Round6(decision.confidence.overall));
  json.Key("classifier").Micros(Round6(decision.confidence.classifier));
  json.Key("model_fit").Micros(Round6(decision.confidence.model_fit));
  json.Key("estimate").Micros(Round6(decision.confidence.estimate));
  json.EndObject();

  json.Key("estimates").BeginObject();
  json.Key("input_tokens").Integer(decision.estimates.input_tokens);
  json.Key("output_tokens").Integer(decision.estimates.output_tokens);
  json.Key("cost_usd").Micros(Round6(decision.estimates.cost_usd));
  json.Key("latency_ms").Micros(Round6(decision.estimates.latency_ms));
  json.EndObject();

  json.Key("security").BeginObject();
  json.Key("sensitive").Bool(decision.security.sensitive);
  json.Key("categories").BeginArray();
  for (const auto& category : decision.security.categories) {
    json.String(category);
  }
  json.EndArray().EndObject();

  const routing::Constraints& constraints = decision.constraints;
  json.Key("constraints").BeginObject();
  json.Key("model").String(constraints.pinned_model.empty() ? "auto" : constraints.pinned_model);
  json.Key("max_cost_usd");
  constraints.max_cost_usd ? json.Number(*constraints.max_cost_usd) : json.Null();
  json.Key("max_latency_ms");
  constraints.max_latency_ms ? json.Number(*constraints.max_latency_ms) : json.Null();
  json.Key("max_tokens");
  constraints.max_tokens ? json.Integer(*constraints.max_tokens) : json.Null();
  json.Key("required_capabilities").BeginArray();
  for (const auto capability : constraints.required_capabilities) {
    json.String(routing::CapabilityName(capability));
  }
  json.EndArray().EndObject();

  json.Key("execution_mode").String(config::ExecutionModeName(decision.execution_mode));
  json.Key("execution_mode_active").Bool(decision.execution_mode_active);
  json.Key("simulated").Bool(decision.simulated);
  json.Key("versions").BeginObject();
  json.Key("router_model").String(decision.versions.router_model);
  json.Key("policy").String(decision.versions.policy);
  json.Key("pricing").String(decision.versions.pricing);
  json.EndObject();
  json.Key("explanation").String(decision.explanation);
  json.EndObject();
  return std::move(json).Finish();
}

}  // namespace amaima::api
