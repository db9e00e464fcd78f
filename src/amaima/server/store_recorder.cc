#include "amaima/server/store_recorder.h"

#include <cstdio>

#include "amaima/api/v1/decision_json.h"
#include "amaima/core/clock.h"

namespace amaima::server {

StoreDecisionRecorder::StoreDecisionRecorder(storage::DecisionWriter& writer, bool store_prompts,
                                             api::DecisionFeed* feed,
                                             const telemetry::GatewayMetrics* metrics)
    : writer_(writer), store_prompts_(store_prompts), feed_(feed), metrics_(metrics) {}

void StoreDecisionRecorder::Announce(const routing::Decision& decision, std::string_view body) {
  if (feed_ != nullptr) {
    feed_->Publish(body, decision.org_id, decision.actor);
  }
  if (metrics_ != nullptr) {
    metrics_->routing_decisions
        .With({routing::LevelName(decision.route.routed_level), decision.route.model})
        .Increment();
  }
}

void StoreUsageRecorder::Record(storage::StoredExecution record) {
  if (metrics_ != nullptr && !record.model.empty()) {
    const telemetry::GatewayMetrics& m = *metrics_;
    m.tokens.With({record.model, "input"})
        .Increment(static_cast<std::uint64_t>(record.prompt_tokens));
    m.tokens.With({record.model, "output"})
        .Increment(static_cast<std::uint64_t>(record.completion_tokens));
    m.cost_usd.With({record.model}).Add(record.cost_usd);
    m.provider_request_duration.With({record.provider, record.model})
        .Observe(record.upstream_ms / 1000.0);
  }
  if (metrics_ != nullptr && record.status == "error") {
    metrics_->provider_errors.With({record.provider, record.model, record.error_code}).Increment();
  }
  if (audit_ != nullptr) {
    char cost[32];
    std::snprintf(cost, sizeof(cost), "%.8f", record.cost_usd);
    audit_->Post(
        governance::AuditEvent{record.org_id,
                               record.actor,
                               "execution",
                               "decision:" + record.decision_id,
                               record.status == "ok",
                               {{"request_id", record.request_id},
                                {"surface", record.surface},
                                {"model", record.model},
                                {"provider", record.provider},
                                {"status", record.status},
                                {"error_code", record.error_code},
                                {"prompt_tokens", std::to_string(record.prompt_tokens)},
                                {"completion_tokens", std::to_string(record.completion_tokens)},
                                {"cost_usd", cost}}});
  }
  writer_.Post(std::move(record));
}

storage::StoredDecision StoreDecisionRecorder::ToStored(const routing::Decision& decision,
                                                        std::string body_json,
                                                        std::optional<std::string_view> prompt) {
  storage::StoredDecision stored;
  stored.decision_id = decision.decision_id;
  stored.created_at_ms = UnixMillis(decision.created_at);
  stored.request_id = decision.request_id;
  stored.org_id = decision.org_id;
  stored.actor = decision.actor;
  stored.level = std::string(routing::LevelName(decision.route.routed_level));
  stored.model = decision.route.model;
  stored.provider = decision.route.provider;
  stored.query_hash = decision.query_hash;
  stored.execution_mode = config::ExecutionModeName(decision.execution_mode);
  stored.simulated = decision.simulated;
  stored.decision_schema_version = std::string(routing::kDecisionSchemaVersion);
  stored.router_model_version = decision.versions.router_model;
  stored.body_json = std::move(body_json);
  if (prompt) {
    stored.prompt_text = std::string(*prompt);
  }
  return stored;
}

boost::asio::awaitable<Result<std::string>> StoreDecisionRecorder::Record(
    const routing::Decision& decision, std::string_view query_text) {
  std::string body = api::SerializeDecision(decision);
  storage::StoredDecision stored = ToStored(
      decision, body, store_prompts_ ? std::optional<std::string_view>(query_text) : std::nullopt);
  Status committed = co_await writer_.Append(std::move(stored));
  if (!committed) {
    co_return committed.error();
  }
  Announce(decision, body);
  co_return body;
}

std::string StoreDecisionRecorder::RecordInBackground(const routing::Decision& decision,
                                                      std::string_view query_text) {
  std::string body = api::SerializeDecision(decision);
  writer_.Post(ToStored(
      decision, body, store_prompts_ ? std::optional<std::string_view>(query_text) : std::nullopt));
  Announce(decision, body);
  return body;
}

}  // namespace amaima::server
