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

}  // namespace amaima::storage
