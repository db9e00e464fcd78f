// What each role may do (src/amaima/core/access.h, RoleAllows) and which pages need what.

import type { Me, Permission, Role } from '../api/types';

const EVERYONE: Permission[] = ['public', 'session', 'read_own_decisions', 'read_analytics'];
const USER: Permission[] = [...EVERYONE, 'query', 'feedback'];
const ADMIN: Permission[] = [
  ...USER,
  'read_org_decisions',
  'read_audit',
  'manage_keys',
  'manage_org',
  'manage_users',
];

export const ROLE_PERMISSIONS: Record<Role, readonly Permission[]> = {
  viewer: EVERYONE,
  user: USER,
  admin: ADMIN,
};

/** The permissions of the caller: the server's word when /v1/auth/me answered, else its role's. */
export function permissionsOf(me: Me | null, fallbackRole: Role | null): ReadonlySet<Permission> {
  if (me) {
    return new Set(me.permissions);
  }
  return new Set(fallbackRole ? ROLE_PERMISSIONS[fallbackRole] : EVERYONE);
}

export interface NavItem {
  to: string;
  label: string;
  permission: Permission;
  admin?: boolean;
}

export const NAV_ITEMS: readonly NavItem[] = [
  { to: '/ask', label: 'Ask', permission: 'query' },
  { to: '/decisions', label: 'Decisions', permission: 'read_own_decisions' },
  { to: '/dashboard', label: 'Dashboard', permission: 'read_analytics' },
  { to: '/budgets', label: 'Budgets', permission: 'read_analytics' },
  { to: '/audit', label: 'Audit', permission: 'read_audit', admin: true },
  { to: '/keys', label: 'Keys', permission: 'manage_keys', admin: true },
  { to: '/users', label: 'Users', permission: 'manage_users', admin: true },
  { to: '/settings', label: 'Settings', permission: 'manage_org', admin: true },
];

export function visibleNav(permissions: ReadonlySet<Permission>): NavItem[] {
  return NAV_ITEMS.filter((item) => permissions.has(item.permission));
}

/** Where a signed-in caller lands: asking if it may, else the decisions. */
export function homePath(permissions: ReadonlySet<Permission>): string {
  return visibleNav(permissions)[0]?.to ?? '/decisions';
}
