#include "amaima/storage/postgres/postgres_budget_store.h"

#include <utility>

#include "amaima/storage/postgres/pg_migrations.h"

namespace amaima::storage {
namespace {

constexpr std::string_view kColumns =
    "budget_id, scope_type, scope_id, org_id, period, cap_usd, action, created_at_ms, "
    "updated_at_ms";

StoredBudget ReadBudget(const PgResult& result, int row) {
  StoredBudget budget;
  budget.budget_id = result.Text(row, 0);
  budget.scope_type = result.Text(row, 1);
  budget.scope_id = result.Text(row, 2);
  budget.org_id = result.Text(row, 3);
  budget.period = result.Text(row, 4);
  budget.cap_usd = result.Double(row, 5);
  budget.action = result.Text(row, 6);
  budget.created_at_ms = result.Int64(row, 7);
  budget.updated_at_ms = result.Int64(row, 8);
  return budget;
}

Result<std::vector<StoredBudget>> QueryBudgets(PgPool& pool, const std::string& sql,
                                               const PgParams& params) {
  return pool.Run([&](PgConnection& connection) -> Result<std::vector<StoredBudget>> {
    Result<PgResult> read = connection.Exec(sql, params);
    if (!read) {
      return read.error();
    }
    std::vector<StoredBudget> budgets;
    budgets.reserve(static_cast<std::size_t>(read->rows()));
    for (int row = 0; row < read->rows(); ++row) {
      budgets.push_back(ReadBudget(*read, row));
    }
    return budgets;
  });
}

}  // namespace

Result<std::unique_ptr<PostgresBudgetStore>> PostgresBudgetStore::Open(const PgOptions& options) {
  Result<std::unique_ptr<PgPool>> pool = PgPool::Open(options);
  if (!pool) {
    return pool.error();
  }
  PgPool& borrowed = **pool;
  return Migrate(std::move(*pool), borrowed);
}

Result<std::unique_ptr<PostgresBudgetStore>> PostgresBudgetStore::Open(PgPool& pool) {
  return Migrate(nullptr, pool);
}

Result<std::unique_ptr<PostgresBudgetStore>> PostgresBudgetStore::Migrate(
    std::unique_ptr<PgPool> owned, PgPool& pool) {
  Status migrated = ApplyPgMigrations(pool, PgMigrations());
  if (!migrated) {
    Error error = migrated.error();
    error.message = "storage: " + pool.description() + ": " + error.message;
    return error;
  }
  return std::unique_ptr<PostgresBudgetStore>(new PostgresBudgetStore(std::move(owned), pool));
}

PostgresBudgetStore::~PostgresBudgetStore() = default;

Result<StoredBudget> PostgresBudgetStore::UpsertBudget(const StoredBudget& budget) {
  // The update applies only within the budget's own organisation: a budget of another
  // organisation's scope is never taken over (no row comes back).
  const std::string sql = "INSERT INTO budgets (" + std::string(kColumns)
                          + ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)"
                            " ON CONFLICT (scope_type, scope_id, period) DO UPDATE SET"
                            " cap_usd = excluded.cap_usd, action = excluded.action,"
                            " updated_at_ms = excluded.updated_at_ms"
                            " WHERE budgets.org_id = excluded.org_id"
                            " RETURNING "
                          + std::string(kColumns);
  PgParams params;
  params.Text(budget.budget_id)
      .Text(budget.scope_type)
      .Text(budget.scope_id)
      .Text(budget.org_id)
      .Text(budget.period)
      .Double(budget.cap_usd)
      .Text(budget.action)
      .Int64(budget.created_at_ms)
      .Int64(budget.updated_at_ms);
  return pool_.Transact("BEGIN", [&](PgConnection& connection) -> Result<StoredBudget> {
    Result<PgResult> stored = connection.Exec(sql, params);
    if (!stored) {
      if (connection.last_sqlstate() == kPgForeignKeyViolation) {
        return Fail(ErrorCode::kNotFound,
                    "cannot store the budget: no organisation " + budget.org_id);
      }
      return stored.error();
    }
    if (stored->rows() == 0) {
      return Fail(ErrorCode::kAlreadyExists, "the " + budget.period + " budget of "
                                                 + budget.scope_type + " " + budget.scope_id
                                                 + " belongs to another organisation");
    }
    return ReadBudget(*stored, 0);
  });
}

Result<StoredBudget> PostgresBudgetStore::GetBudget(std::string_view budget_id) {
  PgParams params;
  params.Text(budget_id);
  Result<std::vector<StoredBudget>> budgets = QueryBudgets(
      pool_, "SELECT " + std::string(kColumns) + " FROM budgets WHERE budget_id = $1", params);
  if (!budgets) {
    return budgets.error();
  }
  if (budgets->empty()) {
    return Fail(ErrorCode::kNotFound, "no budget " + std::string(budget_id));
  }
  return std::move(budgets->front());
}

Result<std::vector<StoredBudget>> PostgresBudgetStore::ListBudgets(std::string_view org_id) {
  std::string sql = "SELECT " + std::string(kColumns) + " FROM budgets";
  PgParams params;
  if (!org_id.empty()) {
    sql += " WHERE org_id = $1";
    params.Text(org_id);
  }
  sql += " ORDER BY scope_type, scope_id, period";
  return QueryBudgets(pool_, sql, params);
}

Status PostgresBudgetStore::DeleteBudget(std::string_view budget_id) {
  PgParams params;
  params.Text(budget_id);
  return pool_.Transact("BEGIN", [&](PgConnection& connection) -> Status {
    Result<PgResult> removed = connection.Exec("DELETE FROM budgets WHERE budget_id = $1", params);
    if (!removed) {
      return removed.error();
    }
    if (removed->affected_rows() == 0) {
      return Fail(ErrorCode::kNotFound, "no budget " + std::string(budget_id));
    }
    return {};
  });
}

}  // namespace amaima::storage
