#include "amaima/core/access.h"

#include <gtest/gtest.h>

namespace amaima {
namespace {

TEST(AccessTest, TheMatrixFollowsTheSeed) {
  // {permission, viewer, user, admin}
  struct Row {
    Permission permission;
    bool viewer;
    bool user;
    bool admin;
  };

  const Row rows[] = {
      {Permission::kPublic, true, true, true},
      {Permission::kSession, true, true, true},
      {Permission::kQuery, false, true, true},
      {Permission::kFeedback, false, true, true},
      {Permission::kReadOwnDecisions, true, true, true},
      {Permission::kReadOrgDecisions, false, false, true},
      {Permission::kReadAnalytics, true, true, true},
      {Permission::kReadAudit, false, false, true},
      {Permission::kManageKeys, false, false, true},
      {Permission::kManageOrg, false, false, true},
      {Permission::kManageUsers, false, false, true},
  };
  ASSERT_EQ(std::size(rows), kAllPermissions.size());
  for (const Row& row : rows) {
    SCOPED_TRACE(std::string(PermissionName(row.permission)));
    EXPECT_EQ(RoleAllows(Role::kViewer, row.permission), row.viewer);
    EXPECT_EQ(RoleAllows(Role::kUser, row.permission), row.user);
    EXPECT_EQ(RoleAllows(Role::kAdmin, row.permission), row.admin);
  }
}

TEST(AccessTest, ScopesNarrowWhatARoleAllows) {
  Principal key;
  key.authenticated = true;
  key.role = Role::kUser;
  EXPECT_TRUE(key.Allows(Permission::kReadOwnDecisions));
  key.scopes = {Permission::kQuery};
  EXPECT_TRUE(key.Allows(Permission::kQuery));
  EXPECT_FALSE(key.Allows(Permission::kReadOwnDecisions));
  EXPECT_TRUE(key.Allows(Permission::kPublic));
  // A scope never adds what the role lacks.
  key.scopes = {Permission::kManageKeys};
  EXPECT_FALSE(key.Allows(Permission::kManageKeys));
}

TEST(AccessTest, PermissionsRoundTripByName) {
  for (const Permission permission : kAllPermissions) {
    EXPECT_EQ(ParsePermission(PermissionName(permission)), permission);
  }
  EXPECT_FALSE(ParsePermission("ci").has_value());
}

TEST(AccessTest, RolesRoundTripByName) {
  for (const Role role : kAllRoles) {
    EXPECT_EQ(ParseRole(RoleName(role)), role);
  }
  EXPECT_FALSE(ParseRole("root").has_value());
  EXPECT_FALSE(ParseRole("Admin").has_value());
}

TEST(AccessTest, TheSubjectNamesTheCredential) {
  Principal principal;
  EXPECT_EQ(principal.Subject(), "anonymous");
  principal.user_id = "u1";
  EXPECT_EQ(principal.Subject(), "user:u1");
  principal.key_id = "k1";
  EXPECT_EQ(principal.Subject(), "key:k1");
}

TEST(AccessTest, RecordsAreVisibleWithinTheirOrganisationOrToSystemAdmins) {
  Principal acme{true, "acme", "k1", "", Role::kAdmin, true};
  EXPECT_TRUE(acme.MaySee("acme"));
  EXPECT_FALSE(acme.MaySee("globex"));
  Principal system_user{true, std::string(kSystemOrg), "k2", "", Role::kUser, true};
  EXPECT_FALSE(system_user.MaySee("acme"));
  Principal system_admin{true, std::string(kSystemOrg), "k3", "", Role::kAdmin, true};
  EXPECT_TRUE(system_admin.MaySee("acme"));
  EXPECT_TRUE(Principal{}.MaySee("acme"));  // no authentication configured
}

}  // namespace
}  // namespace amaima
