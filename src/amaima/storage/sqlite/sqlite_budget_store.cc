#include "amaima/storage/sqlite/sqlite_budget_store.h"

#include <string>

#include "amaima/storage/sqlite/migrations.h"

namespace amaima::storage {
namespace {

constexpr std::string_view kColumns =
    "budget_id, scope_type, scope_id, org_id, period, cap_usd, action, created_at_ms, "
    "updated_at_ms";

StoredBudget ReadBudget(sqlite3_stmt* statement) {
  StoredBudget budget;
  budget.budget_id = ColumnText(statement, 0);
  budget.scope_type = ColumnText(statement, 1);
  budget.scope_id = ColumnText(statement, 2);
  budget.org_id = ColumnText(statement, 3);
  budget.period = ColumnText(statement, 4);
  budget.cap_usd = sqlite3_column_double(statement, 5);
  budget.action = ColumnText(statement, 6);
  budget.created_at_ms = sqlite3_column_int64(statement, 7);
  budget.updated_at_ms = sqlite3_column_int64(statement, 8);
  return budget;
}

}  // namespace

Result<std::unique_ptr<SqliteBudgetStore>> SqliteBudgetStore::Open(const std::string& path) {
  Result<SqliteConnection> db = OpenMigratedSqlite(path);
  if (!db) {
    return db.error();
  }
  return std::unique_ptr<SqliteBudgetStore>(new SqliteBudgetStore(std::move(*db)));
}

Result<StoredBudget> SqliteBudgetStore::UpsertBudget(const StoredBudget& budget) {
  const std::lock_guard lock(mutex_);
  // The update applies only within the budget's own organisation: a budget of another
  // organisation's scope is never taken over (no row comes back).
  Result<SqliteStatement> upsert = PrepareSql(
      db_.get(), "INSERT INTO budgets (" + std::string(kColumns)
                     + ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)"
                       " ON CONFLICT (scope_type, scope_id, period) DO UPDATE SET"
                       " cap_usd = excluded.cap_usd, action = excluded.action,"
                       " updated_at_ms = excluded.updated_at_ms"
                       " WHERE budgets.org_id = excluded.org_id"
                       " RETURNING "
                     + std::string(kColumns));
  if (!upsert) {
    return upsert.error();
  }
  sqlite3_stmt* s = upsert->get();
  Bind(s, 1, budget.budget_id);
  Bind(s, 2, budget.scope_type);
  Bind(s, 3, budget.scope_id);
  Bind(s, 4, budget.org_id);
  Bind(s, 5, budget.period);
  sqlite3_bind_double(s, 6, budget.cap_usd);
  Bind(s, 7, budget.action);
  sqlite3_bind_int64(s, 8, budget.created_at_ms);
  sqlite3_bind_int64(s, 9, budget.updated_at_ms);
  const int rc = sqlite3_step(s);
  if (rc == SQLITE_DONE) {
    return Fail(ErrorCode::kAlreadyExists, "the " + budget.period + " budget of "
                                               + budget.scope_type + " " + budget.scope_id
                                               + " belongs to another organisation");
  }
  if (rc != SQLITE_ROW) {
    if (sqlite3_extended_errcode(db_.get()) == SQLITE_CONSTRAINT_FOREIGNKEY) {
      return Fail(ErrorCode::kNotFound,
                  "cannot store the budget: no organisation " + budget.org_id);
    }
    return SqliteError(db_.get(), rc, "cannot store the budget");
  }
  StoredBudget stored = ReadBudget(s);
  // RETURNING rows are produced before the statement completes: finish it to commit.
  if (const int done = sqlite3_step(s); done != SQLITE_DONE) {
    return SqliteError(db_.get(), done, "cannot store the budget");
  }
  return stored;
}

Result<StoredBudget> SqliteBudgetStore::GetBudget(std::string_view budget_id) {
  const std::lock_guard lock(mutex_);
  Result<SqliteStatement> select = PrepareSql(
      db_.get(), "SELECT " + std::string(kColumns) + " FROM budgets WHERE budget_id = ?1");
  if (!select) {
    return select.error();
  }
  Bind(select->get(), 1, budget_id);
  const int rc = sqlite3_step(select->get());
  if (rc == SQLITE_DONE) {
    return Fail(ErrorCode::kNotFound, "no budget " + std::string(budget_id));
  }
  if (rc != SQLITE_ROW) {
    return SqliteError(db_.get(), rc, "cannot read the budget");
  }
  return ReadBudget(select->get());
}

Result<std::vector<StoredBudget>> SqliteBudgetStore::ListBudgets(std::string_view org_id) {
  const std::lock_guard lock(mutex_);
  Result<SqliteStatement> select =
      PrepareSql(db_.get(), "SELECT " + std::string(kColumns)
                                + " FROM budgets WHERE ?1 = '' OR org_id = ?1"
                                  " ORDER BY scope_type, scope_id, period");
  if (!select) {
    return select.error();
  }
  Bind(select->get(), 1, org_id);
  std::vector<StoredBudget> budgets;
  int rc = 0;
  while ((rc = sqlite3_step(select->get())) == SQLITE_ROW) {
    budgets.push_back(ReadBudget(select->get()));
  }
  if (rc != SQLITE_DONE) {
    return SqliteError(db_.get(), rc, "cannot list budgets");
  }
  return budgets;
}

Status SqliteBudgetStore::DeleteBudget(std::string_view budget_id) {
  const std::lock_guard lock(mutex_);
  Result<SqliteStatement> remove =
      PrepareSql(db_.get(), "DELETE FROM budgets WHERE budget_id = ?1");
  if (!remove) {
    return remove.error();
  }
  Bind(remove->get(), 1, budget_id);
  const int rc = sqlite3_step(remove->get());
  if (rc != SQLITE_DONE) {
    return SqliteError(db_.get(), rc, "cannot delete the budget");
  }
  if (sqlite3_changes(db_.get()) == 0) {
    return Fail(ErrorCode::kNotFound, "no budget " + std::string(budget_id));
  }
  return {};
}

}  // namespace amaima::storage
