#pragma once

#include <span>
#include <string>
#include <string_view>

#include <sqlite3.h>

#include "amaima/core/result.h"
#include "amaima/storage/sqlite/sqlite_handle.h"

namespace amaima::storage {

// One step of the SQLite schema. Versions start at 1 and increase by one; a released
// migration never changes, a schema change is a new entry at the end of the list.
struct SqliteMigration {
  int version{0};
  std::string_view name{};
  std::string_view sql{};  // One or more statements, run in the migration's transaction.
};

// Returns the migrations of the SQLite schema, in version order.
std::span<const SqliteMigration> SqliteMigrations();

// Brings the schema of `db` up to the last entry of `migrations` (which must be in order and
// contiguous from 1). Each pending migration runs in its own IMMEDIATE transaction together
// with its row in schema_migrations(version, name, applied_at), so a failure leaves the schema
// at the previous version and several processes opening one file apply each step once.
// Fails with kFailedPrecondition if the database is newer than the last known version.
// `db` is borrowed and used only during the call.
Status ApplySqliteMigrations(sqlite3* db, std::span<const SqliteMigration> migrations);

// Returns the schema version of `db`: the highest applied migration, 0 for a new database.
// Creates the empty schema_migrations table if it is missing.
Result<int> SqliteSchemaVersion(sqlite3* db);

// Opens (creating if missing) the database at `path` for a store: a 5 s busy timeout, WAL,
// synchronous FULL, foreign keys on, and every migration applied.
Result<SqliteConnection> OpenMigratedSqlite(const std::string& path);

}  // namespace amaima::storage
