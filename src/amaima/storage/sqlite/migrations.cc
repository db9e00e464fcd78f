#include "amaima/storage/sqlite/migrations.h"

#include <array>
#include <string>

#include "amaima/core/check.h"
#include "amaima/storage/decision_store.h"
#include "amaima/storage/sqlite/sqlite_handle.h"

namespace amaima::storage {
namespace {

// Keyset pagination walks decision_id (UUIDv7, time-ordered) downwards: the primary key index
// serves unfiltered lists, and each filter column has an index ending in decision_id so that a
// filtered page is a range scan in the right order (no sort).
constexpr std::string_view kCreateDecisions = R"sql(
CREATE TABLE decisions (
  decision_id             TEXT    NOT NULL PRIMARY KEY,
  created_at_ms           INTEGER NOT NULL,
  request_id              TEXT    NOT NULL,
  org_id                  TEXT    NOT NULL,
  level                   TEXT    NOT NULL,
  model                   TEXT    NOT NULL,
  provider                TEXT    NOT NULL,
  query_hash              TEXT    NOT NULL,
  execution_mode          TEXT    NOT NULL,
  simulated               INTEGER NOT NULL CHECK (simulated IN (0, 1)),
  decision_schema_version TEXT    NOT NULL,
  router_model_version    TEXT    NOT NULL,
  body_json               TEXT    NOT NULL,
  prompt_text             TEXT
) STRICT;
CREATE INDEX decisions_by_org ON decisions (org_id, decision_id);
CREATE INDEX decisions_by_level ON decisions (level, decision_id);
CREATE INDEX decisions_by_model ON decisions (model, decision_id);
)sql";

// One row per executed request; listed by decision.
constexpr std::string_view kCreateExecutions = R"sql(
CREATE TABLE executions (
  request_id        TEXT    NOT NULL PRIMARY KEY,
  decision_id       TEXT    NOT NULL,
  created_at_ms     INTEGER NOT NULL,
  org_id            TEXT    NOT NULL,
  surface           TEXT    NOT NULL,
  model             TEXT    NOT NULL,
  provider          TEXT    NOT NULL,
  streamed          INTEGER NOT NULL CHECK (streamed IN (0, 1)),
  status            TEXT    NOT NULL CHECK (status IN ('ok', 'error', 'cancelled')),
  error_code        TEXT    NOT NULL,
  prompt_tokens     INTEGER NOT NULL,
  completion_tokens INTEGER NOT NULL,
  usage_estimated   INTEGER NOT NULL CHECK (usage_estimated IN (0, 1)),
  cost_usd          REAL    NOT NULL,
  upstream_ms       REAL    NOT NULL,
  total_ms          REAL    NOT NULL,
  attempts          INTEGER NOT NULL
) STRICT;
CREATE INDEX executions_by_decision ON executions (decision_id, created_at_ms);
CREATE INDEX executions_by_org_time ON executions (org_id, created_at_ms);
)sql";

// Feedback on decisions (POST /v1/feedback): a corrected level, a rating or both. The CHECKs
// repeat ValidateFeedback() so that no writer can store what the API would refuse; the
// foreign key keeps feedback from outliving (or preceding) its decision.
constexpr std::string_view kCreateFeedback = R"sql(
CREATE TABLE feedback (
  feedback_id   TEXT    NOT NULL PRIMARY KEY,
  decision_id   TEXT    NOT NULL REFERENCES decisions (decision_id) ON DELETE CASCADE,
  org_id        TEXT    NOT NULL,
  correct_level TEXT    CHECK (correct_level IN ('TRIVIAL', 'SIMPLE', 'MODERATE', 'COMPLEX',
                                                 'EXPERT')),
  rating        INTEGER CHECK (rating BETWEEN 1 AND 5),
  comment       TEXT    CHECK (length(CAST(comment AS BLOB)) <= 4000),
  created_at_ms INTEGER NOT NULL,
  CHECK (correct_level IS NOT NULL OR rating IS NOT NULL)
) STRICT;
CREATE INDEX feedback_by_decision ON feedback (decision_id, feedback_id);
CREATE INDEX feedback_with_level ON feedback (feedback_id) WHERE correct_level IS NOT NULL;
)sql";

