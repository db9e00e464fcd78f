import { act, screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it, vi } from 'vitest';
import { decision } from '../test/decision';
import { FakeSocket, json, meFor, renderApp, storeSession } from '../test/fakes';

type Sent = { type: string; id: string; payload?: { query?: string } };

function serve(mode: 'execution-enabled' | 'decision-only') {
  return (call: { path: string; body: unknown }) => {
    switch (call.path) {
      case '/v1/auth/me':
        return json(200, meFor('user'));
      case '/v1/health':
        return json(200, { execution_mode: mode });
      case '/v1/models':
        return json(200, { data: [{ id: 'auto', owned_by: 'amaima' }, { id: 'gpt-4o-mini', owned_by: 'openai' }] });
      case '/v1/simulate':
        return json(200, decision({ simulated: true }));
      case '/v1/feedback':
        return json(201, { feedback_id: 'f1', decision_id: decision().decision_id, correct_level: 'COMPLEX', rating: 4, comment: null, org_id: 'default', created_at: '' });
      default:
        return json(404, { error: { code: 'QUERY_NOT_FOUND', message: call.path } });
    }
  };
}

async function openSocket(): Promise<FakeSocket> {
  await vi.waitFor(() => expect(FakeSocket.last).not.toBeNull());
  const socket = FakeSocket.last!;
  act(() => socket.open());
  return socket;
}

describe('AskPage', () => {
  it('previews the routing while typing, streams the answer and records feedback', async () => {
    FakeSocket.last = null;
    storeSession({ kind: 'key', key: 'amk_user' });
    const user = userEvent.setup();
    const { calls } = renderApp('/ask', serve('execution-enabled'));
    const box = await screen.findByRole('textbox', { name: 'Query' });
    await user.type(box, 'Write a merge function');
    await waitFor(() => expect(screen.getByTestId('preview')).toHaveTextContent('gpt-4.1-mini'), { timeout: 3000 });
    const simulations = calls.filter((c) => c.path === '/v1/simulate');
    expect(simulations.length).toBeLessThanOrEqual(2); // debounced, not one per keystroke
    expect(simulations.at(-1)?.body).toEqual({ query: 'Write a merge function' });
    expect(screen.getByTestId('preview')).toHaveTextContent('MODERATE');
    expect(screen.getByTestId('preview')).toHaveTextContent('$0.000806');

    await user.click(screen.getByRole('button', { name: 'Send' }));
    const socket = await openSocket();
    const query = socket.sent[0] as Sent;
    expect(query).toMatchObject({ type: 'query', payload: { query: 'Write a merge function' } });
    act(() => socket.receive({ type: 'decision', id: query.id, payload: decision() }));
    expect(await screen.findByRole('article', { name: /Decision/ })).toBeInTheDocument();
    expect(screen.getByRole('button', { name: 'Stop' })).toBeInTheDocument();
    act(() => socket.receive({ type: 'chunk', id: query.id, payload: { content: 'Here is **the** ' } }));
    act(() => socket.receive({ type: 'chunk', id: query.id, payload: { content: 'answer.' } }));
    expect(screen.getByTestId('answer')).toHaveTextContent('Here is the answer.');
    act(() =>
      socket.receive({
        type: 'complete',
        id: query.id,
        payload: { decision_id: decision().decision_id, model: 'gpt-4.1-mini', finish_reason: 'stop', usage: null, simulated: false },
      }),
    );
    expect(screen.getByTestId('run-status')).toHaveTextContent('Answer complete.');
    expect(screen.queryByRole('button', { name: 'Stop' })).not.toBeInTheDocument();

    await user.selectOptions(screen.getByLabelText('Correct level'), 'COMPLEX');
    await user.click(screen.getByRole('radio', { name: '4' }));
    await user.click(screen.getByRole('button', { name: 'Send feedback' }));
    expect(await screen.findByText(/feedback recorded/)).toBeInTheDocument();
    expect(calls.find((c) => c.path === '/v1/feedback')?.body).toEqual({
      decision_id: decision().decision_id,
      correct_level: 'COMPLEX',
      rating: 4,
    });
  });

  it('stops a streaming answer with cancel', async () => {
    FakeSocket.last = null;
    storeSession({ kind: 'key', key: 'amk_user' });
    const user = userEvent.setup();
    renderApp('/ask', serve('execution-enabled'));
    await user.type(await screen.findByRole('textbox', { name: 'Query' }), 'slow one');
    await user.click(screen.getByRole('button', { name: 'Send' }));
    const socket = await openSocket();
    const query = socket.sent[0] as Sent;
    act(() => socket.receive({ type: 'decision', id: query.id, payload: decision() }));
    act(() => socket.receive({ type: 'chunk', id: query.id, payload: { content: 'partial' } }));
    await user.click(screen.getByRole('button', { name: 'Stop' }));
    expect(socket.sent.at(-1)).toEqual({ type: 'cancel', id: query.id });
    act(() => socket.receive({ type: 'error', id: query.id, payload: { code: 'QUERY_CANCELLED', message: 'cancelled', request_id: 'r' } }));
    expect(screen.getByTestId('run-status')).toHaveTextContent('Stopped.');
    expect(screen.getByTestId('answer')).toHaveTextContent('partial');
  });

  it('says the server is in decision-only mode and shows the result as a simulation', async () => {
    FakeSocket.last = null;
    storeSession({ kind: 'key', key: 'amk_user' });
    const user = userEvent.setup();
    renderApp('/ask', serve('decision-only'));
    expect(await screen.findByTestId('decision-only-notice')).toHaveTextContent('decision-only');
    await user.type(screen.getByRole('textbox', { name: 'Query' }), 'hi');
    await user.click(screen.getByRole('button', { name: 'Send' }));
    const socket = await openSocket();
    const query = socket.sent[0] as Sent;
    act(() => socket.receive({ type: 'decision', id: query.id, payload: decision({ simulated: true }) }));
    act(() =>
      socket.receive({ type: 'complete', id: query.id, payload: { decision_id: 'd', simulated: true, output: 'Simulation only - no execution.' } }),
    );
    expect(screen.getByTestId('simulation-notice')).toBeInTheDocument();
  });
});
