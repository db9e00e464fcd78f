#include "amaima/storage/sqlite/sqlite_governance_store.h"

#include <algorithm>
#include <stdexcept>
#include <string>

#include "amaima/storage/sqlite/migrations.h"

namespace amaima::storage {
namespace {

constexpr std::string_view kKeyColumns =
    "key_id, org_id, name, role, prefix, secret_hash, scopes, created_at_ms, expires_at_ms, "
    "revoked_at_ms";
constexpr std::string_view kAuditColumns =
    "seq, event_id, created_at_ms, org_id, actor, action, target, outcome, details_json, "
    "prev_hash, row_hash";

StoredApiKey ReadKey(sqlite3_stmt* statement) {
  StoredApiKey key;
  key.key_id = ColumnText(statement, 0);
  key.org_id = ColumnText(statement, 1);
  key.name = ColumnText(statement, 2);
  key.role = ParseRole(ColumnText(statement, 3)).value_or(Role::kViewer);
  key.prefix = ColumnText(statement, 4);
  key.secret_hash = ColumnText(statement, 5);
  key.scopes = SplitScopes(ColumnText(statement, 6));
  key.created_at_ms = sqlite3_column_int64(statement, 7);
  key.expires_at_ms = ColumnOptional(statement, 8);
  key.revoked_at_ms = ColumnOptional(statement, 9);
  return key;
}

AuditEntry ReadAudit(sqlite3_stmt* statement) {
  AuditEntry entry;
  entry.seq = sqlite3_column_int64(statement, 0);
  entry.event_id = ColumnText(statement, 1);
  entry.created_at_ms = sqlite3_column_int64(statement, 2);
  entry.org_id = ColumnText(statement, 3);
  entry.actor = ColumnText(statement, 4);
  entry.action = ColumnText(statement, 5);
  entry.target = ColumnText(statement, 6);
  entry.outcome = ColumnText(statement, 7);
  entry.details_json = ColumnText(statement, 8);
  entry.prev_hash = ColumnText(statement, 9);
  entry.row_hash = ColumnText(statement, 10);
  return entry;
}

}  // namespace

Result<std::unique_ptr<SqliteGovernanceStore>> SqliteGovernanceStore::Open(
    const std::string& path) {
  Result<SqliteConnection> db = OpenMigratedSqlite(path);
  if (!db) {
    return db.error();
  }
  return std::unique_ptr<SqliteGovernanceStore>(new SqliteGovernanceStore(std::move(*db)));
}

Status SqliteGovernanceStore::InsertOrg(const StoredOrg& org) {
  const std::lock_guard lock(mutex_);
  Result<SqliteStatement> insert = PrepareSql(
      db_.get(),
      "INSERT INTO orgs (org_id, name, execution_mode, created_at_ms) VALUES (?1, ?2, ?3, ?4)");
  if (!insert) {
    return insert.error();
  }
  Bind(insert->get(), 1, org.org_id);
  Bind(insert->get(), 2, org.name);
  Bind(insert->get(), 3, org.execution_mode);
  sqlite3_bind_int64(insert->get(), 4, org.created_at_ms);
  return StepDone(db_.get(), insert->get(), "cannot insert org " + org.org_id);
}

Result<StoredOrg> SqliteGovernanceStore::GetOrg(std::string_view org_id) {
  const std::lock_guard lock(mutex_);
  Result<SqliteStatement> select = PrepareSql(
      db_.get(), "SELECT org_id, name, execution_mode, created_at_ms FROM orgs WHERE org_id = ?1");
  if (!select) {
    return select.error();
  }
  Bind(select->get(), 1, org_id);
  const int rc = sqlite3_step(select->get());
  if (rc == SQLITE_DONE) {
    return Fail(ErrorCode::kNotFound, "no organisation " + std::string(org_id));
  }
  if (rc != SQLITE_ROW) {
    return SqliteError(db_.get(), rc, "cannot read org");
  }
  return StoredOrg{ColumnText(select->get(), 0), ColumnText(select->get(), 1),
                   ColumnText(select->get(), 2), sqlite3_column_int64(select->get(), 3)};
}

Result<std::vector<StoredOrg>> SqliteGovernanceStore::ListOrgs() {
  const std::lock_guard lock(mutex_);
  Result<SqliteStatement> select = PrepareSql(
      db_.get(), "SELECT org_id, name, execution_mode, created_at_ms FROM orgs ORDER BY org_id");
  if (!select) {
    return select.error();
  }
  std::vector<StoredOrg> orgs;
  int rc = 0;
  while ((rc = sqlite3_step(select->get())) == SQLITE_ROW) {
    orgs.push_back({ColumnText(select->get(), 0), ColumnText(select->get(), 1),
                    ColumnText(select->get(), 2), sqlite3_column_int64(select->get(), 3)});
  }
  if (rc != SQLITE_DONE) {
    return SqliteError(db_.get(), rc, "cannot list orgs");
  }
  return orgs;
}

Status SqliteGovernanceStore::SetOrgExecutionMode(std::string_view org_id, std::string_view mode) {
  const std::lock_guard lock(mutex_);
  Result<SqliteStatement> update =
      PrepareSql(db_.get(), "UPDATE orgs SET execution_mode = ?2 WHERE org_id = ?1");
  if (!update) {
    return update.error();
  }
  Bind(update->get(), 1, org_id);
  Bind(update->get(), 2, mode);
  Status done = StepDone(db_.get(), update->get(), "cannot set the execution mode");
  if (!done) {
    return done;
  }
  if (sqlite3_changes(db_.get()) == 0) {
    return Fail(ErrorCode::kNotFound, "no organisation " + std::string(org_id));
  }
  return {};
}

Status SqliteGovernanceStore::InsertApiKey(const StoredApiKey& key) {
  const std::lock_guard lock(mutex_);
  Result<SqliteStatement> insert =
      PrepareSql(db_.get(), "INSERT INTO api_keys (" + std::string(kKeyColumns)
                                + ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)");
  if (!insert) {
    return insert.error();
  }
  sqlite3_stmt* s = insert->get();
  Bind(s, 1, key.key_id);
  Bind(s, 2, key.org_id);
  Bind(s, 3, key.name);
  Bind(s, 4, RoleName(key.role));
  Bind(s, 5, key.prefix);
  Bind(s, 6, key.secret_hash);
  Bind(s, 7, JoinScopes(key.scopes));
  sqlite3_bind_int64(s, 8, key.created_at_ms);
  BindOptional(s, 9, key.expires_at_ms);
  BindOptional(s, 10, key.revoked_at_ms);
  const int rc = sqlite3_step(s);
  if (rc == SQLITE_CONSTRAINT_FOREIGNKEY) {
    return Fail(ErrorCode::kNotFound, "no organisation " + key.org_id);
  }
  if (rc != SQLITE_DONE) {
    return SqliteError(db_.get(), rc, "cannot insert api key");
  }
  return {};
}

Result<std::vector<StoredApiKey>> SqliteGovernanceStore::QueryKeys(std::string_view sql,
                                                                   std::string_view argument) {
  Result<SqliteStatement> select = PrepareSql(
      db_.get(), "SELECT " + std::string(kKeyColumns) + " FROM api_keys " + std::string(sql));
  if (!select) {
    return select.error();
  }
  if (sqlite3_bind_parameter_count(select->get()) > 0) {
    Bind(select->get(), 1, argument);
  }
  std::vector<StoredApiKey> keys;
  int rc = 0;
  while ((rc = sqlite3_step(select->get())) == SQLITE_ROW) {
    keys.push_back(ReadKey(select->get()));
  }
  if (rc != SQLITE_DONE) {
    return SqliteError(db_.get(), rc, "cannot read api keys");
  }
  return keys;
}

Result<StoredApiKey> SqliteGovernanceStore::FindApiKeyByHash(std::string_view secret_hash) {
  const std::lock_guard lock(mutex_);
  Result<std::vector<StoredApiKey>> keys = QueryKeys("WHERE secret_hash = ?1", secret_hash);
  if (!keys) {
    return keys.error();
  }
  if (keys->empty()) {
    return Fail(ErrorCode::kNotFound, "no such api key");
  }
  return std::move(keys->front());
}

Result<StoredApiKey> SqliteGovernanceStore::GetApiKey(std::string_view key_id) {
  const std::lock_guard lock(mutex_);
  Result<std::vector<StoredApiKey>> keys = QueryKeys("WHERE key_id = ?1", key_id);
  if (!keys) {
    return keys.error();
  }
  if (keys->empty()) {
    return Fail(ErrorCode::kNotFound, "no api key " + std::string(key_id));
  }
  return std::move(keys->front());
}

Result<std::vector<StoredApiKey>> SqliteGovernanceStore::ListApiKeys(std::string_view org_id) {
  const std::lock_guard lock(mutex_);
  if (org_id.empty()) {
    return QueryKeys("ORDER BY created_at_ms DESC, key_id DESC", {});
  }
  return QueryKeys("WHERE org_id = ?1 ORDER BY created_at_ms DESC, key_id DESC", org_id);
}

Status SqliteGovernanceStore::RevokeApiKey(std::string_view key_id, std::int64_t revoked_at_ms) {
  const std::lock_guard lock(mutex_);
  Result<SqliteStatement> update = PrepareSql(
      db_.get(),
      "UPDATE api_keys SET revoked_at_ms = coalesce(revoked_at_ms, ?2) WHERE key_id = ?1");
  if (!update) {
    return update.error();
  }
  Bind(update->get(), 1, key_id);
  sqlite3_bind_int64(update->get(), 2, revoked_at_ms);
  Status done = StepDone(db_.get(), update->get(), "cannot revoke api key");
  if (!done) {
    return done;
  }
  if (sqlite3_changes(db_.get()) == 0) {
    return Fail(ErrorCode::kNotFound, "no api key " + std::string(key_id));
  }
  return {};
}

Result<std::int64_t> SqliteGovernanceStore::CountApiKeys() {
  const std::lock_guard lock(mutex_);
  Result<SqliteStatement> count = PrepareSql(db_.get(), "SELECT count(*) FROM api_keys");
  if (!count) {
    return count.error();
  }
  const int rc = sqlite3_step(count->get());
  if (rc != SQLITE_ROW) {
    return SqliteError(db_.get(), rc, "cannot count api keys");
  }
  return sqlite3_column_int64(count->get(), 0);
}

Result<AuditEntry> SqliteGovernanceStore::AppendAudit(AuditEntry entry) {
  std::vector<AuditEntry> one;
  one.push_back(std::move(entry));
  Result<std::vector<AuditEntry>> appended = AppendAuditBatch(std::move(one));
  if (!appended) {
    return appended.error();
  }
  return std::move(appended->front());
}

Status SqliteGovernanceStore::PrepareAuditStatements() {
  if (audit_ != nullptr) {
    return {};
  }
  auto statements = std::make_unique<AuditStatements>();
  const std::string insert = "INSERT INTO audit_log (" + std::string(kAuditColumns)
                             + ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)";
  Status prepared = PrepareEach(
      db_.get(),
      {{&statements->begin, "BEGIN IMMEDIATE"},
       {&statements->commit, "COMMIT"},
       {&statements->read_head, "SELECT seq, row_hash FROM audit_head"},
       {&statements->insert, insert},
       {&statements->move_head,
        "INSERT INTO audit_head (id, seq, row_hash) VALUES (1, ?1, ?2) "
        "ON CONFLICT (id) DO UPDATE SET seq = excluded.seq, row_hash = excluded.row_hash"}});
  if (!prepared) {
    return prepared;
  }
  audit_ = std::move(statements);
  return {};
}

