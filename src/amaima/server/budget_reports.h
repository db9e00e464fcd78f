#pragma once

#include <string>

#include "amaima/governance/governance.h"
#include "amaima/pipeline/stages/budget/budget_gate.h"
#include "amaima/telemetry/gateway_metrics.h"
#include "amaima/telemetry/logger.h"

namespace amaima::server {

// Reports what budgets do: every threshold crossed as a log line, a count in
// amaima_budget_events_total{severity} and an audit row "budget.threshold" (actor "system",
// target "budget:<id>", details scope, period, severity, threshold_percent, spent_usd,
// cap_usd, period_start, request_id, subject); utilisation in
// amaima_budget_utilisation_ratio{scope,period}; refusals and downgrades in their counters and
// the log.
//
// @par Thread Safety
// Thread-safe. Called on the blocking pool (the audit append blocks). Everything is borrowed
// and must outlive this object.
class BudgetReports final : public pipeline::BudgetEvents {
 public:
  BudgetReports(governance::Governance& governance, const telemetry::GatewayMetrics& metrics,
                telemetry::Logger& logger);

  void ThresholdCrossed(const pipeline::BudgetThresholdNotice& notice) override;
  void Settled(const storage::StoredBudget& budget, const limits::BudgetStatus& status) override;
  void Rejected(const Error& error) override;
  void Downgraded(const storage::StoredBudget& budget, const std::string& from_model,
                  const std::string& to_model) override;

 private:
  governance::Governance& governance_;
  const telemetry::GatewayMetrics& metrics_;
  telemetry::Logger& logger_;
};

}  // namespace amaima::server
