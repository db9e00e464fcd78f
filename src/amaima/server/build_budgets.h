#pragma once

#include <memory>
#include <string>

#include <boost/asio/thread_pool.hpp>

#include "amaima/api/admin/budget_api.h"
#include "amaima/config/config.h"
#include "amaima/core/clock.h"
#include "amaima/core/ids.h"
#include "amaima/core/result.h"
#include "amaima/governance/governance.h"
#include "amaima/limits/budget_ledger.h"
#include "amaima/limits/redis/redis_client.h"
#include "amaima/pipeline/stages/budget/budget_definitions.h"
#include "amaima/pipeline/stages/budget/budget_gate.h"
#include "amaima/server/budget_reports.h"
#include "amaima/storage/budget_store.h"
#include "amaima/storage/governance_store.h"
#include "amaima/telemetry/gateway_metrics.h"
#include "amaima/telemetry/logger.h"

namespace amaima::server {

// Everything budgets are made of, owned together by the server. Members are declared in
// construction order and destroyed in reverse.
struct BudgetParts {
  // In Redis when the server has one (caps hold across replicas), else in-process.
  std::unique_ptr<limits::BudgetLedger> ledger;
  std::unique_ptr<pipeline::BudgetDefinitions> definitions;
  std::unique_ptr<BudgetReports> reports;
  std::unique_ptr<pipeline::BudgetGate> gate;  // Null when budgets.enabled is false.
  std::unique_ptr<api::BudgetApi> api;         // Served whether enforced or not.
};

// What the budget parts borrow; everything must outlive them, and `pool` must be joined
// before they are destroyed.
struct BudgetServices {
  const config::Config& config;
  storage::BudgetStore& store;
  limits::RedisClient* redis;  // Null: the ledger is in-process.
  const Clock& clock;
  IdGenerator& ids;
  boost::asio::thread_pool& pool;
  governance::Governance& governance;
  storage::GovernanceStore& governance_store;
  const telemetry::GatewayMetrics& metrics;
  telemetry::Logger& logger;
  double device_memory_gb;
};

// Builds the ledger (in Redis when `redis` is set), the cache of definitions (5 s), the reports,
// the gate (when config.budgets.enabled) and the admin API.
Result<std::unique_ptr<BudgetParts>> BuildBudgets(const BudgetServices& services);

}  // namespace amaima::server
