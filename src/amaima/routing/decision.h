#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "amaima/config/config.h"
#include "amaima/routing/complexity_classifier.h"
#include "amaima/routing/level.h"
#include "amaima/routing/security_scanner.h"

namespace amaima::routing {

// The schema version of Decision as serialised (semver; a change of meaning bumps it).
// 1.1.0 added route.strong_weak and the reason STRONG_WEAK_THRESHOLD.
inline constexpr std::string_view kDecisionSchemaVersion = "1.1.0";

// Why a route was chosen. Serialised as the upper-case names (ReasonCodeName).
enum class ReasonCode : std::uint8_t {
  kLevelMapping,         // The level's mapped model serves it.
  kBorderlineUpscale,    // Top two levels were within the margin: routed one level up.
  kSecurityEscalation,   // Sensitive query raised to router.security_min_level.
  kBudgetDowngrade,      // A budget forced a cheaper model (governance).
  kLatencyConstraint,    // max_latency_ms excluded the preferred model.
  kCostConstraint,       // max_cost_usd excluded the preferred model.
  kContextLength,        // The preferred model's context window is too small.
  kCapabilityRequired,   // The preferred model lacks a required capability.
  kProviderUnhealthy,    // The preferred model's upstream is unhealthy (execution plane).
  kPinnedByClient,       // The client named a catalog model.
  kDeviceConstraint,     // A local model does not fit this machine.
  kStrongWeakThreshold,  // The strong-vs-weak option chose by its probability threshold.
};

std::string_view ReasonCodeName(ReasonCode code);

// Capabilities a request can require of a model.
enum class Capability : std::uint8_t { kChat, kEmbeddings, kVision, kTools, kJsonMode };

// Returns "chat", "embeddings", "vision", "tools" or "json_mode".
std::string_view CapabilityName(Capability capability);

// What the client constrains, echoed in the decision so that it can be replayed.
struct Constraints {
  std::string pinned_model{};  // Empty = "auto".
  std::optional<double> max_cost_usd{};
  std::optional<double> max_latency_ms{};
  std::optional<std::int64_t> max_tokens{};
  std::vector<Capability> required_capabilities{};
};

// What the strong-vs-weak option saw: the learned probability that the strong model is
// needed, the threshold it was compared with, and the model that predicted it.
struct StrongWeakScore {
  double probability{0.0};
  double threshold{0.0};
  std::string model_version{};
};

struct Route {
  std::string model{};
  std::string provider{};
  std::string upstream_model{};
  std::vector<std::string> fallback_chain{};  // Ordered; excludes `model`.
  std::vector<ReasonCode> reason_codes{};
  bool borderline{false};
  Level classified_level{Level::kModerate};      // What the classifier said.
  Level routed_level{Level::kModerate};          // After borderline and security rules.
  std::optional<StrongWeakScore> strong_weak{};  // Set when router.strong_weak is on.
};

struct Confidence {
  double overall{0.0};
  double classifier{0.0};  // Top class probability.
  double model_fit{0.0};   // 1 when the routed level's own model serves it.
  double estimate{0.0};    // Trust in the token, cost and latency estimates.
};

struct Estimates {
  std::int64_t input_tokens{0};
  std::int64_t output_tokens{0};
  double cost_usd{0.0};
  double latency_ms{0.0};
};

struct Versions {
  std::string router_model{};
  std::string policy{};
  std::string pricing{};
};

// A versioned, reproducible routing decision (DESIGN.md §4, schema 1.1.0).
// Same input, config and router model version give the same decision apart from
// decision_id, created_at and request_id.
struct Decision {
  std::string decision_id{};
  std::chrono::system_clock::time_point created_at{};
  std::string request_id{};
  std::string org_id{};
  std::string actor{};       // Who asked: stored with the decision, not part of its JSON.
  std::string query_hash{};  // Hex HMAC-SHA-256 of the normalised query text.
  ComplexityResult complexity{};
  Route route{};
  Confidence confidence{};
  Estimates estimates{};
  SecurityAssessment security{};
  Constraints constraints{};
  config::ExecutionMode execution_mode{config::ExecutionMode::kDecisionOnly};
  bool execution_mode_active{false};  // True when this request will be executed.
  bool simulated{true};
  Versions versions{};
  std::string explanation{};  // One human-readable paragraph: why this route.
};

}  // namespace amaima::routing