Result<std::vector<AuditEntry>> SqliteGovernanceStore::AppendAuditBatch(
    std::vector<AuditEntry> entries) {
  if (entries.empty()) {
    return entries;
  }
  const std::lock_guard lock(mutex_);
  if (Status prepared = PrepareAuditStatements(); !prepared) {
    return prepared.error();
  }
  sqlite3* db = db_.get();
  // The chain's head is read inside the IMMEDIATE transaction, so that appends from several
  // processes on one file extend one chain.
  if (Status begun = StepDoneAndReset(db, audit_->begin.get(), "cannot begin an audit append");
      !begun) {
    return begun.error();
  }
  SqliteTransaction transaction(db);
  sqlite3_stmt* head = audit_->read_head.get();
  std::int64_t seq = 0;
  std::string prev_hash(kAuditGenesisHash);
  const int rc = sqlite3_step(head);
  if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
    Error error = SqliteError(db, rc, "cannot read the audit head");
    sqlite3_reset(head);
    return error;
  }
  if (rc == SQLITE_ROW) {
    seq = sqlite3_column_int64(head, 0);
    prev_hash = ColumnText(head, 1);
  }
  sqlite3_reset(head);
  sqlite3_stmt* s = audit_->insert.get();
  for (AuditEntry& entry : entries) {
    entry.seq = ++seq;
    entry.prev_hash = prev_hash;
    entry.row_hash = AuditRowHash(entry);
    prev_hash = entry.row_hash;
    sqlite3_bind_int64(s, 1, entry.seq);
    Bind(s, 2, entry.event_id);
    sqlite3_bind_int64(s, 3, entry.created_at_ms);
    Bind(s, 4, entry.org_id);
    Bind(s, 5, entry.actor);
    Bind(s, 6, entry.action);
    Bind(s, 7, entry.target);
    Bind(s, 8, entry.outcome);
    Bind(s, 9, entry.details_json);
    Bind(s, 10, entry.prev_hash);
    Bind(s, 11, entry.row_hash);
    Status inserted = StepDoneAndReset(db, s, "cannot append to the audit log");
    if (!inserted) {
      return inserted.error();
    }
  }
  sqlite3_stmt* move_head = audit_->move_head.get();
  sqlite3_bind_int64(move_head, 1, seq);
  Bind(move_head, 2, prev_hash);
  if (Status moved = StepDoneAndReset(db, move_head, "cannot move the audit head"); !moved) {
    return moved.error();
  }
  if (Status committed = StepDoneAndReset(db, audit_->commit.get(), "cannot commit the audit log");
      !committed) {
    return committed.error();  // The transaction's guard rolls back what is still open.
  }
  transaction.Release();
  return entries;
}

