#include "amaima/routing/decision.h"

namespace amaima::routing {

std::string_view ReasonCodeName(ReasonCode code) {
  switch (code) {
    case ReasonCode::kLevelMapping:
      return "LEVEL_MAPPING";
    case ReasonCode::kBorderlineUpscale:
      return "BORDERLINE_UPSCALE";
    case ReasonCode::kSecurityEscalation:
      return "SECURITY_ESCALATION";
    case ReasonCode::kBudgetDowngrade:
      return "BUDGET_DOWNGRADE";
    case ReasonCode::kLatencyConstraint:
      return "LATENCY_CONSTRAINT";
    case ReasonCode::kCostConstraint:
      return "COST_CONSTRAINT";
    case ReasonCode::kContextLength:
      return "CONTEXT_LENGTH";
    case ReasonCode::kCapabilityRequired:
      return "CAPABILITY_REQUIRED";
    case ReasonCode::kProviderUnhealthy:
      return "PROVIDER_UNHEALTHY";
    case ReasonCode::kPinnedByClient:
      return "PINNED_BY_CLIENT";
    case ReasonCode::kDeviceConstraint:
      return "DEVICE_CONSTRAINT";
    case ReasonCode::kStrongWeakThreshold:
      return "STRONG_WEAK_THRESHOLD";
  }
  return "LEVEL_MAPPING";
}

std::string_view CapabilityName(Capability capability) {
  switch (capability) {
    case Capability::kChat:
      return "chat";
    case Capability::kEmbeddings:
      return "embeddings";
    case Capability::kVision:
      return "vision";
    case Capability::kTools:
      return "tools";
    case Capability::kJsonMode:
      return "json_mode";
  }
  return "chat";
}

}  // namespace amaima::routing
