#include "amaima/storage/postgres/pg_migrations.h"

#include <array>
#include <string>

#include "amaima/core/check.h"
#include "amaima/storage/decision_store.h"
#include "amaima/storage/governance_store.h"

namespace amaima::storage {
namespace {

// The tables mirror the SQLite schema (sqlite/migrations.cc): BIGINT milliseconds, TEXT ids
// and JSON bodies (kept byte for byte), DOUBLE PRECISION costs, BOOLEAN flags. Columns that
// lists order or page by are COLLATE "C", so that text orders by bytes as in SQLite whatever
// the database's locale, and the keyset comparisons can use the indexes.

// Keyset pagination walks decision_id (UUIDv7, time-ordered) downwards; each filter column
// has an index ending in decision_id so that a filtered page is a backward index range scan.
constexpr std::array<std::string_view, 4> kCreateDecisions = {
    R"sql(CREATE TABLE decisions (
  decision_id             TEXT COLLATE "C" NOT NULL PRIMARY KEY,
  created_at_ms           BIGINT           NOT NULL,
  request_id              TEXT             NOT NULL,
  org_id                  TEXT COLLATE "C" NOT NULL,
  level                   TEXT COLLATE "C" NOT NULL,
  model                   TEXT COLLATE "C" NOT NULL,
  provider                TEXT             NOT NULL,
  query_hash              TEXT             NOT NULL,
  execution_mode          TEXT             NOT NULL,
  simulated               BOOLEAN          NOT NULL,
  decision_schema_version TEXT             NOT NULL,
  router_model_version    TEXT             NOT NULL,
  body_json               TEXT             NOT NULL,
  prompt_text             TEXT
))sql",
    "CREATE INDEX decisions_by_org ON decisions (org_id, decision_id)",
    "CREATE INDEX decisions_by_level ON decisions (level, decision_id)",
    "CREATE INDEX decisions_by_model ON decisions (model, decision_id)",
};

// One row per executed request; listed by decision. No foreign key, as in SQLite: an
// execution may be recorded before (or without) its decision.
constexpr std::array<std::string_view, 3> kCreateExecutions = {
    R"sql(CREATE TABLE executions (
  request_id        TEXT COLLATE "C" NOT NULL PRIMARY KEY,
  decision_id       TEXT COLLATE "C" NOT NULL,
  created_at_ms     BIGINT           NOT NULL,
  org_id            TEXT COLLATE "C" NOT NULL,
  surface           TEXT             NOT NULL,
  model             TEXT             NOT NULL,
  provider          TEXT             NOT NULL,
  streamed          BOOLEAN          NOT NULL,
  status            TEXT             NOT NULL CHECK (status IN ('ok', 'error', 'cancelled')),
  error_code        TEXT             NOT NULL,
  prompt_tokens     BIGINT           NOT NULL,
  completion_tokens BIGINT           NOT NULL,
  usage_estimated   BOOLEAN          NOT NULL,
  cost_usd          DOUBLE PRECISION NOT NULL,
  upstream_ms       DOUBLE PRECISION NOT NULL,
  total_ms          DOUBLE PRECISION NOT NULL,
  attempts          INTEGER          NOT NULL
))sql",
    "CREATE INDEX executions_by_decision ON executions (decision_id, created_at_ms)",
    "CREATE INDEX executions_by_org_time ON executions (org_id, created_at_ms)",
};

