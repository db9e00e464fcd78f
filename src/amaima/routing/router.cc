#include "amaima/routing/router.h"

#include <cctype>

#include "amaima/core/hashing.h"
#include "amaima/routing/features.h"
#include "amaima/routing/security_scanner.h"

namespace amaima::routing {

std::string NormalizeQuery(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  bool pending_space = false;
  for (const char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    if (std::isspace(byte) != 0) {
      pending_space = !out.empty();
      continue;
    }
    if (pending_space) {
      out += ' ';
      pending_space = false;
    }
    out += static_cast<char>(std::tolower(byte));
  }
  return out;
}

Router::Router(std::unique_ptr<ComplexityClassifier> classifier,
               std::unique_ptr<RoutingPolicy> policy, const config::RouterConfig& config,
               std::string query_hash_key, IdGenerator& ids, const Clock& clock)
    : classifier_(std::move(classifier)),
      policy_(std::move(policy)),
      versions_{classifier_->version(), config.policy_version, config.pricing_version},
      query_hash_key_(query_hash_key),
      ids_(ids),
      clock_(clock) {}

std::string Router::QueryHash(std::string_view query) const {
  return ToHex(query_hash_key_.Sign(NormalizeQuery(query)));
}

Result<Decision> Router::Decide(const RouteRequest& request) const {
  PolicyInput input;
  input.complexity = classifier_->Classify(request.query);
  input.security = ScanSecurity(request.query);
  input.constraints = request.constraints;
  input.input_tokens =
      request.input_tokens > 0 ? request.input_tokens : EstimateTokens(request.query);

  Result<PolicyOutcome> outcome = policy_->Apply(input);
  if (!outcome) {
    return outcome.error();
  }

  Decision decision;
  decision.decision_id = ids_.NewId();
  decision.created_at = clock_.Now();
  decision.request_id = request.request_id;
  decision.org_id = request.org_id;
  decision.query_hash = QueryHash(request.query);
  decision.complexity = std::move(input.complexity);
  decision.security = std::move(input.security);
  decision.constraints = request.constraints;
  decision.route = std::move(outcome->route);
  decision.confidence = outcome->confidence;
  decision.estimates = outcome->estimates;
  decision.explanation = std::move(outcome->explanation);
  decision.execution_mode = request.execution_mode;
  decision.execution_mode_active =
      request.execution_mode == config::ExecutionMode::kExecutionEnabled;
  decision.simulated = request.simulate_only || !decision.execution_mode_active;
  decision.versions = versions_;
  return decision;
}

}  // namespace amaima::routing
