#include "amaima/storage/postgres/postgres_governance_store.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <span>
#include <system_error>
#include <utility>

#include "amaima/storage/postgres/pg_migrations.h"

namespace amaima::storage {
namespace {

constexpr std::string_view kKeyColumns =
    "key_id, org_id, name, role, prefix, secret_hash, scopes, created_at_ms, expires_at_ms, "
    "revoked_at_ms";
constexpr std::string_view kAuditColumns =
    "seq, event_id, created_at_ms, org_id, actor, action, target, outcome, details_json, "
    "prev_hash, row_hash";

// VerifyAudit reads the chain in pages of this many rows, all from one snapshot.
constexpr int kVerifyPageRows = 1000;

StoredOrg ReadOrg(const PgResult& result, int row) {
  return StoredOrg{result.Text(row, 0), result.Text(row, 1), result.Text(row, 2),
                   result.Int64(row, 3)};
}

StoredApiKey ReadKey(const PgResult& result, int row) {
  StoredApiKey key;
  key.key_id = result.Text(row, 0);
  key.org_id = result.Text(row, 1);
  key.name = result.Text(row, 2);
  key.role = ParseRole(result.View(row, 3)).value_or(Role::kViewer);
  key.prefix = result.Text(row, 4);
  key.secret_hash = result.Text(row, 5);
  key.scopes = SplitScopes(result.View(row, 6));
  key.created_at_ms = result.Int64(row, 7);
  key.expires_at_ms = result.NullableInt64(row, 8);
  key.revoked_at_ms = result.NullableInt64(row, 9);
  return key;
}

AuditEntry ReadAudit(const PgResult& result, int row) {
  AuditEntry entry;
  entry.seq = result.Int64(row, 0);
  entry.event_id = result.Text(row, 1);
  entry.created_at_ms = result.Int64(row, 2);
  entry.org_id = result.Text(row, 3);
  entry.actor = result.Text(row, 4);
  entry.action = result.Text(row, 5);
  entry.target = result.Text(row, 6);
  entry.outcome = result.Text(row, 7);
  entry.details_json = result.Text(row, 8);
  entry.prev_hash = result.Text(row, 9);
  entry.row_hash = result.Text(row, 10);
  return entry;
}

// Parses an audit cursor as the SQLite store does (std::stoll on the whole text: optional
// leading white space and sign, decimal digits, in range, positive); 0 when it is not one.
std::int64_t ParseAuditCursor(std::string_view cursor) {
  std::size_t start = 0;
  while (start < cursor.size() && std::isspace(static_cast<unsigned char>(cursor[start])) != 0) {
    ++start;
  }
  std::string_view digits = cursor.substr(start);
  bool negative = false;
  if (!digits.empty() && (digits.front() == '+' || digits.front() == '-')) {
    negative = digits.front() == '-';
    digits.remove_prefix(1);
  }
  if (digits.empty() || digits.front() < '0' || digits.front() > '9') {
    return 0;
  }
  std::int64_t value = 0;
  const std::from_chars_result parsed =
      std::from_chars(digits.data(), digits.data() + digits.size(), value);
  if (parsed.ec != std::errc() || parsed.ptr != digits.data() + digits.size() || negative) {
    return 0;
  }
  return value;
}

// Runs `sql` outside a transaction and reads every row with `read_row`.
template <typename Row, typename ReadRow>
Result<std::vector<Row>> QueryRows(PgPool& pool, const std::string& sql, const PgParams& params,
                                   ReadRow read_row) {
  return pool.Run([&](PgConnection& connection) -> Result<std::vector<Row>> {
    Result<PgResult> result = connection.Exec(sql, params);
    if (!result) {
      return result.error();
    }
    std::vector<Row> rows;
    rows.reserve(static_cast<std::size_t>(result->rows()));
    for (int row = 0; row < result->rows(); ++row) {
      rows.push_back(read_row(*result, row));
    }
    return rows;
  });
}

// Rows per INSERT statement when appending a batch (11 parameters each).
constexpr std::size_t kAuditRowsPerInsert = 500;

// Appends `entries` inside the caller's transaction, as consecutive rows after the head:
// locks the head, links and hashes each entry (setting its seq and hashes), inserts the rows
// and moves the head.
Status AppendInTransaction(PgConnection& connection, std::vector<AuditEntry>& entries) {
  // The head row exists from migration 4 on; FOR UPDATE makes every other appender wait here
  // until this transaction ends, then read the head it left (READ COMMITTED re-reads the
  // locked row's newest version).
  Result<PgResult> head =
      connection.Exec("SELECT seq, row_hash FROM audit_head WHERE id = 1 FOR UPDATE");
  if (!head) {
    return head.error();
  }
  // Without a head (deleted by hand) the chain starts over, as in SQLite; VerifyAudit
  // reports the damage.
  std::int64_t seq = head->rows() == 1 ? head->Int64(0, 0) : 0;
  std::string prev_hash = head->rows() == 1 ? head->Text(0, 1) : std::string(kAuditGenesisHash);
  for (AuditEntry& entry : entries) {
    entry.seq = ++seq;
    entry.prev_hash = prev_hash;
    entry.row_hash = AuditRowHash(entry);
    prev_hash = entry.row_hash;
  }
  const std::span<const AuditEntry> all(entries);
  for (std::size_t start = 0; start < all.size(); start += kAuditRowsPerInsert) {
    const std::span<const AuditEntry> chunk =
        all.subspan(start, std::min(kAuditRowsPerInsert, all.size() - start));
    // One statement inserts the rows and moves the head to the last of them.
    std::string sql =
        "WITH appended AS (INSERT INTO audit_log (" + std::string(kAuditColumns) + ") VALUES ";
    PgParams params;
    int param = 1;
    for (std::size_t row = 0; row < chunk.size(); ++row) {
      const AuditEntry& entry = chunk[row];
      params.Int64(entry.seq)
          .Text(entry.event_id)
          .Int64(entry.created_at_ms)
          .Text(entry.org_id)
          .Text(entry.actor)
          .Text(entry.action)
          .Text(entry.target)
          .Text(entry.outcome)
          .Text(entry.details_json)
          .Text(entry.prev_hash)
          .Text(entry.row_hash);
      sql += row == 0 ? "(" : ", (";
      for (int column = 0; column < 11; ++column) {
        sql += column == 0 ? "$" : ", $";
        sql += std::to_string(param++);
      }
      sql += ")";
    }
    sql +=
        " RETURNING seq, row_hash) "
        "INSERT INTO audit_head (id, seq, row_hash) "
        "SELECT 1, seq, row_hash FROM appended ORDER BY seq DESC LIMIT 1 "
        "ON CONFLICT (id) DO UPDATE SET seq = excluded.seq, row_hash = excluded.row_hash";
    Result<PgResult> appended = connection.Exec(sql, params);
    if (!appended) {
      return appended.error();
    }
  }
  return {};
}

// Walks the chain oldest first and checks it against the head, inside one snapshot.
Result<AuditVerification> VerifyInTransaction(PgConnection& connection) {
  AuditVerification result;
  std::string previous_hash(kAuditGenesisHash);
  std::int64_t expected_seq = 1;
  const auto broken = [&result](std::int64_t seq, std::string problem) {
    if (!result.first_broken_seq.has_value()) {
      result.first_broken_seq = seq;
      result.problem = std::move(problem);
    }
  };
  std::optional<std::int64_t> after;
  for (;;) {
    PgParams params;
    std::string sql = "SELECT " + std::string(kAuditColumns) + " FROM audit_log";
    if (after.has_value()) {
      sql += " WHERE seq > $1";
      params.Int64(*after);
    }
    sql += " ORDER BY seq LIMIT " + std::to_string(kVerifyPageRows);
    Result<PgResult> page = connection.Exec(sql, params);
    if (!page) {
      return page.error();
    }
    for (int row = 0; row < page->rows(); ++row) {
      const AuditEntry entry = ReadAudit(*page, row);
      ++result.rows;
      if (entry.seq != expected_seq) {
        broken(expected_seq, "row " + std::to_string(expected_seq) + " is missing (next is "
                                 + std::to_string(entry.seq) + ")");
      } else if (entry.prev_hash != previous_hash) {
        broken(entry.seq,
               "row " + std::to_string(entry.seq) + " does not link to the row before it");
      } else if (AuditRowHash(entry) != entry.row_hash) {
        broken(entry.seq, "row " + std::to_string(entry.seq) + " was changed after it was written");
      }
      previous_hash = entry.row_hash;
      expected_seq = entry.seq + 1;
      after = entry.seq;
    }
    if (page->rows() < kVerifyPageRows) {
      break;
    }
  }
  Result<PgResult> head = connection.Exec("SELECT seq, row_hash FROM audit_head WHERE id = 1");
  if (!head) {
    return head.error();
  }
  if (head->rows() == 1) {
    const std::int64_t head_seq = head->Int64(0, 0);
    if (head_seq != expected_seq - 1 || head->View(0, 1) != previous_hash) {
      broken(std::min(head_seq, expected_seq),
             "the newest rows up to " + std::to_string(head_seq) + " were deleted or changed");
    }
  } else if (result.rows > 0) {
    broken(1, "the chain's head record is missing");
  }
  return result;
}

}  // namespace

Result<std::unique_ptr<PostgresGovernanceStore>> PostgresGovernanceStore::Open(
    const PgOptions& options) {
  Result<std::unique_ptr<PgPool>> pool = PgPool::Open(options);
  if (!pool) {
    return pool.error();
  }
  PgPool& borrowed = **pool;
  return Migrate(std::move(*pool), borrowed);
}

Result<std::unique_ptr<PostgresGovernanceStore>> PostgresGovernanceStore::Open(PgPool& pool) {
  return Migrate(nullptr, pool);
}

Result<std::unique_ptr<PostgresGovernanceStore>> PostgresGovernanceStore::Migrate(
    std::unique_ptr<PgPool> owned, PgPool& pool) {
  Status migrated = ApplyPgMigrations(pool, PgMigrations());
  if (!migrated) {
    Error error = migrated.error();
    error.message = "storage: " + pool.description() + ": " + error.message;
    return error;
  }
  return std::unique_ptr<PostgresGovernanceStore>(
      new PostgresGovernanceStore(std::move(owned), pool));
}

PostgresGovernanceStore::~PostgresGovernanceStore() = default;

Status PostgresGovernanceStore::InsertOrg(const StoredOrg& org) {
  PgParams params;
  params.Text(org.org_id).Text(org.name).Text(org.execution_mode).Int64(org.created_at_ms);
  return pool_.Transact("BEGIN", [&params](PgConnection& connection) -> Status {
    Result<PgResult> inserted = connection.Exec(
        "INSERT INTO orgs (org_id, name, execution_mode, created_at_ms) VALUES ($1, $2, $3, $4)",
        params);
    if (!inserted) {
      return inserted.error();
    }
    return {};
  });
}

Result<StoredOrg> PostgresGovernanceStore::GetOrg(std::string_view org_id) {
  PgParams params;
  params.Text(org_id);
  Result<std::vector<StoredOrg>> orgs = QueryRows<StoredOrg>(
      pool_, "SELECT org_id, name, execution_mode, created_at_ms FROM orgs WHERE org_id = $1",
      params, ReadOrg);
  if (!orgs) {
    return orgs.error();
  }
  if (orgs->empty()) {
    return Fail(ErrorCode::kNotFound, "no organisation " + std::string(org_id));
  }
  return std::move(orgs->front());
}

Result<std::vector<StoredOrg>> PostgresGovernanceStore::ListOrgs() {
  return QueryRows<StoredOrg>(
      pool_, "SELECT org_id, name, execution_mode, created_at_ms FROM orgs ORDER BY org_id", {},
      ReadOrg);
}

Status PostgresGovernanceStore::UpdateOne(const std::string& sql, const PgParams& params,
                                          std::string not_found) {
  return pool_.Transact("BEGIN", [&](PgConnection& connection) -> Status {
    Result<PgResult> updated = connection.Exec(sql, params);
    if (!updated) {
      return updated.error();
    }
    if (updated->affected_rows() == 0) {
      return Fail(ErrorCode::kNotFound, not_found);
    }
    return {};
  });
}

Status PostgresGovernanceStore::SetOrgExecutionMode(std::string_view org_id,
                                                    std::string_view mode) {
  PgParams params;
  params.Text(org_id).Text(mode);
  return UpdateOne("UPDATE orgs SET execution_mode = $2 WHERE org_id = $1", params,
                   "no organisation " + std::string(org_id));
}

Status PostgresGovernanceStore::InsertApiKey(const StoredApiKey& key) {
  PgParams params;
  params.Text(key.key_id)
      .Text(key.org_id)
      .Text(key.name)
      .Text(RoleName(key.role))
      .Text(key.prefix)
      .Text(key.secret_hash)
      .Text(JoinScopes(key.scopes))
      .Int64(key.created_at_ms)
      .NullableInt64(key.expires_at_ms)
      .NullableInt64(key.revoked_at_ms);
  const std::string sql = "INSERT INTO api_keys (" + std::string(kKeyColumns)
                          + ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)";
  return pool_.Transact("BEGIN", [&](PgConnection& connection) -> Status {
    Result<PgResult> inserted = connection.Exec(sql, params);
    if (!inserted) {
      if (connection.last_sqlstate() == kPgForeignKeyViolation) {
        return Fail(ErrorCode::kNotFound, "no organisation " + key.org_id);
      }
      return inserted.error();
    }
    return {};
  });
}