// Feedback on decisions. The CHECKs repeat ValidateFeedback(); the foreign key keeps feedback
// from outliving (or preceding) its decision. amaima_classified_level() reads
// complexity.level out of a decision's JSON body as SQLite's json_extract does, and '' for a
// body that is not JSON (PostgreSQL 15 has no non-throwing JSON test, hence the handler).
constexpr std::array<std::string_view, 4> kCreateFeedback = {
    R"sql(CREATE TABLE feedback (
  feedback_id   TEXT COLLATE "C" NOT NULL PRIMARY KEY,
  decision_id   TEXT COLLATE "C" NOT NULL REFERENCES decisions (decision_id) ON DELETE CASCADE,
  org_id        TEXT             NOT NULL,
  correct_level TEXT             CHECK (correct_level IN ('TRIVIAL', 'SIMPLE', 'MODERATE',
                                                          'COMPLEX', 'EXPERT')),
  rating        INTEGER          CHECK (rating BETWEEN 1 AND 5),
  comment       TEXT             CHECK (octet_length(comment) <= 4000),
  created_at_ms BIGINT           NOT NULL,
  CHECK (correct_level IS NOT NULL OR rating IS NOT NULL)
))sql",
    "CREATE INDEX feedback_by_decision ON feedback (decision_id, feedback_id)",
    "CREATE INDEX feedback_with_level ON feedback (feedback_id) WHERE correct_level IS NOT NULL",
    R"sql(CREATE FUNCTION amaima_classified_level(body TEXT) RETURNS TEXT
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $fn$
BEGIN
  RETURN COALESCE(body::jsonb #>> '{complexity,level}', '');
EXCEPTION WHEN data_exception THEN
  RETURN '';
END
$fn$)sql",
};

// Governance: organisations, API keys and the hash-chained audit trail. audit_head holds the
// last link and is updated in the same transaction as each append; it exists from the start
// (seq 0, the genesis hash) so that every append can lock it with SELECT ... FOR UPDATE, which
// makes appends from any number of processes form one chain.
constexpr std::array<std::string_view, 7> kCreateGovernance = {
    R"sql(CREATE TABLE orgs (
  org_id         TEXT COLLATE "C" NOT NULL PRIMARY KEY,
  name           TEXT             NOT NULL UNIQUE,
  execution_mode TEXT             NOT NULL CHECK (execution_mode IN ('', 'decision-only',
                                                                     'execution-enabled')),
  created_at_ms  BIGINT           NOT NULL
))sql",
    R"sql(CREATE TABLE api_keys (
  key_id        TEXT COLLATE "C" NOT NULL PRIMARY KEY,
  org_id        TEXT COLLATE "C" NOT NULL REFERENCES orgs (org_id),
  name          TEXT             NOT NULL,
  role          TEXT             NOT NULL CHECK (role IN ('admin', 'user', 'viewer')),
  prefix        TEXT             NOT NULL,
  secret_hash   TEXT             NOT NULL UNIQUE CHECK (length(secret_hash) = 64),
  scopes        TEXT             NOT NULL,
  created_at_ms BIGINT           NOT NULL,
  expires_at_ms BIGINT,
  revoked_at_ms BIGINT
))sql",
    "CREATE INDEX api_keys_by_org ON api_keys (org_id, created_at_ms)",
    R"sql(CREATE TABLE audit_log (
  seq           BIGINT           NOT NULL PRIMARY KEY,
  event_id      TEXT             NOT NULL UNIQUE,
  created_at_ms BIGINT           NOT NULL,
  org_id        TEXT COLLATE "C" NOT NULL,
  actor         TEXT COLLATE "C" NOT NULL,
  action        TEXT COLLATE "C" NOT NULL,
  target        TEXT             NOT NULL,
  outcome       TEXT             NOT NULL,
  details_json  TEXT             NOT NULL,
  prev_hash     TEXT             NOT NULL,
  row_hash      TEXT             NOT NULL
))sql",
    "CREATE INDEX audit_by_org ON audit_log (org_id, seq)",
    "CREATE INDEX audit_by_action ON audit_log (action, seq)",
    R"sql(CREATE TABLE audit_head (
  id       INTEGER NOT NULL PRIMARY KEY CHECK (id = 1),
  seq      BIGINT  NOT NULL,
  row_hash TEXT    NOT NULL
))sql",
};

// The seeded head, run after kCreateGovernance (its hash is a parameter-free literal).
constexpr std::string_view kSeedAuditHead =
    "INSERT INTO audit_head (id, seq, row_hash) VALUES (1, 0, "
    "'0000000000000000000000000000000000000000000000000000000000000000')";

static_assert(kMaxFeedbackCommentBytes == 4000, "migration 3 checks comments against 4000 bytes");
static_assert(kAuditGenesisHash
                  == "0000000000000000000000000000000000000000000000000000000000000000",
              "migration 4 seeds the audit head with the genesis hash");

