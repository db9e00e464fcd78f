#pragma once

#include <cstdint>
#include <initializer_list>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include <sqlite3.h>

#include "amaima/core/result.h"

namespace amaima::storage {

// Owning handles for SQLite objects, shared by the SQLite stores and migrations. Like the raw
// sqlite3 objects they wrap, they are not thread-safe: one thread uses a connection at a time.

struct SqliteConnectionCloser {
  void operator()(sqlite3* db) const { sqlite3_close_v2(db); }
};

struct SqliteStatementFinalizer {
  void operator()(sqlite3_stmt* statement) const { sqlite3_finalize(statement); }
};

using SqliteConnection = std::unique_ptr<sqlite3, SqliteConnectionCloser>;
using SqliteStatement = std::unique_ptr<sqlite3_stmt, SqliteStatementFinalizer>;

// Returns an Error for SQLite result code `rc` met while doing `what`, with the connection's
// message. Busy/locked and I/O errors map to kUnavailable, constraint violations to
// kAlreadyExists, anything else to kInternal.
Error SqliteError(sqlite3* db, int rc, std::string_view what);

// Opens (creating if needed) the database at `path` with `flags` (SQLITE_OPEN_*) in
// multi-thread mode and extended result codes.
Result<SqliteConnection> OpenSqliteConnection(const std::string& path, int flags);

// Runs `sql` (one or more statements, no results) on `db`.
Status ExecSql(sqlite3* db, const char* sql);

// Prepares `sql` for repeated use.
Result<SqliteStatement> PrepareSql(sqlite3* db, std::string_view sql);

// Prepares each statement into its slot; stops at the first error (slots before it stay set).
Status PrepareEach(sqlite3* db,
                   std::initializer_list<std::pair<SqliteStatement*, std::string_view>> statements);

// Returns column `index` of the current row of `statement` as text ("" for NULL).
std::string ColumnText(sqlite3_stmt* statement, int index);

// Binds `text` (copied) to parameter `index`.
void Bind(sqlite3_stmt* statement, int index, std::string_view text);

// Binds `value`, or NULL when it is empty, to parameter `index`.
void BindOptional(sqlite3_stmt* statement, int index, const std::optional<std::int64_t>& value);

// Returns column `index` of the current row as an integer, nullopt for NULL.
std::optional<std::int64_t> ColumnOptional(sqlite3_stmt* statement, int index);

// Steps a statement that returns no rows; an error names `what`.
Status StepDone(sqlite3* db, sqlite3_stmt* statement, std::string_view what);

// As StepDone(), then resets the statement for its next use (also after an error).
Status StepDoneAndReset(sqlite3* db, sqlite3_stmt* statement, std::string_view what);

// Rolls back the transaction open on `db` when destroyed, unless Commit() was called. A
// failed rollback adds nothing to the error being returned already.
class SqliteTransaction {
 public:
  explicit SqliteTransaction(sqlite3* db) : db_(db) {}

  SqliteTransaction(const SqliteTransaction&) = delete;
  SqliteTransaction& operator=(const SqliteTransaction&) = delete;
  SqliteTransaction(SqliteTransaction&&) = delete;
  SqliteTransaction& operator=(SqliteTransaction&&) = delete;

  ~SqliteTransaction() {
    if (db_ != nullptr) {
      (void)ExecSql(db_, "ROLLBACK");
    }
  }

  Status Commit() {
    sqlite3* db = db_;
    db_ = nullptr;
    return ExecSql(db, "COMMIT");
  }

  // The transaction was committed by the caller's own statement: nothing to roll back.
  void Release() { db_ = nullptr; }

 private:
  sqlite3* db_;
};

}  // namespace amaima::storage
