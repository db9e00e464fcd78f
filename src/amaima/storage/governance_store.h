#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "amaima/core/access.h"
#include "amaima/core/result.h"

namespace amaima::storage {

// An organisation (DESIGN.md §8). `execution_mode` is its own switch: "" (follow the
// process), "decision-only" or "execution-enabled"; the process mode is a ceiling over it.
struct StoredOrg {
  std::string org_id{};
  std::string name{};
  std::string execution_mode{};
  std::int64_t created_at_ms{0};

  friend bool operator==(const StoredOrg&, const StoredOrg&) = default;
};

// An API key. Only the SHA-256 of the secret is stored; `prefix` is the start of the secret,
// shown in lists so that people can tell their keys apart.
struct StoredApiKey {
  std::string key_id{};
  std::string org_id{};
  std::string name{};
  Role role{Role::kUser};
  std::string prefix{};
  std::string secret_hash{};          // Lower-case hex SHA-256 of the whole secret.
  std::vector<std::string> scopes{};  // Extra restrictions (empty: the role's permissions).
  std::int64_t created_at_ms{0};
  std::optional<std::int64_t> expires_at_ms{};
  std::optional<std::int64_t> revoked_at_ms{};

  friend bool operator==(const StoredApiKey&, const StoredApiKey&) = default;
};

// One row of the audit trail. Rows form a hash chain: `row_hash` = SHA-256 over `prev_hash`
// and every other field (AuditRowHash), `prev_hash` is the previous row's `row_hash` (64
// zeros for the first). Editing or deleting a row breaks the chain at that row or the next.
struct AuditEntry {
  std::int64_t seq{0};  // 1, 2, 3, ... assigned by the store.
  std::string event_id{};
  std::int64_t created_at_ms{0};
  std::string org_id{};
  std::string actor{};    // Principal::Subject(), or "system".
  std::string action{};   // "key.create", "key.revoke", "org.execution_mode", "auth.failure", ...
  std::string target{};   // What was acted on ("key:..." / "org:...").
  std::string outcome{};  // "success" | "failure"
  std::string details_json{};  // A JSON object.
  std::string prev_hash{};
  std::string row_hash{};

  friend bool operator==(const AuditEntry&, const AuditEntry&) = default;
};

inline constexpr std::string_view kAuditGenesisHash =
    "0000000000000000000000000000000000000000000000000000000000000000";

// A key's scopes as stored: space-separated (a scope never contains a space), and back.
std::string JoinScopes(const std::vector<std::string>& scopes);
std::vector<std::string> SplitScopes(std::string_view text);

// The chain hash of `entry` (its seq, fields and prev_hash; not its row_hash).
std::string AuditRowHash(const AuditEntry& entry);

struct AuditFilter {
  std::string org_id{};
  std::string actor{};
  std::string action{};
  std::int64_t since_ms{0};  // Inclusive; 0 = no bound.
  std::int64_t until_ms{0};  // Exclusive; 0 = no bound.
};

struct AuditPage {
  std::vector<AuditEntry> entries{};  // Newest first.
  std::string next_cursor{};          // Empty on the last page.
};

// The result of walking the chain.
struct AuditVerification {
  std::int64_t rows{0};
  // The first row whose hash or link does not hold, and why; nullopt when the chain is whole.
  std::optional<std::int64_t> first_broken_seq{};
  std::string problem{};
};

// Organisations, API keys and the audit trail (DESIGN.md §8–§9).
//
// @par Thread Safety
// Implementations are thread-safe. Calls block (disk, network): callers on I/O threads run
// them on the blocking pool.
class GovernanceStore {
 public:
  GovernanceStore() = default;
  GovernanceStore(const GovernanceStore&) = delete;
  GovernanceStore& operator=(const GovernanceStore&) = delete;
  GovernanceStore(GovernanceStore&&) = delete;
  GovernanceStore& operator=(GovernanceStore&&) = delete;
  virtual ~GovernanceStore() = default;

  // kAlreadyExists when the id or name is taken.
  virtual Status InsertOrg(const StoredOrg& org) = 0;
  virtual Result<StoredOrg> GetOrg(std::string_view org_id) = 0;
  virtual Result<std::vector<StoredOrg>> ListOrgs() = 0;
  // kNotFound for an unknown org.
  virtual Status SetOrgExecutionMode(std::string_view org_id, std::string_view mode) = 0;

  // kAlreadyExists for a duplicate id or secret; kNotFound when the org does not exist.
  virtual Status InsertApiKey(const StoredApiKey& key) = 0;
  // kNotFound when no key has this secret hash.
  virtual Result<StoredApiKey> FindApiKeyByHash(std::string_view secret_hash) = 0;
  virtual Result<StoredApiKey> GetApiKey(std::string_view key_id) = 0;
  // The keys of `org_id` ("" = every org), newest first.
  virtual Result<std::vector<StoredApiKey>> ListApiKeys(std::string_view org_id) = 0;
  // kNotFound for an unknown key; revoking a revoked key keeps the first time.
  virtual Status RevokeApiKey(std::string_view key_id, std::int64_t revoked_at_ms) = 0;
  virtual Result<std::int64_t> CountApiKeys() = 0;

  // Appends `entry` (its seq and hashes are assigned here, atomically with the link to the
  // previous row) and returns it as stored.
  virtual Result<AuditEntry> AppendAudit(AuditEntry entry) = 0;
  // Appends `entries` in order as consecutive rows of the chain, all or none (one transaction
  // where the back end has them), and returns them as stored. An empty batch appends nothing.
  // The default appends them one by one: back ends override it to commit once.
  virtual Result<std::vector<AuditEntry>> AppendAuditBatch(std::vector<AuditEntry> entries);
  virtual Result<AuditPage> ListAudit(const AuditFilter& filter, int limit,
                                      std::string_view cursor) = 0;
  // Recomputes every link, oldest first.
  virtual Result<AuditVerification> VerifyAudit() = 0;
};

}  // namespace amaima::storage