// Governance (DESIGN.md §8): organisations, API keys (only the SHA-256 of a secret is
// stored) and the hash-chained audit trail. audit_head holds the last link, updated in the
// same transaction as each append, so that deleting the newest rows is detected too.
constexpr std::string_view kCreateGovernance = R"sql(
CREATE TABLE orgs (
  org_id         TEXT    NOT NULL PRIMARY KEY,
  name           TEXT    NOT NULL UNIQUE,
  execution_mode TEXT    NOT NULL CHECK (execution_mode IN ('', 'decision-only',
                                                           'execution-enabled')),
  created_at_ms  INTEGER NOT NULL
) STRICT;
CREATE TABLE api_keys (
  key_id        TEXT    NOT NULL PRIMARY KEY,
  org_id        TEXT    NOT NULL REFERENCES orgs (org_id),
  name          TEXT    NOT NULL,
  role          TEXT    NOT NULL CHECK (role IN ('admin', 'user', 'viewer')),
  prefix        TEXT    NOT NULL,
  secret_hash   TEXT    NOT NULL UNIQUE CHECK (length(secret_hash) = 64),
  scopes        TEXT    NOT NULL,
  created_at_ms INTEGER NOT NULL,
  expires_at_ms INTEGER,
  revoked_at_ms INTEGER
) STRICT;
CREATE INDEX api_keys_by_org ON api_keys (org_id, created_at_ms);
CREATE TABLE audit_log (
  seq           INTEGER NOT NULL PRIMARY KEY,
  event_id      TEXT    NOT NULL UNIQUE,
  created_at_ms INTEGER NOT NULL,
  org_id        TEXT    NOT NULL,
  actor         TEXT    NOT NULL,
  action        TEXT    NOT NULL,
  target        TEXT    NOT NULL,
  outcome       TEXT    NOT NULL,
  details_json  TEXT    NOT NULL,
  prev_hash     TEXT    NOT NULL,
  row_hash      TEXT    NOT NULL
) STRICT;
CREATE INDEX audit_by_org ON audit_log (org_id, seq);
CREATE INDEX audit_by_action ON audit_log (action, seq);
CREATE TABLE audit_head (
  id       INTEGER NOT NULL PRIMARY KEY CHECK (id = 1),
  seq      INTEGER NOT NULL,
  row_hash TEXT    NOT NULL
) STRICT;
)sql";

// Users who log in, and the refresh tokens issued to them (one family per login).
constexpr std::string_view kCreateUsers = R"sql(
CREATE TABLE users (
  user_id        TEXT    NOT NULL PRIMARY KEY,
  org_id         TEXT    NOT NULL REFERENCES orgs (org_id),
  email          TEXT    NOT NULL UNIQUE,
  role           TEXT    NOT NULL,
  password_hash  TEXT    NOT NULL,
  created_at_ms  INTEGER NOT NULL,
  disabled_at_ms INTEGER
) STRICT;
CREATE INDEX users_by_org ON users (org_id, created_at_ms);
CREATE TABLE refresh_tokens (
  token_id      TEXT    NOT NULL PRIMARY KEY,
  family_id     TEXT    NOT NULL,
  user_id       TEXT    NOT NULL REFERENCES users (user_id),
  issued_at_ms  INTEGER NOT NULL,
  expires_at_ms INTEGER NOT NULL,
  rotated_at_ms INTEGER,
  revoked_at_ms INTEGER
) STRICT;
CREATE INDEX refresh_tokens_by_family ON refresh_tokens (family_id);
CREATE INDEX refresh_tokens_by_user ON refresh_tokens (user_id);
)sql";

// Budgets (DESIGN.md §8): a cap per organisation, API key or user and UTC day or month, and
// what happens to a request that would go over it. What was spent is the ledger's (limits/).
constexpr std::string_view kCreateBudgets = R"sql(
CREATE TABLE budgets (
  budget_id     TEXT    NOT NULL PRIMARY KEY,
  scope_type    TEXT    NOT NULL CHECK (scope_type IN ('org', 'key', 'user')),
  scope_id      TEXT    NOT NULL CHECK (length(scope_id) > 0),
  org_id        TEXT    NOT NULL REFERENCES orgs (org_id),
  period        TEXT    NOT NULL CHECK (period IN ('daily', 'monthly')),
  cap_usd       REAL    NOT NULL CHECK (cap_usd >= 0),
  action        TEXT    NOT NULL CHECK (action IN ('reject', 'downgrade')),
  created_at_ms INTEGER NOT NULL,
  updated_at_ms INTEGER NOT NULL,
  UNIQUE (scope_type, scope_id, period)
) STRICT;
CREATE INDEX budgets_by_org ON budgets (org_id, scope_type, scope_id, period);
)sql";

// Who asked for each execution ("key:<id>" / "user:<id>"), for the audit trail and usage by
// caller. Rows written before this migration have "".
constexpr std::string_view kAddExecutionActor = R"sql(
ALTER TABLE executions ADD COLUMN actor TEXT NOT NULL DEFAULT '';
)sql";

// Who asked for each decision: users and viewers read only their own (read_own_decisions).
constexpr std::string_view kAddDecisionActor = R"sql(
ALTER TABLE decisions ADD COLUMN actor TEXT NOT NULL DEFAULT '';
CREATE INDEX decisions_by_org_actor ON decisions (org_id, actor, decision_id);
)sql";

static_assert(kMaxFeedbackCommentBytes == 4000, "migration 3 checks comments against 4000 bytes");

