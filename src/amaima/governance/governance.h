#pragma once

#include <atomic>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "amaima/core/access.h"
#include "amaima/core/clock.h"
#include "amaima/core/ids.h"
#include "amaima/core/result.h"
#include "amaima/governance/api_keys.h"
#include "amaima/storage/governance_store.h"

namespace amaima::governance {

// The organisation the bootstrap admin key belongs to. Its admins administer every
// organisation; other admins only their own.
using amaima::kSystemOrg;

// What was done, by whom, for the audit trail.
struct AuditEvent {
  std::string org_id{};
  std::string actor{};
  std::string action{};
  std::string target{};
  bool success{true};
  std::vector<std::pair<std::string, std::string>> details{};  // Written as a JSON object.
};

// The audit row of `event`: a new event id, the clock's time, the details as a JSON object.
// Its seq and hashes are assigned by the store when it is appended.
storage::AuditEntry MakeAuditEntry(const AuditEvent& event, IdGenerator& ids, const Clock& clock);

// Administrative operations on organisations and keys, each audited (DESIGN.md §8).
//
// @par Thread Safety
// Thread-safe. Every call blocks on the store: run it on the blocking pool.
class Governance {
 public:
  Governance(storage::GovernanceStore& store, ApiKeyAuthenticator& authenticator, IdGenerator& ids,
             const Clock& clock);

  // At first start (no key exists): creates the system org and an admin key with
  // `chosen_secret` (AMAIMA_ADMIN_API_KEY) or a generated one. Returns the generated secret
  // (to print once) or an empty string when none was generated or keys already exist.
  Result<std::string> Bootstrap(std::string_view chosen_secret);

  Result<storage::StoredOrg> CreateOrg(const Principal& actor, std::string org_id,
                                       std::string name);
  Result<std::vector<storage::StoredOrg>> ListOrgs(const Principal& actor);
  // `mode`: "" (follow the process), "decision-only" or "execution-enabled".
  Result<storage::StoredOrg> SetExecutionMode(const Principal& actor, std::string_view org_id,
                                              std::string_view mode);

  Result<CreatedApiKey> CreateKey(const Principal& actor, NewApiKey request);
  Result<std::vector<storage::StoredApiKey>> ListKeys(const Principal& actor,
                                                      std::string_view org_id);
  Result<storage::StoredApiKey> RevokeKey(const Principal& actor, std::string_view key_id);

  Result<storage::AuditPage> ListAudit(const Principal& actor, storage::AuditFilter filter,
                                       int limit, std::string_view cursor);

  // Appends one audit row. A failure to audit is returned: callers that changed something
  // report it rather than pretend the trail is whole.
  Status Record(const AuditEvent& event);

  // Whether `actor` may act on `org_id`.
  static bool MayAdminister(const Principal& actor, std::string_view org_id);

  // Counts the changes of organisations made through this process (execution switches):
  // caches of organisations keep an entry only while the count is unchanged.
  std::uint64_t org_changes() const { return org_changes_.load(std::memory_order_acquire); }

 private:
  storage::GovernanceStore& store_;
  ApiKeyAuthenticator& authenticator_;
  IdGenerator& ids_;
  const Clock& clock_;
  std::atomic<std::uint64_t> org_changes_{0};
};

}  // namespace amaima::governance