Result<AuditPage> SqliteGovernanceStore::ListAudit(const AuditFilter& filter, int limit,
                                                   std::string_view cursor) {
  constexpr int kMaxAuditListLimit = 10000;
  limit = std::clamp(limit, 1, kMaxAuditListLimit);  // A page holds at least one row.
  const std::lock_guard lock(mutex_);
  std::int64_t before = 0;
  if (!cursor.empty()) {
    try {
      std::size_t used = 0;
      before = std::stoll(std::string(cursor), &used);
      if (used != cursor.size() || before <= 0) {
        throw std::invalid_argument("cursor");
      }
    } catch (const std::exception&) {
      return Fail(ErrorCode::kInvalidArgument, "VALIDATION_INVALID_CURSOR",
                  "cursor is not one this server returned")
          .With("field", "cursor");
    }
  }
  // Every filter is optional: an empty value or 0 disables its condition.
  Result<SqliteStatement> select = PrepareSql(
      db_.get(), "SELECT " + std::string(kAuditColumns)
                     + " FROM audit_log WHERE (?1 = '' OR org_id = ?1) AND (?2 = '' OR actor = ?2)"
                       " AND (?3 = '' OR action = ?3) AND (?4 = 0 OR created_at_ms >= ?4)"
                       " AND (?5 = 0 OR created_at_ms < ?5) AND (?6 = 0 OR seq < ?6)"
                       " ORDER BY seq DESC LIMIT ?7");
  if (!select) {
    return select.error();
  }
  sqlite3_stmt* s = select->get();
  Bind(s, 1, filter.org_id);
  Bind(s, 2, filter.actor);
  Bind(s, 3, filter.action);
  sqlite3_bind_int64(s, 4, filter.since_ms);
  sqlite3_bind_int64(s, 5, filter.until_ms);
  sqlite3_bind_int64(s, 6, before);
  sqlite3_bind_int(s, 7, limit + 1);
  AuditPage page;
  int rc = 0;
  while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
    page.entries.push_back(ReadAudit(s));
  }
  if (rc != SQLITE_DONE) {
    return SqliteError(db_.get(), rc, "cannot list the audit log");
  }
  if (static_cast<int>(page.entries.size()) > limit) {
    page.entries.pop_back();
    page.next_cursor = std::to_string(page.entries.back().seq);
  }
  return page;
}

