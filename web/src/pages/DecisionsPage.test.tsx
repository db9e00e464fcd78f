import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import { decision } from '../test/decision';
import { json, meFor, renderApp, storeSession } from '../test/fakes';

const ids = (n: number, prefix: string) =>
  Array.from({ length: n }, (_, i) => `01a2013b-0000-7000-8000-${prefix}${String(i).padStart(12 - prefix.length, '0')}`);

describe('DecisionsPage', () => {
  it('filters by level, walks cursor pages and shows an empty state', async () => {
    storeSession({ kind: 'key', key: 'amk_viewer' });
    const user = userEvent.setup();
    const { calls } = renderApp('/decisions', (call) => {
      if (call.path === '/v1/auth/me') {
        return json(200, meFor('viewer'));
      }
      if (call.path === '/v1/models') {
        return json(200, { data: [{ id: 'auto' }, { id: 'gpt-4o-mini' }] });
      }
      if (call.path === '/v1/decisions') {
        if (call.query.get('level') === 'EXPERT') {
          return json(200, { data: [], next_cursor: null, has_more: false });
        }
        const page2 = call.query.get('cursor') === 'c2';
        const data = ids(2, page2 ? 'b' : 'a').map((id) => decision({ decision_id: id }));
        return json(200, { data, next_cursor: page2 ? null : 'c2', has_more: !page2 });
      }
      return json(200, {});
    });
    const table = await screen.findByRole('region', { name: 'Decisions table' });
    await waitFor(() => expect(within(table).getAllByRole('link')).toHaveLength(2));
    expect(within(table).getAllByRole('link')[0]).toHaveAttribute('href', `/decisions/${ids(2, 'a')[0]}`);

    await user.click(screen.getByRole('button', { name: 'Older →' }));
    await waitFor(() => expect(screen.getByText('Page 2')).toBeInTheDocument());
    await waitFor(() =>
      expect(within(screen.getByRole('region', { name: 'Decisions table' })).getAllByRole('link')[0]).toHaveAttribute(
        'href',
        `/decisions/${ids(2, 'b')[0]}`,
      ),
    );
    expect(screen.getByRole('button', { name: 'Older →' })).toBeDisabled();
    expect(calls.filter((c) => c.path === '/v1/decisions').at(-1)?.query.get('cursor')).toBe('c2');

    await user.click(screen.getByRole('button', { name: '← Newer' }));
    await waitFor(() => expect(screen.getByText('Page 1')).toBeInTheDocument());

    await user.selectOptions(screen.getByLabelText('Routed level'), 'EXPERT');
    expect(await screen.findByText('No decision matches these filters.')).toBeInTheDocument();
    const last = calls.filter((c) => c.path === '/v1/decisions').at(-1);
    expect(last?.query.get('level')).toBe('EXPERT');
    expect(last?.query.get('cursor')).toBeNull();
  });
});