constexpr std::array<std::string_view, kCreateGovernance.size() + 1> kGovernanceStatements = [] {
  std::array<std::string_view, kCreateGovernance.size() + 1> all{};
  for (std::size_t i = 0; i < kCreateGovernance.size(); ++i) {
    all[i] = kCreateGovernance[i];
  }
  all.back() = kSeedAuditHead;
  return all;
}();

// Users who log in, and the refresh tokens issued to them (one family per login), as in
// SQLite's migration 5. Every change to a user's tokens locks the user's row first
// (PostgresUserStore).
constexpr std::array<std::string_view, 5> kCreateUsers = {
    R"sql(CREATE TABLE users (
  user_id        TEXT COLLATE "C" NOT NULL PRIMARY KEY,
  org_id         TEXT COLLATE "C" NOT NULL REFERENCES orgs (org_id),
  email          TEXT COLLATE "C" NOT NULL UNIQUE,
  role           TEXT             NOT NULL,
  password_hash  TEXT             NOT NULL,
  created_at_ms  BIGINT           NOT NULL,
  disabled_at_ms BIGINT
))sql",
    "CREATE INDEX users_by_org ON users (org_id, created_at_ms)",
    R"sql(CREATE TABLE refresh_tokens (
  token_id      TEXT COLLATE "C" NOT NULL PRIMARY KEY,
  family_id     TEXT COLLATE "C" NOT NULL,
  user_id       TEXT COLLATE "C" NOT NULL REFERENCES users (user_id),
  issued_at_ms  BIGINT           NOT NULL,
  expires_at_ms BIGINT           NOT NULL,
  rotated_at_ms BIGINT,
  revoked_at_ms BIGINT
))sql",
    "CREATE INDEX refresh_tokens_by_family ON refresh_tokens (family_id)",
    "CREATE INDEX refresh_tokens_by_user ON refresh_tokens (user_id)",
};

// Budgets, as in SQLite's migration 6. A NaN cap is refused as SQLite refuses it (SQLite
// stores NaN as NULL); PostgreSQL would otherwise accept it, since NaN >= 0 there.
constexpr std::array<std::string_view, 2> kCreateBudgets = {
    R"sql(CREATE TABLE budgets (
  budget_id     TEXT COLLATE "C" NOT NULL PRIMARY KEY,
  scope_type    TEXT COLLATE "C" NOT NULL CHECK (scope_type IN ('org', 'key', 'user')),
  scope_id      TEXT COLLATE "C" NOT NULL CHECK (length(scope_id) > 0),
  org_id        TEXT COLLATE "C" NOT NULL REFERENCES orgs (org_id),
  period        TEXT COLLATE "C" NOT NULL CHECK (period IN ('daily', 'monthly')),
  cap_usd       DOUBLE PRECISION NOT NULL CHECK (cap_usd >= 0 AND cap_usd <> 'NaN'),
  action        TEXT             NOT NULL CHECK (action IN ('reject', 'downgrade')),
  created_at_ms BIGINT           NOT NULL,
  updated_at_ms BIGINT           NOT NULL,
  UNIQUE (scope_type, scope_id, period)
))sql",
    "CREATE INDEX budgets_by_org ON budgets (org_id, scope_type, scope_id, period)",
};

// Who asked for each execution ("key:<id>" / "user:<id>"), as in SQLite's migration 7. Rows
// written before it have "".
constexpr std::array<std::string_view, 1> kAddExecutionActor = {
    "ALTER TABLE executions ADD COLUMN actor TEXT NOT NULL DEFAULT ''",
};

// Who asked for each decision, as in SQLite's migration 8: users and viewers read only their
// own decisions.
constexpr std::array<std::string_view, 2> kAddDecisionActor = {
    "ALTER TABLE decisions ADD COLUMN actor TEXT COLLATE \"C\" NOT NULL DEFAULT ''",
    "CREATE INDEX decisions_by_org_actor ON decisions (org_id, actor, decision_id)",
};

// Append new migrations here; never edit a released one.
constexpr std::array kMigrations = {
    PgMigration{1, "create_decisions", kCreateDecisions},
    PgMigration{2, "create_executions", kCreateExecutions},
    PgMigration{3, "create_feedback", kCreateFeedback},
    PgMigration{4, "create_governance", kGovernanceStatements},
    PgMigration{5, "create_users", kCreateUsers},
    PgMigration{6, "create_budgets", kCreateBudgets},
    PgMigration{7, "add_execution_actor", kAddExecutionActor},
    PgMigration{8, "add_decision_actor", kAddDecisionActor},
};

