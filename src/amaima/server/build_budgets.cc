#include "amaima/server/build_budgets.h"

#include <chrono>
#include <utility>

#include "amaima/limits/redis/redis_budget_ledger.h"

namespace amaima::server {

Result<std::unique_ptr<BudgetParts>> BuildBudgets(const BudgetServices& services) {
  auto parts = std::make_unique<BudgetParts>();
  if (services.redis != nullptr) {
    limits::RedisBudgetLedgerOptions ledger_options;
    ledger_options.key_prefix = services.config.redis.key_prefix;
    parts->ledger = std::make_unique<limits::RedisBudgetLedger>(*services.redis, services.clock,
                                                                ledger_options);
  } else {
    parts->ledger = std::make_unique<limits::InProcessBudgetLedger>(services.clock);
  }
  parts->definitions = std::make_unique<pipeline::BudgetDefinitions>(services.store, services.clock,
                                                                     std::chrono::seconds(5));
  parts->reports =
      std::make_unique<BudgetReports>(services.governance, services.metrics, services.logger);
  const config::BudgetsConfig& budgets = services.config.budgets;
  if (budgets.enabled) {
    pipeline::BudgetGateOptions options;
    options.admins_bypass = budgets.admins_bypass;
    options.default_max_tokens_estimate = budgets.default_max_tokens_estimate;
    options.device_memory_gb = services.device_memory_gb;
    parts->gate = std::make_unique<pipeline::BudgetGate>(services.config, *parts->definitions,
                                                         *parts->ledger, *parts->reports,
                                                         services.ids, services.pool, options);
  }
  parts->api = std::make_unique<api::BudgetApi>(
      *parts->definitions, *parts->ledger, services.governance, services.governance_store,
      services.ids, services.clock, services.pool, budgets.default_action);
  return parts;
}

}  // namespace amaima::server