Result<std::vector<StoredApiKey>> PostgresGovernanceStore::QueryKeys(std::string_view where,
                                                                     const PgParams& params) {
  return QueryRows<StoredApiKey>(
      pool_, "SELECT " + std::string(kKeyColumns) + " FROM api_keys " + std::string(where), params,
      ReadKey);
}

Result<StoredApiKey> PostgresGovernanceStore::FindApiKeyByHash(std::string_view secret_hash) {
  PgParams params;
  params.Text(secret_hash);
  Result<std::vector<StoredApiKey>> keys = QueryKeys("WHERE secret_hash = $1", params);
  if (!keys) {
    return keys.error();
  }
  if (keys->empty()) {
    return Fail(ErrorCode::kNotFound, "no such api key");
  }
  return std::move(keys->front());
}

Result<StoredApiKey> PostgresGovernanceStore::GetApiKey(std::string_view key_id) {
  PgParams params;
  params.Text(key_id);
  Result<std::vector<StoredApiKey>> keys = QueryKeys("WHERE key_id = $1", params);
  if (!keys) {
    return keys.error();
  }
  if (keys->empty()) {
    return Fail(ErrorCode::kNotFound, "no api key " + std::string(key_id));
  }
  return std::move(keys->front());
}

Result<std::vector<StoredApiKey>> PostgresGovernanceStore::ListApiKeys(std::string_view org_id) {
  if (org_id.empty()) {
    return QueryKeys("ORDER BY created_at_ms DESC, key_id DESC", {});
  }
  PgParams params;
  params.Text(org_id);
  return QueryKeys("WHERE org_id = $1 ORDER BY created_at_ms DESC, key_id DESC", params);
}

