#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "amaima/core/result.h"
#include "amaima/storage/governance_store.h"
#include "amaima/storage/postgres/pg_connection.h"

namespace amaima::storage {

// GovernanceStore on PostgreSQL (libpq), in the same database and schema as the decisions.
// Behaves as SqliteGovernanceStore does. An audit append locks the chain's head row
// (SELECT ... FROM audit_head FOR UPDATE) in the transaction that inserts the row and moves the
// head, so appends from any number of connections, stores and processes form one chain with
// seqs 1, 2, 3, ... and identical hashes on both back ends (AuditRowHash).
//
// @par Thread Safety
// Thread-safe: calls share the pool's connections.
class PostgresGovernanceStore final : public GovernanceStore {
 public:
  // Opens a pool on `options.url` and applies pending migrations (see PostgresDecisionStore).
  static Result<std::unique_ptr<PostgresGovernanceStore>> Open(const PgOptions& options);

  // Uses `pool`, which is borrowed and must outlive the store, and applies pending migrations.
  static Result<std::unique_ptr<PostgresGovernanceStore>> Open(PgPool& pool);

  PostgresGovernanceStore(const PostgresGovernanceStore&) = delete;
  PostgresGovernanceStore& operator=(const PostgresGovernanceStore&) = delete;
  PostgresGovernanceStore(PostgresGovernanceStore&&) = delete;
  PostgresGovernanceStore& operator=(PostgresGovernanceStore&&) = delete;
  ~PostgresGovernanceStore() override;

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
  // One transaction: the head is locked once and moved once, after the last row.
  Result<std::vector<AuditEntry>> AppendAuditBatch(std::vector<AuditEntry> entries) override;
  Result<AuditPage> ListAudit(const AuditFilter& filter, int limit,
                              std::string_view cursor) override;
  Result<AuditVerification> VerifyAudit() override;

 private:
  PostgresGovernanceStore(std::unique_ptr<PgPool> owned, PgPool& pool)
      : owned_pool_(std::move(owned)), pool_(pool) {}

  static Result<std::unique_ptr<PostgresGovernanceStore>> Migrate(std::unique_ptr<PgPool> owned,
                                                                  PgPool& pool);

  // Runs one UPDATE in a transaction; kNotFound (with `not_found`) when it changed no row.
  Status UpdateOne(const std::string& sql, const PgParams& params, std::string not_found);

  Result<std::vector<StoredApiKey>> QueryKeys(std::string_view where, const PgParams& params);

  const std::unique_ptr<PgPool> owned_pool_;  // Null when the pool is borrowed.
  PgPool& pool_;
};

}  // namespace amaima::storage