constexpr std::string_view kCreateMigrationsTable =
    "CREATE TABLE IF NOT EXISTS schema_migrations ("
    "version INTEGER PRIMARY KEY, name TEXT NOT NULL, "
    "applied_at TIMESTAMPTZ NOT NULL DEFAULT clock_timestamp())";

Result<int> ReadVersion(PgConnection& connection) {
  // to_regclass: a new database has no schema_migrations yet, and creating it here would
  // race with other starters outside the lock.
  Result<PgResult> exists = connection.Exec("SELECT to_regclass('schema_migrations') IS NOT NULL");
  if (!exists) {
    return exists.error();
  }
  if (!exists->Bool(0, 0)) {
    return 0;
  }
  Result<PgResult> version =
      connection.Exec("SELECT COALESCE(MAX(version), 0) FROM schema_migrations");
  if (!version) {
    return version.error();
  }
  return static_cast<int>(version->Int64(0, 0));
}

// Under the advisory lock: applies the migration after the current version, if any. Returns
// the version the schema is at afterwards.
Result<int> ApplyNext(PgConnection& connection, std::span<const PgMigration> migrations) {
  Result<PgResult> locked =
      connection.Exec("SELECT pg_advisory_xact_lock($1)", PgParams().Int64(kPgMigrationLockKey));
  if (!locked) {
    return locked.error();
  }
  Result<PgResult> created = connection.Exec(std::string(kCreateMigrationsTable));
  if (!created) {
    return created.error();
  }
  Result<int> current = ReadVersion(connection);
  if (!current) {
    return current;
  }
  const int latest = static_cast<int>(migrations.size());
  if (*current > latest) {
    return Fail(ErrorCode::kFailedPrecondition,
                "the database schema is at version " + std::to_string(*current)
                    + ", newer than this binary knows (" + std::to_string(latest)
                    + "); run a newer amaima or restore a backup");
  }
  if (*current == latest) {
    return latest;
  }
  const PgMigration& migration = migrations[static_cast<std::size_t>(*current)];
  for (const std::string_view statement : migration.statements) {
    Result<PgResult> applied = connection.Exec(std::string(statement));
    if (!applied) {
      Error error = applied.error();
      error.message = "migration " + std::to_string(migration.version) + " ("
                      + std::string(migration.name) + ") failed: " + error.message;
      return error;
    }
  }
  Result<PgResult> recorded =
      connection.Exec("INSERT INTO schema_migrations (version, name) VALUES ($1, $2)",
                      PgParams().Int32(migration.version).Text(migration.name));
  if (!recorded) {
    return recorded.error();
  }
  return migration.version;
}

}  // namespace

std::span<const PgMigration> PgMigrations() {
  return kMigrations;
}

Result<int> PgSchemaVersion(PgPool& pool) {
  return pool.Run([](PgConnection& connection) { return ReadVersion(connection); });
}

Status ApplyPgMigrations(PgPool& pool, std::span<const PgMigration> migrations) {
  for (std::size_t i = 0; i < migrations.size(); ++i) {
    AMAIMA_CHECK(migrations[i].version == static_cast<int>(i) + 1);  // A bug in the list.
  }
  // The common case, an up-to-date schema, takes no lock.
  Result<int> current = PgSchemaVersion(pool);
  if (!current) {
    return current.error();
  }
  const int latest = static_cast<int>(migrations.size());
  while (*current < latest) {
    current = pool.Transact("BEGIN", [migrations](PgConnection& connection) {
      return ApplyNext(connection, migrations);
    });
    if (!current) {
      return current.error();
    }
  }
  if (*current > latest) {
    return Fail(ErrorCode::kFailedPrecondition,
                "the database schema is at version " + std::to_string(*current)
                    + ", newer than this binary knows (" + std::to_string(latest)
                    + "); run a newer amaima or restore a backup");
  }
  return {};
}

}  // namespace amaima::storage
