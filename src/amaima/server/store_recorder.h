#pragma once

#include <optional>
#include <string_view>

#include "amaima/api/ws/decision_feed.h"
#include "amaima/config/config.h"
#include "amaima/governance/audit_queue.h"
#include "amaima/pipeline/decision_recorder.h"
#include "amaima/pipeline/execution/execution_handler.h"
#include "amaima/storage/decision_writer.h"
#include "amaima/telemetry/gateway_metrics.h"

namespace amaima::server {

// Records decisions through the storage writer's group commit: serialises the
// decision once (the same bytes answer the client), adds the raw query text only
// when telemetry.store_prompts is on, and completes after the commit. Every recorded
// decision is also published to `feed` (live subscribers), when one is given.
//
// @par Thread Safety
// Thread-safe; the writer is borrowed and must outlive the recorder.
class StoreDecisionRecorder final : public pipeline::DecisionRecorder {
 public:
  StoreDecisionRecorder(storage::DecisionWriter& writer, bool store_prompts,
                        api::DecisionFeed* feed = nullptr,
                        const telemetry::GatewayMetrics* metrics = nullptr);

  boost::asio::awaitable<Result<std::string>> Record(const routing::Decision& decision,
                                                     std::string_view query_text) override;
  std::string RecordInBackground(const routing::Decision& decision,
                                 std::string_view query_text) override;

  // Builds the stored form of `decision` whose wire form is `body_json`.
  // `prompt` is kept only if set.
  static storage::StoredDecision ToStored(const routing::Decision& decision, std::string body_json,
                                          std::optional<std::string_view> prompt);

 private:
  storage::DecisionWriter& writer_;
  bool store_prompts_;
  // Publishes to the feed and counts the decision.
  void Announce(const routing::Decision& decision, std::string_view body);

  api::DecisionFeed* feed_;
  const telemetry::GatewayMetrics* metrics_;
};

// Records executions through the same writer, after the decisions queued before them, without
// waiting for the commit, counts their tokens, cost, provider time and errors, and queues an
// `execution` audit row for each (who, which decision, model, tokens, cost, outcome).
//
// @par Thread Safety
// Thread-safe; the writer and the audit queue are borrowed and must outlive the recorder.
class StoreUsageRecorder final : public pipeline::UsageRecorder {
 public:
  explicit StoreUsageRecorder(storage::DecisionWriter& writer,
                              const telemetry::GatewayMetrics* metrics = nullptr,
                              governance::AuditQueue* audit = nullptr)
      : writer_(writer), metrics_(metrics), audit_(audit) {}

  void Record(storage::StoredExecution record) override;

 private:
  storage::DecisionWriter& writer_;
  const telemetry::GatewayMetrics* metrics_;
  governance::AuditQueue* audit_;
};

}  // namespace amaima::server
