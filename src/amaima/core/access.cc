#include "amaima/core/access.h"

#include <algorithm>

namespace amaima {

std::string_view RoleName(Role role) {
  switch (role) {
    case Role::kViewer:
      return "viewer";
    case Role::kUser:
      return "user";
    case Role::kAdmin:
      return "admin";
  }
  return "viewer";
}

std::optional<Role> ParseRole(std::string_view name) {
  for (const Role role : kAllRoles) {
    if (RoleName(role) == name) {
      return role;
    }
  }
  return std::nullopt;
}

std::string_view PermissionName(Permission permission) {
  switch (permission) {
    case Permission::kPublic:
      return "public";
    case Permission::kSession:
      return "session";
    case Permission::kQuery:
      return "query";
    case Permission::kFeedback:
      return "feedback";
    case Permission::kReadOwnDecisions:
      return "read_own_decisions";
    case Permission::kReadOrgDecisions:
      return "read_org_decisions";
    case Permission::kReadAnalytics:
      return "read_analytics";
    case Permission::kReadAudit:
      return "read_audit";
    case Permission::kManageKeys:
      return "manage_keys";
    case Permission::kManageOrg:
      return "manage_org";
    case Permission::kManageUsers:
      return "manage_users";
  }
  return "unknown";
}

std::optional<Permission> ParsePermission(std::string_view name) {
  for (const Permission permission : kAllPermissions) {
    if (PermissionName(permission) == name) {
      return permission;
    }
  }
  return std::nullopt;
}

bool Principal::Allows(Permission permission) const {
  if (permission == Permission::kPublic) {
    return true;
  }
  if (!RoleAllows(role, permission)) {
    return false;
  }
  return scopes.empty() || std::find(scopes.begin(), scopes.end(), permission) != scopes.end();
}

std::string Principal::Subject() const {
  if (!key_id.empty()) {
    return "key:" + key_id;
  }
  if (!user_id.empty()) {
    return "user:" + user_id;
  }
  return "anonymous";
}

}  // namespace amaima
