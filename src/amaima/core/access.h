#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace amaima {

// Who may do what (DESIGN.md §8, seed 001 §8.1). Every route declares one Permission; a
// request is served only when its principal's role allows it (default deny).

enum class Role : std::uint8_t { kViewer, kUser, kAdmin };

// The organisation of the bootstrap admin key. Its admins administer and see every
// organisation; everyone else sees only their own.
inline constexpr std::string_view kSystemOrg = "default";

enum class Permission : std::uint8_t {
  kPublic,            // No credentials: health probes, login.
  kSession,           // Any authenticated caller: who am I, log out.
  kQuery,             // Decide and execute: simulate, query, execute, chat, messages, ws.
  kFeedback,          // Rate a decision.
  kReadOwnDecisions,  // Read the decisions one's own key or user made.
  kReadOrgDecisions,  // Read every decision of the organisation.
  kReadAnalytics,     // Catalogue, metrics.
  kReadAudit,         // The audit trail.
  kManageKeys,        // Create, list and revoke API keys.
  kManageOrg,         // Organisations and their execution mode.
  kManageUsers,       // Create, list and disable users.
};

inline constexpr std::array kAllRoles = {Role::kViewer, Role::kUser, Role::kAdmin};
inline constexpr std::array kAllPermissions = {
    Permission::kPublic,        Permission::kSession,          Permission::kQuery,
    Permission::kFeedback,      Permission::kReadOwnDecisions, Permission::kReadOrgDecisions,
    Permission::kReadAnalytics, Permission::kReadAudit,        Permission::kManageKeys,
    Permission::kManageOrg,     Permission::kManageUsers};

// The RBAC matrix: seed 001 §8.1 mapped onto the routes that exist.
//   create conversation      -> kQuery, kFeedback     admin user
//   view own conversations   -> kReadOwnDecisions     admin user viewer
//   view org conversations   -> kReadOrgDecisions     admin
//   modify agents (admin)    -> kManageKeys, kManageOrg, kManageUsers, kReadAudit   admin
//   view analytics           -> kReadAnalytics        admin user viewer
constexpr bool RoleAllows(Role role, Permission permission) {
  switch (permission) {
    case Permission::kPublic:
    case Permission::kSession:
    case Permission::kReadOwnDecisions:
    case Permission::kReadAnalytics:
      return true;
    case Permission::kQuery:
    case Permission::kFeedback:
      return role == Role::kUser || role == Role::kAdmin;
    case Permission::kReadOrgDecisions:
    case Permission::kReadAudit:
    case Permission::kManageKeys:
    case Permission::kManageOrg:
    case Permission::kManageUsers:
      return role == Role::kAdmin;
  }
  return false;
}

std::string_view RoleName(Role role);  // "admin" | "user" | "viewer"
std::optional<Role> ParseRole(std::string_view name);
std::string_view PermissionName(Permission permission);  // "query", "manage_keys", ...
std::optional<Permission> ParsePermission(std::string_view name);

// The authenticated caller of one request. Empty (`authenticated` false) on public routes.
struct Principal {
  bool authenticated{false};
  std::string org_id{};
  std::string key_id{};   // The API key used, if any.
  std::string user_id{};  // The user, for a user's key or token.
  Role role{Role::kViewer};
  // Whether the organisation may execute (its own switch under the process ceiling).
  bool execution_allowed{true};
  // A key's scopes: when not empty, the only permissions it may use (within its role's).
  std::vector<Permission> scopes{};

  // Whether its role grants `permission` and its scopes (if any) include it. Public routes are
  // open to everyone.
  bool Allows(Permission permission) const;

  // The subject recorded with decisions and in the audit trail: "key:<id>" or "user:<id>".
  std::string Subject() const;

  // The organisation its requests are recorded under ("default" when unauthenticated).
  std::string Org() const { return org_id.empty() ? std::string(kSystemOrg) : org_id; }

  // Whether records of `org` are visible to it: its own organisation's, or every one for an
  // admin of the system organisation. An unauthenticated principal (a server without
  // authentication, in-process tests) sees everything.
  bool MaySee(std::string_view org) const {
    return !authenticated || org == org_id || (role == Role::kAdmin && org_id == kSystemOrg);
  }

  // Whether a decision (or its executions and feedback) of `org`, asked for by `actor`, is
  // visible to it: within the organisations it may see, every record when it may read the
  // organisation's decisions (read_org_decisions), else only its own (read_own_decisions).
  bool MaySeeRecord(std::string_view org, std::string_view actor) const {
    return MaySee(org)
           && (!authenticated || Allows(Permission::kReadOrgDecisions) || actor == Subject());
  }
};

}  // namespace amaima
