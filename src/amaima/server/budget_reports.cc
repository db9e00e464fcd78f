#include "amaima/server/budget_reports.h"

#include <sstream>

namespace amaima::server {
namespace {

std::string FormatUsd(double usd) {
  std::ostringstream out;
  out.precision(15);
  out << usd;
  return out.str();
}

std::string_view DetailOf(const Error& error, std::string_view key) {
  for (const auto& [name, value] : error.details) {
    if (name == key) {
      return value;
    }
  }
  return {};
}

}  // namespace

BudgetReports::BudgetReports(governance::Governance& governance,
                             const telemetry::GatewayMetrics& metrics, telemetry::Logger& logger)
    : governance_(governance), metrics_(metrics), logger_(logger) {}

void BudgetReports::ThresholdCrossed(const pipeline::BudgetThresholdNotice& notice) {
  const std::string severity(limits::BudgetSeverityName(notice.severity));
  const std::string percent = std::to_string(notice.threshold_percent);
  const std::string spent = FormatUsd(notice.spent_usd);
  const std::string cap = FormatUsd(notice.cap_usd);
  const std::string period_start = FormatRfc3339(notice.period_start);
  metrics_.budget_events.With({severity}).Increment();
  logger_.Log(notice.severity == limits::BudgetSeverity::kWarning ? config::LogLevel::kInfo
                                                                  : config::LogLevel::kWarning,
              "budget threshold crossed",
              {{"severity", severity},
               {"threshold_percent", percent},
               {"budget_id", notice.budget.budget_id},
               {"org_id", notice.budget.org_id},
               {"scope", notice.scope},
               {"period", notice.budget.period},
               {"spent_usd", spent},
               {"cap_usd", cap},
               {"request_id", notice.request_id}});
  Status audited = governance_.Record({notice.budget.org_id,
                                       "system",
                                       "budget.threshold",
                                       "budget:" + notice.budget.budget_id,
                                       true,
                                       {{"scope", notice.scope},
                                        {"period", notice.budget.period},
                                        {"severity", severity},
                                        {"threshold_percent", percent},
                                        {"spent_usd", spent},
                                        {"cap_usd", cap},
                                        {"period_start", period_start},
                                        {"request_id", notice.request_id},
                                        {"subject", notice.subject}}});
  if (!audited) {
    // The event is in the log and the metric; the trail misses it, and says so here.
    logger_.Error("cannot audit a budget threshold",
                  {{"budget_id", notice.budget.budget_id}, {"error", audited.error().message}});
  }
}

void BudgetReports::Settled(const storage::StoredBudget& budget,
                            const limits::BudgetStatus& status) {
  double ratio = 0;
  if (budget.cap_usd > 0) {
    ratio = status.spent_usd / budget.cap_usd;
  } else if (status.spent_usd > 0) {
    ratio = 1;
  }
  metrics_.budget_utilisation.With({pipeline::LedgerScope(budget).id, budget.period}).Set(ratio);
}

void BudgetReports::Rejected(const Error& error) {
  metrics_.budget_rejections.Increment();
  logger_.Info("budget exceeded", {{"scope", DetailOf(error, "scope")},
                                   {"period", DetailOf(error, "period")},
                                   {"cap_usd", DetailOf(error, "cap_usd")},
                                   {"spent_usd", DetailOf(error, "spent_usd")},
                                   {"estimated_usd", DetailOf(error, "estimated_usd")},
                                   {"request_id", DetailOf(error, "request_id")}});
}

void BudgetReports::Downgraded(const storage::StoredBudget& budget, const std::string& from_model,
                               const std::string& to_model) {
  metrics_.budget_downgrades.Increment();
  logger_.Info("budget downgrade", {{"budget_id", budget.budget_id},
                                    {"scope", pipeline::LedgerScope(budget).id},
                                    {"period", budget.period},
                                    {"from_model", from_model},
                                    {"to_model", to_model}});
}

}  // namespace amaima::server
