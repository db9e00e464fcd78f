#pragma once

#include <memory>
#include <string>

#include "amaima/config/config.h"
#include "amaima/core/result.h"
#include "amaima/storage/budget_store.h"
#include "amaima/storage/decision_store.h"
#include "amaima/storage/governance_store.h"
#include "amaima/storage/postgres/pg_connection.h"
#include "amaima/storage/user_store.h"

namespace amaima::server {

// Every durable store of one deployment, on one back end: PostgreSQL when
// storage.postgres_url is set (several replicas share it), else the SQLite file
// (storage.sqlite_path or <data_dir>/amaima.db). Members are declared so that the stores are
// destroyed before the pool they borrow.
struct Stores {
  std::unique_ptr<storage::PgPool> pg_pool{};  // PostgreSQL only.
  std::unique_ptr<storage::DecisionStore> decisions{};
  std::unique_ptr<storage::GovernanceStore> governance{};
  std::unique_ptr<storage::UserStore> users{};
  std::unique_ptr<storage::BudgetStore> budgets{};
  std::string description{};  // "sqlite:<path>" or the PostgreSQL server without password.
};

// Opens (creating and migrating) every store. Blocking: call at start-up.
Result<Stores> OpenStores(const config::Config& config);

}  // namespace amaima::server
