#pragma once

#include <cstdint>
#include <span>
#include <string_view>

#include "amaima/core/result.h"
#include "amaima/storage/postgres/pg_connection.h"

namespace amaima::storage {

// One step of the PostgreSQL schema. Versions start at 1 and increase by one; a released
// migration never changes, a schema change is a new entry at the end of the list. Step n
// makes the change SQLite's step n makes, under the same name (storage_conformance_test
// checks that both lists agree).
struct PgMigration {
  int version{0};
  std::string_view name{};
  // Run one by one (PQexecParams takes one statement) in the migration's transaction.
  std::span<const std::string_view> statements{};
};

// Returns the migrations of the PostgreSQL schema, in version order.
std::span<const PgMigration> PgMigrations();

// The key of the transaction-level advisory lock that serialises migrations of one database.
inline constexpr std::int64_t kPgMigrationLockKey = 0x616d61696d61;  // "amaima"

// Brings the schema of the database `pool` connects to up to the last entry of `migrations`
// (which must be in order and contiguous from 1). Each pending migration runs in its own
// transaction, together with its row in schema_migrations(version, name, applied_at), under
// pg_advisory_xact_lock(kPgMigrationLockKey), re-reading the version under the lock: several
// processes starting at once apply each step exactly once, and a failure leaves the schema at
// the previous version. Fails with kFailedPrecondition if the database is newer than the last
// known version.
Status ApplyPgMigrations(PgPool& pool, std::span<const PgMigration> migrations);

// Returns the schema version: the highest applied migration, 0 for a new database (without
// creating anything).
Result<int> PgSchemaVersion(PgPool& pool);

}  // namespace amaima::storage
