#pragma once

#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "amaima/storage/budget_store.h"
#include "amaima/storage/sqlite/sqlite_handle.h"

namespace amaima::storage {

// BudgetStore on SQLite (table `budgets`, migration 6): one connection guarded by a mutex,
// on the database file the other SQLite stores share (WAL). Budgets are read through a
// cache on the request path and written only by admins, so one connection is enough.
// A replace is one INSERT ... ON CONFLICT statement: atomic, also across processes.
//
// @par Thread Safety
// Thread-safe.
class SqliteBudgetStore final : public BudgetStore {
 public:
  // Opens `path` (created if missing) and applies pending migrations.
  static Result<std::unique_ptr<SqliteBudgetStore>> Open(const std::string& path);

  // Also kAlreadyExists when the budget of (scope_type, scope_id, period) belongs to another
  // organisation, and kNotFound when `budget.org_id` is not an organisation.
  Result<StoredBudget> UpsertBudget(const StoredBudget& budget) override;
  Result<StoredBudget> GetBudget(std::string_view budget_id) override;
  Result<std::vector<StoredBudget>> ListBudgets(std::string_view org_id) override;
  Status DeleteBudget(std::string_view budget_id) override;

 private:
  explicit SqliteBudgetStore(SqliteConnection db) : db_(std::move(db)) {}

  std::mutex mutex_;
  SqliteConnection db_;  // GUARDED_BY(mutex_)
};

}  // namespace amaima::storage
