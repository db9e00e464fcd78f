#include "amaima/storage/sqlite/sqlite_handle.h"

#include <climits>

namespace amaima::storage {

Error SqliteError(sqlite3* db, int rc, std::string_view what) {
  std::string message(what);
  message += ": ";
  message += db != nullptr ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
  ErrorCode code = ErrorCode::kInternal;
  switch (rc & 0xFF) {  // The primary result code.
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
    case SQLITE_IOERR:
    case SQLITE_FULL:
    case SQLITE_CANTOPEN:
    case SQLITE_READONLY:
      code = ErrorCode::kUnavailable;
      break;
    case SQLITE_CONSTRAINT:
      code = (rc == SQLITE_CONSTRAINT_PRIMARYKEY || rc == SQLITE_CONSTRAINT_UNIQUE)
                 ? ErrorCode::kAlreadyExists
                 : ErrorCode::kInvalidArgument;
      break;
    default:
      break;
  }
  return Fail(code, std::move(message));
}

Result<SqliteConnection> OpenSqliteConnection(const std::string& path, int flags) {
  sqlite3* raw = nullptr;
  const int rc = sqlite3_open_v2(path.c_str(), &raw, flags | SQLITE_OPEN_NOMUTEX, nullptr);
  // sqlite3_open_v2 allocates a handle even on failure (except out of memory); close it.
  SqliteConnection db(raw);
  if (rc != SQLITE_OK) {
    return SqliteError(db.get(), rc, "cannot open SQLite database '" + path + "'");
  }
  sqlite3_extended_result_codes(db.get(), 1);
  return db;
}

Status ExecSql(sqlite3* db, const char* sql) {
  char* error_message = nullptr;
  const int rc = sqlite3_exec(db, sql, nullptr, nullptr, &error_message);
  if (rc != SQLITE_OK) {
    // The same text as sqlite3_errmsg(), which SqliteError reports.
    sqlite3_free(error_message);
    return SqliteError(db, rc, "SQL failed");
  }
  return {};
}

Result<SqliteStatement> PrepareSql(sqlite3* db, std::string_view sql) {
  if (sql.size() > static_cast<std::size_t>(INT_MAX)) {
    return Fail(ErrorCode::kInternal, "SQL text too long");
  }
  sqlite3_stmt* raw = nullptr;
  const int rc = sqlite3_prepare_v3(db, sql.data(), static_cast<int>(sql.size()),
                                    SQLITE_PREPARE_PERSISTENT, &raw, nullptr);
  SqliteStatement statement(raw);
  if (rc != SQLITE_OK) {
    return SqliteError(db, rc, "cannot prepare SQL");
  }
  return statement;
}

Status PrepareEach(
    sqlite3* db, std::initializer_list<std::pair<SqliteStatement*, std::string_view>> statements) {
  for (const auto& [slot, sql] : statements) {
    Result<SqliteStatement> prepared = PrepareSql(db, sql);
    if (!prepared) {
      return prepared.error();
    }
    *slot = std::move(*prepared);
  }
  return {};
}

std::string ColumnText(sqlite3_stmt* statement, int index) {
  const unsigned char* text = sqlite3_column_text(statement, index);
  if (text == nullptr) {
    return {};
  }
  const int size = sqlite3_column_bytes(statement, index);
  return {reinterpret_cast<const char*>(text), static_cast<std::size_t>(size)};
}

void Bind(sqlite3_stmt* statement, int index, std::string_view text) {
  sqlite3_bind_text(statement, index, text.data(), static_cast<int>(text.size()), SQLITE_TRANSIENT);
}

void BindOptional(sqlite3_stmt* statement, int index, const std::optional<std::int64_t>& value) {
  if (value.has_value()) {
    sqlite3_bind_int64(statement, index, *value);
  } else {
    sqlite3_bind_null(statement, index);
  }
}

std::optional<std::int64_t> ColumnOptional(sqlite3_stmt* statement, int index) {
  if (sqlite3_column_type(statement, index) == SQLITE_NULL) {
    return std::nullopt;
  }
  return sqlite3_column_int64(statement, index);
}

Status StepDone(sqlite3* db, sqlite3_stmt* statement, std::string_view what) {
  const int rc = sqlite3_step(statement);
  if (rc != SQLITE_DONE) {
    return SqliteError(db, rc, what);
  }
  return {};
}

Status StepDoneAndReset(sqlite3* db, sqlite3_stmt* statement, std::string_view what) {
  const int rc = sqlite3_step(statement);
  Status status;
  if (rc != SQLITE_DONE) {
    status = SqliteError(db, rc, what);  // Before the reset, which may change the message.
  }
  sqlite3_reset(statement);
  return status;
}

}  // namespace amaima::storage