Status PostgresGovernanceStore::RevokeApiKey(std::string_view key_id, std::int64_t revoked_at_ms) {
  PgParams params;
  params.Text(key_id).Int64(revoked_at_ms);
  return UpdateOne(
      "UPDATE api_keys SET revoked_at_ms = COALESCE(revoked_at_ms, $2) WHERE key_id = $1", params,
      "no api key " + std::string(key_id));
}

Result<std::int64_t> PostgresGovernanceStore::CountApiKeys() {
  return pool_.Run([](PgConnection& connection) -> Result<std::int64_t> {
    Result<PgResult> count = connection.Exec("SELECT count(*) FROM api_keys");
    if (!count) {
      return count.error();
    }
    return count->Int64(0, 0);
  });
}

Result<AuditEntry> PostgresGovernanceStore::AppendAudit(AuditEntry entry) {
  std::vector<AuditEntry> one;
  one.push_back(std::move(entry));
  Result<std::vector<AuditEntry>> appended = AppendAuditBatch(std::move(one));
  if (!appended) {
    return appended.error();
  }
  return std::move(appended->front());
}

Result<std::vector<AuditEntry>> PostgresGovernanceStore::AppendAuditBatch(
    std::vector<AuditEntry> entries) {
  if (entries.empty()) {
    return entries;
  }
  // Each try starts from the entries as given (AppendInTransaction assigns seqs and hashes).
  return pool_.Transact("BEGIN",
                        [&entries](PgConnection& connection) -> Result<std::vector<AuditEntry>> {
                          std::vector<AuditEntry> appended = entries;
                          Status done = AppendInTransaction(connection, appended);
                          if (!done) {
                            return done.error();
                          }
                          return appended;
                        });
}

