#include "amaima/governance/governance.h"

#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>

namespace amaima::governance {
namespace {

Error NotYours(std::string_view org_id) {
  return Fail(ErrorCode::kPermissionDenied, "AUTH_FORBIDDEN",
              "organisation " + std::string(org_id) + " is not administered by this key")
      .With("org_id", std::string(org_id));
}

bool ValidOrgId(std::string_view id) {
  if (id.empty() || id.size() > 64) {
    return false;
  }
  for (const char c : id) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
    if (!ok) {
      return false;
    }
  }
  return true;
}

}  // namespace

Governance::Governance(storage::GovernanceStore& store, ApiKeyAuthenticator& authenticator,
                       IdGenerator& ids, const Clock& clock)
    : store_(store), authenticator_(authenticator), ids_(ids), clock_(clock) {}

bool Governance::MayAdminister(const Principal& actor, std::string_view org_id) {
  return actor.role == Role::kAdmin && (actor.org_id == kSystemOrg || actor.org_id == org_id);
}

storage::AuditEntry MakeAuditEntry(const AuditEvent& event, IdGenerator& ids, const Clock& clock) {
  boost::json::object details;
  for (const auto& [key, value] : event.details) {
    details[key] = value;
  }
  storage::AuditEntry entry;
  entry.event_id = ids.NewId();
  entry.created_at_ms = UnixMillis(clock.Now());
  entry.org_id = event.org_id;
  entry.actor = event.actor;
  entry.action = event.action;
  entry.target = event.target;
  entry.outcome = event.success ? "success" : "failure";
  entry.details_json = boost::json::serialize(details);
  return entry;
}

Status Governance::Record(const AuditEvent& event) {
  Result<storage::AuditEntry> appended = store_.AppendAudit(MakeAuditEntry(event, ids_, clock_));
  if (!appended) {
    return appended.error();
  }
  return {};
}

Result<std::string> Governance::Bootstrap(std::string_view chosen_secret) {
  Result<std::int64_t> keys = store_.CountApiKeys();
  if (!keys) {
    return keys.error();
  }
  if (*keys > 0) {
    return std::string();
  }
  Result<storage::StoredOrg> org = store_.GetOrg(kSystemOrg);
  if (!org) {
    if (org.error().code != ErrorCode::kNotFound) {
      return org.error();
    }
    Status created = store_.InsertOrg(
        {std::string(kSystemOrg), std::string(kSystemOrg), "", UnixMillis(clock_.Now())});
    // Another replica starting at the same time may have created it first.
    if (!created && created.error().code != ErrorCode::kAlreadyExists) {
      return created.error();
    }
  }
  NewApiKey request;
  request.org_id = std::string(kSystemOrg);
  request.name = "bootstrap admin";
  request.role = Role::kAdmin;
  request.secret = std::string(chosen_secret);
  Result<CreatedApiKey> key = MakeApiKey(request, ids_, clock_);
  if (!key) {
    return key.error();
  }
  Status stored = store_.InsertApiKey(key->record);
  if (!stored) {
    if (stored.error().code == ErrorCode::kAlreadyExists && !chosen_secret.empty()) {
      return std::string();  // A replica starting at the same time stored this very key.
    }
    return stored.error();
  }
  Status audited =
      Record({std::string(kSystemOrg),
              "system",
              "key.create",
              "key:" + key->record.key_id,
              true,
              {{"role", "admin"},
               {"prefix", key->record.prefix},
               {"source", chosen_secret.empty() ? "generated" : "AMAIMA_ADMIN_API_KEY"}}});
  if (!audited) {
    return audited.error();
  }
  return chosen_secret.empty() ? key->secret : std::string();
}

Result<storage::StoredOrg> Governance::CreateOrg(const Principal& actor, std::string org_id,
                                                 std::string name) {
  if (actor.role != Role::kAdmin || actor.org_id != kSystemOrg) {
    return NotYours(org_id);
  }
  if (!ValidOrgId(org_id)) {
    return Fail(ErrorCode::kInvalidArgument, "VALIDATION_INVALID_VALUE",
                "org_id must be 1-64 characters of a-z, 0-9, '-' and '_'")
        .With("field", "org_id");
  }
  storage::StoredOrg org{std::move(org_id), std::move(name), "", UnixMillis(clock_.Now())};
  if (org.name.empty()) {
    org.name = org.org_id;  // The id names it until someone gives it a name.
  }
  Status inserted = store_.InsertOrg(org);
  if (!inserted) {
    return inserted.error();
  }
  Status audited =
      Record({org.org_id, actor.Subject(), "org.create", "org:" + org.org_id, true, {}});
  if (!audited) {
    return audited.error();
  }
  return org;
}

