import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { FakeSocket } from '../test/fakes';
import { WsClient, wsUrl, type QueryHandlers } from './ws';

function recorder() {
  const events: string[] = [];
  const handlers: QueryHandlers = {
    onDecision: (d) => events.push(`decision ${d.decision_id}`),
    onChunk: (c) => events.push(`chunk ${c}`),
    onComplete: (p) => events.push(`complete simulated=${p.simulated}`),
    onError: (e) => events.push(`error ${e.code}`),
  };
  return { events, handlers };
}

async function connected(start: () => void): Promise<FakeSocket> {
  FakeSocket.last = null;
  start();
  await vi.waitFor(() => expect(FakeSocket.last).not.toBeNull());
  const socket = FakeSocket.last!;
  socket.open();
  return socket;
}

describe('WsClient', () => {
  beforeEach(() => vi.useRealTimers());
  afterEach(() => vi.useRealTimers());

  it('puts the credential in the URL', () => {
    expect(wsUrl('amk_a+b', { protocol: 'https:', host: 'amaima.example' })).toBe('wss://amaima.example/v1/ws?token=amk_a%2Bb');
    expect(wsUrl('t', { protocol: 'http:', host: '127.0.0.1:8000' })).toBe('ws://127.0.0.1:8000/v1/ws?token=t');
  });

  it('sends a query once connected and routes its decision, chunks and completion', async () => {
    const client = new WsClient({ url: async () => 'ws://x/v1/ws?token=t', create: (u) => new FakeSocket(u) as unknown as WebSocket });
    const { events, handlers } = recorder();
    let id = '';
    const socket = await connected(() => {
      id = client.query({ query: 'hello' }, handlers).id;
    });
    expect(socket.sent).toEqual([{ type: 'query', id, payload: { query: 'hello' } }]);
    socket.receive({ type: 'decision', id, payload: { decision_id: 'd1' } });
    socket.receive({ type: 'chunk', id, payload: { content: 'Hel' } });
    socket.receive({ type: 'chunk', id: 'other', payload: { content: 'not mine' } });
    socket.receive({ type: 'chunk', id, payload: { content: 'lo' } });
    socket.receive({ type: 'complete', id, payload: { decision_id: 'd1', simulated: false } });
    expect(events).toEqual(['decision d1', 'chunk Hel', 'chunk lo', 'complete simulated=false']);
    expect(client.getState()).toBe('idle'); // closed once nothing needs it
  });

  it('answers pings with pongs', async () => {
    const client = new WsClient({ url: async () => 'ws://x', create: (u) => new FakeSocket(u) as unknown as WebSocket });
    const socket = await connected(() => client.query({ query: 'q' }, recorder().handlers));
    socket.receive({ type: 'ping', id: 'ping-1', payload: {} });
    expect(socket.sent.at(-1)).toEqual({ type: 'pong', id: 'ping-1', payload: {} });
  });

  it('cancels a query in flight; the server’s QUERY_CANCELLED ends it', async () => {
    const client = new WsClient({ url: async () => 'ws://x', create: (u) => new FakeSocket(u) as unknown as WebSocket });
    const { events, handlers } = recorder();
    let handle = { id: '', cancel: () => undefined as void };
    const socket = await connected(() => {
      handle = client.query({ query: 'slow' }, handlers);
    });
    handle.cancel();
    expect(socket.sent.at(-1)).toEqual({ type: 'cancel', id: handle.id });
    socket.receive({ type: 'error', id: handle.id, payload: { code: 'QUERY_CANCELLED', message: 'cancelled' } });
    expect(events).toEqual(['error QUERY_CANCELLED']);
    handle.cancel(); // Finished: nothing more is sent.
    expect(socket.sent.filter((m) => (m as { type: string }).type === 'cancel')).toHaveLength(1);
  });

  it('fails the queries in flight when the connection drops', async () => {
    const client = new WsClient({ url: async () => 'ws://x', create: (u) => new FakeSocket(u) as unknown as WebSocket });
    const { events, handlers } = recorder();
    const socket = await connected(() => client.query({ query: 'q' }, handlers));
    socket.close(1006, '');
    expect(events).toEqual(['error CONNECTION_LOST']);
  });

  it('delivers the decision feed and resubscribes after a reconnect', async () => {
    const client = new WsClient({ url: async () => 'ws://x', create: (u) => new FakeSocket(u) as unknown as WebSocket, maxBackoffMs: 1 });
    const seen: string[] = [];
    let unsubscribe = () => undefined as unknown;
    const first = await connected(() => {
      unsubscribe = client.subscribeDecisions((d) => seen.push(d.decision_id));
    });
    expect(first.sent).toEqual([{ type: 'subscribe', id: 'decisions', payload: { topics: ['decisions'] } }]);
    first.receive({ type: 'event', id: 'decisions', topic: 'decisions', payload: { decision_id: 'd7' } });
    expect(seen).toEqual(['d7']);

    FakeSocket.last = null;
    first.close(1006, '');
    await vi.waitFor(() => expect(FakeSocket.last).not.toBeNull());
    const second = FakeSocket.last!;
    second.open();
    expect(second.sent).toEqual([{ type: 'subscribe', id: 'decisions', payload: { topics: ['decisions'] } }]);
    unsubscribe();
    expect(second.sent.at(-1)).toEqual({ type: 'unsubscribe', id: 'decisions', payload: { topics: ['decisions'] } });
  });

  it('reports a refused connection and asks for a fresh credential', async () => {
    const failures: number[] = [];
    const client = new WsClient({
      url: async () => 'ws://x',
      create: (u) => new FakeSocket(u) as unknown as WebSocket,
      onConnectFailure: async () => {
        failures.push(1);
      },
      maxBackoffMs: 10_000,
    });
    const { events, handlers } = recorder();
    FakeSocket.last = null;
    client.query({ query: 'q' }, handlers);
    await vi.waitFor(() => expect(FakeSocket.last).not.toBeNull());
    FakeSocket.last!.close(1006, '');
    expect(events).toEqual(['error CONNECTION_LOST']);
    expect(failures).toEqual([1]);
    client.disconnect();
    expect(client.getState()).toBe('idle');
  });
});