Result<AuditPage> PostgresGovernanceStore::ListAudit(const AuditFilter& filter, int limit,
                                                     std::string_view cursor) {
  std::int64_t before = 0;
  if (!cursor.empty()) {
    before = ParseAuditCursor(cursor);
    if (before <= 0) {
      return Fail(ErrorCode::kInvalidArgument, "VALIDATION_INVALID_CURSOR",
                  "cursor is not one this server returned")
          .With("field", "cursor");
    }
  }
  limit = std::max(limit, 1);
  // Every filter is optional: an empty value or 0 disables its condition (the planner sees
  // the values, so the disabled conditions cost nothing).
  PgParams params;
  params.Text(filter.org_id)
      .Text(filter.actor)
      .Text(filter.action)
      .Int64(filter.since_ms)
      .Int64(filter.until_ms)
      .Int64(before)
      .Int64(static_cast<std::int64_t>(limit) + 1);
  Result<std::vector<AuditEntry>> entries = QueryRows<AuditEntry>(
      pool_,
      "SELECT " + std::string(kAuditColumns)
          + " FROM audit_log WHERE ($1 = '' OR org_id = $1) AND ($2 = '' OR actor = $2)"
            " AND ($3 = '' OR action = $3) AND ($4 = 0 OR created_at_ms >= $4)"
            " AND ($5 = 0 OR created_at_ms < $5) AND ($6 = 0 OR seq < $6)"
            " ORDER BY seq DESC LIMIT $7",
      params, ReadAudit);
  if (!entries) {
    return entries.error();
  }
  AuditPage page;
  page.entries = std::move(*entries);
  if (static_cast<int>(page.entries.size()) > limit) {
    page.entries.pop_back();
    page.next_cursor = std::to_string(page.entries.back().seq);
  }
  return page;
}

Result<AuditVerification> PostgresGovernanceStore::VerifyAudit() {
  return pool_.Transact("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", VerifyInTransaction);
}

}  // namespace amaima::storage
