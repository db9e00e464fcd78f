import { screen, waitFor, within } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import type { Role } from '../api/types';
import { json, meFor, renderApp, storeSession } from '../test/fakes';
import { ROLE_PERMISSIONS, homePath, permissionsOf, visibleNav } from './permissions';

function serve(role: Role) {
  return (call: { path: string }) => {
    if (call.path === '/v1/auth/me') {
      return json(200, meFor(role));
    }
    if (call.path === '/v1/health') {
      return json(200, { execution_mode: 'execution-enabled' });
    }
    if (call.path === '/v1/decisions') {
      return json(200, { data: [], next_cursor: null, has_more: false });
    }
    return json(200, { data: [] });
  };
}

async function navLinks(role: Role, path = '/') {
  storeSession({ kind: 'key', key: `amk_${role}` });
  renderApp(path, serve(role));
  const nav = await screen.findByRole('navigation', { name: 'Main' });
  await waitFor(() => expect(within(nav).getAllByRole('link').length).toBeGreaterThan(0));
  return within(nav)
    .getAllByRole('link')
    .map((a) => a.textContent?.replace(' admin', ''));
}

describe('role-based navigation', () => {
  it('shows an admin every page', async () => {
    expect(await navLinks('admin')).toEqual(['Ask', 'Decisions', 'Dashboard', 'Budgets', 'Audit', 'Keys', 'Users', 'Settings']);
  });

  it('shows a user Ask but no admin page', async () => {
    expect(await navLinks('user')).toEqual(['Ask', 'Decisions', 'Dashboard', 'Budgets']);
  });

  it('shows a viewer neither Ask nor admin pages, and starts on the decisions', async () => {
    expect(await navLinks('viewer')).toEqual(['Decisions', 'Dashboard', 'Budgets']);
    expect(await screen.findByRole('heading', { name: 'Decisions' })).toBeInTheDocument();
    expect(screen.queryByRole('checkbox', { name: /Live/ })).not.toBeInTheDocument();
  });

  it('refuses an admin page to a viewer who types its address', async () => {
    await navLinks('viewer', '/keys');
    expect(await screen.findByRole('heading', { name: 'Not available' })).toBeInTheDocument();
    expect(screen.getByText('manage_keys')).toBeInTheDocument();
    expect(screen.queryByRole('heading', { name: 'API keys' })).not.toBeInTheDocument();
  });

  it('refuses the Ask page to a viewer', async () => {
    await navLinks('viewer', '/ask');
    expect(await screen.findByRole('heading', { name: 'Not available' })).toBeInTheDocument();
    expect(screen.queryByRole('textbox', { name: 'Query' })).not.toBeInTheDocument();
  });

  it('sends a visitor without a session to the login page', async () => {
    renderApp('/audit', serve('admin'));
    expect(await screen.findByRole('button', { name: 'Sign in' })).toBeInTheDocument();
  });
});

describe('permissions', () => {
  it('mirror the server’s role matrix', () => {
    expect(ROLE_PERMISSIONS.viewer).not.toContain('query');
    expect(ROLE_PERMISSIONS.user).toContain('feedback');
    expect(ROLE_PERMISSIONS.user).not.toContain('read_audit');
    expect(ROLE_PERMISSIONS.admin).toContain('manage_users');
  });

  it('prefer what /v1/auth/me says over the role', () => {
    const me = { ...meFor('admin'), permissions: ['read_analytics' as const] };
    expect([...permissionsOf(me, 'admin')]).toEqual(['read_analytics']);
    expect(visibleNav(permissionsOf(null, 'user')).map((i) => i.label)).toContain('Ask');
    expect(homePath(permissionsOf(null, null))).toBe('/decisions');
  });
});