Result<std::vector<storage::StoredOrg>> Governance::ListOrgs(const Principal& actor) {
  Result<std::vector<storage::StoredOrg>> orgs = store_.ListOrgs();
  if (!orgs) {
    return orgs;
  }
  std::erase_if(
      *orgs, [&actor](const storage::StoredOrg& org) { return !MayAdminister(actor, org.org_id); });
  return orgs;
}

Result<storage::StoredOrg> Governance::SetExecutionMode(const Principal& actor,
                                                        std::string_view org_id,
                                                        std::string_view mode) {
  if (!MayAdminister(actor, org_id)) {
    return NotYours(org_id);
  }
  if (!mode.empty() && mode != "decision-only" && mode != "execution-enabled") {
    return Fail(ErrorCode::kInvalidArgument, "VALIDATION_INVALID_VALUE",
                R"(execution_mode must be "decision-only", "execution-enabled" or "inherit")")
        .With("field", "execution_mode");
  }
  Result<storage::StoredOrg> before = store_.GetOrg(org_id);
  if (!before) {
    return before.error();
  }
  Status set = store_.SetOrgExecutionMode(org_id, mode);
  if (!set) {
    return set.error();
  }
  authenticator_.Invalidate();
  org_changes_.fetch_add(1, std::memory_order_acq_rel);
  Status audited =
      Record({std::string(org_id),
              actor.Subject(),
              "org.execution_mode",
              "org:" + std::string(org_id),
              true,
              {{"from", before->execution_mode.empty() ? "inherit" : before->execution_mode},
               {"to", mode.empty() ? "inherit" : std::string(mode)}}});
  if (!audited) {
    return audited.error();
  }
  return store_.GetOrg(org_id);
}

Result<CreatedApiKey> Governance::CreateKey(const Principal& actor, NewApiKey request) {
  if (request.org_id.empty()) {
    request.org_id = actor.org_id;
  }
  if (!MayAdminister(actor, request.org_id)) {
    return NotYours(request.org_id);
  }
  request.secret.clear();  // Chosen secrets are for the bootstrap only.
  Result<CreatedApiKey> key = MakeApiKey(request, ids_, clock_);
  if (!key) {
    return key;
  }
  Status stored = store_.InsertApiKey(key->record);
  if (!stored) {
    return stored.error();
  }
  Status audited = Record({key->record.org_id,
                           actor.Subject(),
                           "key.create",
                           "key:" + key->record.key_id,
                           true,
                           {{"role", std::string(RoleName(key->record.role))},
                            {"prefix", key->record.prefix},
                            {"name", key->record.name}}});
  if (!audited) {
    return audited.error();
  }
  return key;
}

Result<std::vector<storage::StoredApiKey>> Governance::ListKeys(const Principal& actor,
                                                                std::string_view org_id) {
  if (org_id.empty() && actor.org_id != kSystemOrg) {
    org_id = actor.org_id;
  }
  if (!org_id.empty() && !MayAdminister(actor, org_id)) {
    return NotYours(org_id);
  }
  return store_.ListApiKeys(org_id);
}

Result<storage::StoredApiKey> Governance::RevokeKey(const Principal& actor,
                                                    std::string_view key_id) {
  Result<storage::StoredApiKey> key = store_.GetApiKey(key_id);
  if (!key) {
    return key;
  }
  if (!MayAdminister(actor, key->org_id)) {
    // Keys of other organisations are not even confirmed to exist.
    return Fail(ErrorCode::kNotFound, "no api key " + std::string(key_id));
  }
  Status revoked = store_.RevokeApiKey(key_id, UnixMillis(clock_.Now()));
  if (!revoked) {
    return revoked.error();
  }
  authenticator_.Invalidate();
  Status audited = Record({key->org_id,
                           actor.Subject(),
                           "key.revoke",
                           "key:" + key->key_id,
                           true,
                           {{"prefix", key->prefix}}});
  if (!audited) {
    return audited.error();
  }
  return store_.GetApiKey(key_id);
}

Result<storage::AuditPage> Governance::ListAudit(const Principal& actor,
                                                 storage::AuditFilter filter, int limit,
                                                 std::string_view cursor) {
  if (actor.org_id != kSystemOrg) {
    if (!filter.org_id.empty() && filter.org_id != actor.org_id) {
      return NotYours(filter.org_id);
    }
    filter.org_id = actor.org_id;
  }
  return store_.ListAudit(filter, limit, cursor);
}

}  // namespace amaima::governance
