#pragma once

#include <memory>
#include <mutex>
#include <string>

#include "amaima/storage/governance_store.h"
#include "amaima/storage/sqlite/sqlite_handle.h"

namespace amaima::storage {

// GovernanceStore on the SQLite file the decisions live in (WAL): one connection under a
// mutex. Governance writes are rare and the request path reads keys through a cache, so one
// connection is enough. Audit appends run in IMMEDIATE transactions, so that several
// processes on one file extend one chain.
//
// @par Thread Safety
// Thread-safe.
class SqliteGovernanceStore final : public GovernanceStore {
 public:
  // Opens `path` (created if missing) and applies pending migrations.
  static Result<std::unique_ptr<SqliteGovernanceStore>> Open(const std::string& path);

  Status InsertOrg(const StoredOrg& org) override;
  Result<StoredOrg> GetOrg(std::string_view org_id) override;
  Result<std::vector<StoredOrg>> ListOrgs() override;
  Status SetOrgExecutionMode(std::string_view org_id, std::string_view mode) override;
  Status InsertApiKey(const StoredApiKey& key) override;
  Result<StoredApiKey> FindApiKeyByHash(std::string_view secret_hash) override;
  Result<StoredApiKey> GetApiKey(std::string_view key_id) override;
  Result<std::vector<StoredApiKey>> ListApiKeys(std::string_view org_id) override;
  Status RevokeApiKey(std::string_view key_id, std::int64_t revoked_at_ms) override;
  Result<std::int64_t> CountApiKeys() override;
  Result<AuditEntry> AppendAudit(AuditEntry entry) override;
  Result<std::vector<AuditEntry>> AppendAuditBatch(std::vector<AuditEntry> entries) override;
  Result<AuditPage> ListAudit(const AuditFilter& filter, int limit,
                              std::string_view cursor) override;
  Result<AuditVerification> VerifyAudit() override;

 private:
  explicit SqliteGovernanceStore(SqliteConnection db) : db_(std::move(db)) {}

  Result<std::vector<StoredApiKey>> QueryKeys(std::string_view sql, std::string_view argument);

  // The statements of an audit append, prepared on the first (every request appends).
  struct AuditStatements {
    SqliteStatement begin;
    SqliteStatement commit;
    SqliteStatement read_head;
    SqliteStatement insert;
    SqliteStatement move_head;
  };

  Status PrepareAuditStatements();  // Under mutex_.

  std::mutex mutex_;
  SqliteConnection db_;
  std::unique_ptr<AuditStatements> audit_;  // GUARDED_BY(mutex_); null until the first append
};

}  // namespace amaima::storage
