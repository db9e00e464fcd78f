import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import type { ApiKey } from '../api/types';
import { json, meFor, renderApp, storeSession } from '../test/fakes';

describe('KeysPage', () => {
  it('shows a new key’s secret once, lists it, and revokes it after confirmation', async () => {
    storeSession({ kind: 'key', key: 'amk_admin' });
    const keys: ApiKey[] = [];
    const user = userEvent.setup();
    const { calls } = renderApp('/keys', (call) => {
      if (call.path === '/v1/auth/me') {
        return json(200, meFor('admin'));
      }
      if (call.path === '/v1/admin/keys' && call.method === 'POST') {
        const body = call.body as { name: string; role: ApiKey['role']; scopes?: string[] };
        const key: ApiKey = {
          key_id: 'k-new',
          org_id: 'default',
          name: body.name,
          role: body.role,
          prefix: 'amk_1a2b3c4d',
          scopes: body.scopes ?? [],
          created_at_ms: Date.now(),
          expires_at_ms: null,
          revoked_at_ms: null,
        };
        keys.push(key);
        return json(201, { ...key, key: 'amk_1a2b3c4d' + 'e'.repeat(40) });
      }
      if (call.path === '/v1/admin/keys') {
        return json(200, { data: keys });
      }
      if (call.path === '/v1/admin/keys/k-new' && call.method === 'DELETE') {
        keys[0] = { ...keys[0]!, revoked_at_ms: Date.now() };
        return json(200, keys[0]);
      }
      return json(200, { execution_mode: 'execution-enabled' });
    });
    await screen.findByRole('heading', { name: 'API keys' });
    await user.type(screen.getByLabelText('Name'), 'billing');
    await user.selectOptions(screen.getByLabelText('Role'), 'viewer');
    await user.click(screen.getByRole('checkbox', { name: 'read_analytics' }));
    await user.click(screen.getByRole('button', { name: 'Create key' }));

    const reveal = await screen.findByTestId('secret-reveal');
    expect(within(reveal).getByRole('textbox', { name: 'Secret' })).toHaveValue('amk_1a2b3c4d' + 'e'.repeat(40));
    expect(reveal).toHaveTextContent('only time the secret is shown');
    expect(calls.find((c) => c.method === 'POST')?.body).toEqual({ role: 'viewer', name: 'billing', scopes: ['read_analytics'] });

    const table = await screen.findByRole('region', { name: 'Keys table' });
    await waitFor(() => expect(within(table).getByText('billing')).toBeInTheDocument());
    expect(table).not.toHaveTextContent('e'.repeat(40));

    await user.click(screen.getByRole('button', { name: 'I have stored it' }));
    expect(screen.queryByTestId('secret-reveal')).not.toBeInTheDocument();
    expect(document.body).not.toHaveTextContent('e'.repeat(40));

    await user.click(within(table).getByRole('button', { name: 'Revoke' }));
    await user.click(within(table).getByRole('button', { name: 'Confirm revoke' }));
    await waitFor(() => expect(within(table).getByText('revoked')).toBeInTheDocument());
    expect(calls.some((c) => c.method === 'DELETE' && c.path === '/v1/admin/keys/k-new')).toBe(true);
  });
});