// Append new migrations here; never edit a released one.
constexpr std::array kMigrations = {
    SqliteMigration{1, "create_decisions", kCreateDecisions},
    SqliteMigration{2, "create_executions", kCreateExecutions},
    SqliteMigration{3, "create_feedback", kCreateFeedback},
    SqliteMigration{4, "create_governance", kCreateGovernance},
    SqliteMigration{5, "create_users", kCreateUsers},
    SqliteMigration{6, "create_budgets", kCreateBudgets},
    SqliteMigration{7, "add_execution_actor", kAddExecutionActor},
    SqliteMigration{8, "add_decision_actor", kAddDecisionActor},
};

constexpr const char* kCreateMigrationsTable =
    "CREATE TABLE IF NOT EXISTS schema_migrations ("
    "version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)";

Status ApplyOne(sqlite3* db, const SqliteMigration& migration) {
  Status begun = ExecSql(db, "BEGIN IMMEDIATE");
  if (!begun) {
    return begun;
  }
  SqliteTransaction transaction(db);
  // Re-read inside the write lock: another process may have applied it meanwhile.
  Result<int> current = SqliteSchemaVersion(db);
  if (!current) {
    return current.error();
  }
  if (*current >= migration.version) {
    return transaction.Commit();
  }
  Status applied = ExecSql(db, std::string(migration.sql).c_str());
  if (!applied) {
    Error error = applied.error();
    error.message = "migration " + std::to_string(migration.version) + " ("
                    + std::string(migration.name) + ") failed: " + error.message;
    return error;
  }
  Result<SqliteStatement> record =
      PrepareSql(db,
                 "INSERT INTO schema_migrations (version, name, applied_at) "
                 "VALUES (?1, ?2, strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))");
  if (!record) {
    return record.error();
  }
  sqlite3_bind_int(record->get(), 1, migration.version);
  sqlite3_bind_text(record->get(), 2, migration.name.data(),
                    static_cast<int>(migration.name.size()), nullptr);
  const int rc = sqlite3_step(record->get());
  if (rc != SQLITE_DONE) {
    return SqliteError(db, rc, "cannot record migration");
  }
  return transaction.Commit();
}

}  // namespace

std::span<const SqliteMigration> SqliteMigrations() {
  return kMigrations;
}

Result<int> SqliteSchemaVersion(sqlite3* db) {
  Status created = ExecSql(db, kCreateMigrationsTable);
  if (!created) {
    return created.error();
  }
  Result<SqliteStatement> query =
      PrepareSql(db, "SELECT COALESCE(MAX(version), 0) FROM schema_migrations");
  if (!query) {
    return query.error();
  }
  const int rc = sqlite3_step(query->get());
  if (rc != SQLITE_ROW) {
    return SqliteError(db, rc, "cannot read the schema version");
  }
  return sqlite3_column_int(query->get(), 0);
}

Status ApplySqliteMigrations(sqlite3* db, std::span<const SqliteMigration> migrations) {
  for (std::size_t i = 0; i < migrations.size(); ++i) {
    AMAIMA_CHECK(migrations[i].version == static_cast<int>(i) + 1);  // A bug in the list.
  }
  const int latest = migrations.empty() ? 0 : migrations.back().version;
  Result<int> current = SqliteSchemaVersion(db);
  if (!current) {
    return current.error();
  }
  if (*current > latest) {
    return Fail(ErrorCode::kFailedPrecondition,
                "the database schema is at version " + std::to_string(*current)
                    + ", newer than this binary knows (" + std::to_string(latest)
                    + "); run a newer amaima or restore a backup");
  }
  for (const SqliteMigration& migration : migrations.subspan(static_cast<std::size_t>(*current))) {
    Status applied = ApplyOne(db, migration);
    if (!applied) {
      return applied;
    }
  }
  return {};
}

Result<SqliteConnection> OpenMigratedSqlite(const std::string& path) {
  Result<SqliteConnection> db =
      OpenSqliteConnection(path, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
  if (!db) {
    return db.error();
  }
  const int rc = sqlite3_busy_timeout(db->get(), 5000);
  if (rc != SQLITE_OK) {
    return SqliteError(db->get(), rc, "cannot set the busy timeout");
  }
  for (const char* pragma :
       {"PRAGMA journal_mode = WAL", "PRAGMA synchronous = FULL", "PRAGMA foreign_keys = ON"}) {
    Result<SqliteStatement> statement = PrepareSql(db->get(), pragma);
    if (!statement) {
      return statement.error();
    }
    while (sqlite3_step(statement->get()) == SQLITE_ROW) {
    }
  }
  Status migrated = ApplySqliteMigrations(db->get(), SqliteMigrations());
  if (!migrated) {
    Error error = migrated.error();
    error.message = "storage: '" + path + "': " + error.message;
    return error;
  }
  return db;
}

}  // namespace amaima::storage
