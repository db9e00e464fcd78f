#include "amaima/server/stores.h"

#include <algorithm>
#include <utility>

#include "amaima/server/query_hash_key.h"
#include "amaima/storage/postgres/postgres_budget_store.h"
#include "amaima/storage/postgres/postgres_decision_store.h"
#include "amaima/storage/postgres/postgres_governance_store.h"
#include "amaima/storage/postgres/postgres_user_store.h"
#include "amaima/storage/sqlite/sqlite_budget_store.h"
#include "amaima/storage/sqlite/sqlite_decision_store.h"
#include "amaima/storage/sqlite/sqlite_governance_store.h"
#include "amaima/storage/sqlite/sqlite_user_store.h"

namespace amaima::server {
namespace {

Error Named(std::string_view part, const Error& error) {
  Error out = error;
  out.message = std::string(part) + ": " + error.message;
  return out;
}

// Moves the store out of `opened` into `slot`, or returns the error named after `part`.
template <typename Slot, typename Opened>
Status Take(Slot& slot, Opened opened, std::string_view part) {
  if (!opened) {
    return Named(part, opened.error());
  }
  slot = std::move(*opened);
  return {};
}

Result<Stores> OpenPostgres(const config::Config& config) {
  Stores stores;
  storage::PgOptions options;
  options.url = config.storage.postgres_url;
  // One connection per blocking thread, plus the writer's and the audit queue's.
  options.pool_size = std::min(64, config.server.blocking_threads + 2);
  Result<std::unique_ptr<storage::PgPool>> pool = storage::PgPool::Open(options);
  if (!pool) {
    return Named("postgres", pool.error());
  }
  stores.pg_pool = std::move(*pool);
  stores.description = stores.pg_pool->description();
  storage::PgPool& shared = *stores.pg_pool;
  Status taken =
      Take(stores.decisions, storage::PostgresDecisionStore::Open(shared), "decision store");
  if (taken) {
    taken =
        Take(stores.governance, storage::PostgresGovernanceStore::Open(shared), "governance store");
  }
  if (taken) {
    taken = Take(stores.users, storage::PostgresUserStore::Open(shared), "user store");
  }
  if (taken) {
    taken = Take(stores.budgets, storage::PostgresBudgetStore::Open(shared), "budget store");
  }
  if (!taken) {
    return taken.error();
  }
  return stores;
}

Result<Stores> OpenSqlite(const config::Config& config) {
  Stores stores;
  storage::SqliteOptions sqlite;
  sqlite.path = SqlitePath(config);
  sqlite.synchronous = config.storage.sqlite_synchronous;
  stores.description = "sqlite:" + sqlite.path;
  // Opened one after the other: the first applies the migrations the others then find done.
  Status taken = Take(stores.decisions, storage::SqliteDecisionStore::Open(sqlite), "store");
  if (taken) {
    taken = Take(stores.governance, storage::SqliteGovernanceStore::Open(sqlite.path),
                 "governance store");
  }
  if (taken) {
    taken = Take(stores.users, storage::SqliteUserStore::Open(sqlite.path), "user store");
  }
  if (taken) {
    taken = Take(stores.budgets, storage::SqliteBudgetStore::Open(sqlite.path), "budget store");
  }
  if (!taken) {
    return taken.error();
  }
  return stores;
}

}  // namespace

Result<Stores> OpenStores(const config::Config& config) {
  if (!config.storage.postgres_url.empty()) {
    return OpenPostgres(config);
  }
  return OpenSqlite(config);
}

}  // namespace amaima::server
