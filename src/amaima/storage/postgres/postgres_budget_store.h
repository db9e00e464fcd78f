#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "amaima/core/result.h"
#include "amaima/storage/budget_store.h"
#include "amaima/storage/postgres/pg_connection.h"

namespace amaima::storage {

// BudgetStore on PostgreSQL (libpq), table `budgets`, in the same database and schema as the
// other PostgreSQL stores. Behaves as SqliteBudgetStore does; a replace is one
// INSERT ... ON CONFLICT (scope_type, scope_id, period) DO UPDATE ... RETURNING statement,
// atomic across replicas.
//
// @par Thread Safety
// Thread-safe: calls share the pool's connections.
class PostgresBudgetStore final : public BudgetStore {
 public:
  // Opens a pool on `options.url` and applies pending migrations (see PostgresDecisionStore).
  static Result<std::unique_ptr<PostgresBudgetStore>> Open(const PgOptions& options);

  // Uses `pool`, which is borrowed and must outlive the store, and applies pending migrations.
  static Result<std::unique_ptr<PostgresBudgetStore>> Open(PgPool& pool);

  PostgresBudgetStore(const PostgresBudgetStore&) = delete;
  PostgresBudgetStore& operator=(const PostgresBudgetStore&) = delete;
  PostgresBudgetStore(PostgresBudgetStore&&) = delete;
  PostgresBudgetStore& operator=(PostgresBudgetStore&&) = delete;
  ~PostgresBudgetStore() override;

  // Also kAlreadyExists when the budget of (scope_type, scope_id, period) belongs to another
  // organisation (or `budget_id` is taken), and kNotFound when `budget.org_id` is not an
  // organisation.
  Result<StoredBudget> UpsertBudget(const StoredBudget& budget) override;
  Result<StoredBudget> GetBudget(std::string_view budget_id) override;
  Result<std::vector<StoredBudget>> ListBudgets(std::string_view org_id) override;
  Status DeleteBudget(std::string_view budget_id) override;

 private:
  PostgresBudgetStore(std::unique_ptr<PgPool> owned, PgPool& pool)
      : owned_pool_(std::move(owned)), pool_(pool) {}

  static Result<std::unique_ptr<PostgresBudgetStore>> Migrate(std::unique_ptr<PgPool> owned,
                                                              PgPool& pool);

  const std::unique_ptr<PgPool> owned_pool_;  // Null when the pool is borrowed.
  PgPool& pool_;
};

}  // namespace amaima::storage
