#include "amaima/storage/governance_store.h"

#include "amaima/core/hashing.h"

namespace amaima::storage {
namespace {

// Length-prefixed fields: no choice of separators can make two entries hash alike.
void AppendField(std::string& out, std::string_view field) {
  out += std::to_string(field.size());
  out += ':';
  out += field;
  out += ';';
}

}  // namespace

std::string JoinScopes(const std::vector<std::string>& scopes) {
  std::string out;
  for (const std::string& scope : scopes) {
    out += out.empty() ? scope : " " + scope;
  }
  return out;
}

std::vector<std::string> SplitScopes(std::string_view text) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (start < text.size()) {
    std::size_t space = text.find(' ', start);
    if (space == std::string_view::npos) {
      space = text.size();
    }
    if (space > start) {
      out.emplace_back(text.substr(start, space - start));
    }
    start = space + 1;
  }
  return out;
}

std::string AuditRowHash(const AuditEntry& entry) {
  std::string canonical = "amaima-audit-v1;";
  AppendField(canonical, std::to_string(entry.seq));
  AppendField(canonical, entry.event_id);
  AppendField(canonical, std::to_string(entry.created_at_ms));
  AppendField(canonical, entry.org_id);
  AppendField(canonical, entry.actor);
  AppendField(canonical, entry.action);
  AppendField(canonical, entry.target);
  AppendField(canonical, entry.outcome);
  AppendField(canonical, entry.details_json);
  AppendField(canonical, entry.prev_hash);
  return ToHex(Sha256(canonical));
}

Result<std::vector<AuditEntry>> GovernanceStore::AppendAuditBatch(std::vector<AuditEntry> entries) {
  for (AuditEntry& entry : entries) {
    Result<AuditEntry> appended = AppendAudit(std::move(entry));
    if (!appended) {
      return appended.error();
    }
    entry = std::move(*appended);
  }
  return entries;
}

}  // namespace amaima::storage