Result<AuditVerification> SqliteGovernanceStore::VerifyAudit() {
  const std::lock_guard lock(mutex_);
  sqlite3* db = db_.get();
  Status begun = ExecSql(db, "BEGIN");  // One snapshot for the walk and the head.
  if (!begun) {
    return begun.error();
  }
  SqliteTransaction transaction(db);
  Result<SqliteStatement> select =
      PrepareSql(db, "SELECT " + std::string(kAuditColumns) + " FROM audit_log ORDER BY seq");
  if (!select) {
    return select.error();
  }
  AuditVerification result;
  std::string previous_hash(kAuditGenesisHash);
  std::int64_t expected_seq = 1;
  const auto broken = [&result](std::int64_t seq, std::string problem) {
    if (!result.first_broken_seq.has_value()) {
      result.first_broken_seq = seq;
      result.problem = std::move(problem);
    }
  };
  int rc = 0;
  while ((rc = sqlite3_step(select->get())) == SQLITE_ROW) {
    const AuditEntry entry = ReadAudit(select->get());
    ++result.rows;
    if (entry.seq != expected_seq) {
      broken(expected_seq, "row " + std::to_string(expected_seq) + " is missing (next is "
                               + std::to_string(entry.seq) + ")");
    } else if (entry.prev_hash != previous_hash) {
      broken(entry.seq, "row " + std::to_string(entry.seq) + " does not link to the row before it");
    } else if (AuditRowHash(entry) != entry.row_hash) {
      broken(entry.seq, "row " + std::to_string(entry.seq) + " was changed after it was written");
    }
    previous_hash = entry.row_hash;
    expected_seq = entry.seq + 1;
  }
  if (rc != SQLITE_DONE) {
    return SqliteError(db, rc, "cannot read the audit log");
  }
  Result<SqliteStatement> head = PrepareSql(db, "SELECT seq, row_hash FROM audit_head");
  if (!head) {
    return head.error();
  }
  const int head_rc = sqlite3_step(head->get());
  if (head_rc == SQLITE_ROW) {
    const std::int64_t head_seq = sqlite3_column_int64(head->get(), 0);
    if (head_seq != expected_seq - 1 || ColumnText(head->get(), 1) != previous_hash) {
      broken(std::min(head_seq, expected_seq),
             "the newest rows up to " + std::to_string(head_seq) + " were deleted or changed");
    }
  } else if (head_rc == SQLITE_DONE) {
    if (result.rows > 0) {
      broken(1, "the chain's head record is missing");
    }
  } else {
    return SqliteError(db, head_rc, "cannot read the audit head");
  }
  return result;
}

}  // namespace amaima::storage
