import { render } from '@testing-library/react';
import type { ReactElement } from 'react';
import { MemoryRouter } from 'react-router-dom';
import { ApiClient } from '../api/client';
import type { Me, Role, TokenResponse } from '../api/types';
import { WsClient } from '../api/ws';
import { AppRoutes } from '../app/App';
import { ServicesProvider } from '../app/services';
import { AuthProvider } from '../auth/AuthContext';
import { ROLE_PERMISSIONS } from '../auth/permissions';
import { SessionStore, STORAGE_KEY, type Session } from '../auth/session';

export interface Call {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: Record<string, string>;
  body: unknown;
}

export type Handler = (call: Call) => Response | Promise<Response>;

export function json(status: number, body: unknown, headers: Record<string, string> = {}): Response {
  return new Response(status === 204 ? null : JSON.stringify(body), {
    status,
    headers: { 'content-type': 'application/json', ...headers },
  });
}

export function apiError(status: number, code: string, requestId: string, message = code): Response {
  return json(status, { error: { code, message, details: {}, request_id: requestId } }, { 'x-request-id': requestId });
}

/** A fetch that records every call and answers with `handler`. */
export function fakeFetch(handler: Handler): { fetch: typeof fetch; calls: Call[] } {
  const calls: Call[] = [];
  const fetchImpl = (async (input: RequestInfo | URL, init?: RequestInit) => {
    const url = new URL(String(input), 'http://console.test');
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries((init?.headers ?? {}) as Record<string, string>)) {
      headers[k.toLowerCase()] = v;
    }
    const call: Call = {
      method: init?.method ?? 'GET',
      path: url.pathname,
      query: url.searchParams,
      headers,
      body: typeof init?.body === 'string' ? JSON.parse(init.body) : undefined,
    };
    calls.push(call);
    return handler(call);
  }) as typeof fetch;
  return { fetch: fetchImpl, calls };
}

export function meFor(role: Role, overrides: Partial<Me> = {}): Me {
  return {
    subject: `key:k-${role}`,
    org_id: 'default',
    role,
    user_id: null,
    key_id: `k-${role}`,
    execution_allowed: true,
    permissions: [...ROLE_PERMISSIONS[role]],
    ...overrides,
  };
}

export function tokens(suffix: string, expiresIn = 900): TokenResponse {
  return {
    access_token: `eyJ.access-${suffix}.sig`,
    token_type: 'Bearer',
    expires_in: expiresIn,
    refresh_token: `eyJ.refresh-${suffix}.sig`,
    refresh_expires_in: 2_592_000,
    user: {
      user_id: 'u1',
      org_id: 'default',
      email: 'ada@example.com',
      role: 'admin',
      created_at_ms: 1,
      disabled_at_ms: null,
    },
  };
}

export function storeSession(session: Session): void {
  window.sessionStorage.setItem(STORAGE_KEY, JSON.stringify(session));
}

/** A WebSocket stand-in that records what is sent. */
export class FakeSocket {
  static last: FakeSocket | null = null;
  readonly url: string;
  sent: unknown[] = [];
  onopen: (() => void) | null = null;
  onmessage: ((event: { data: string }) => void) | null = null;
  onclose: ((event: { code: number; reason: string }) => void) | null = null;
  closed = false;

  constructor(url: string) {
    this.url = url;
    FakeSocket.last = this;
  }
  send(text: string): void {
    this.sent.push(JSON.parse(text));
  }
  close(code = 1000, reason = ''): void {
    this.closed = true;
    this.onclose?.({ code, reason });
  }
  open(): void {
    this.onopen?.();
  }
  receive(message: unknown): void {
    this.onmessage?.({ data: JSON.stringify(message) });
  }
}

export function fakeWs(): WsClient {
  return new WsClient({ url: async () => 'ws://console.test/v1/ws?token=t', create: (url) => new FakeSocket(url) as unknown as WebSocket });
}

/** Renders the console's routes at `path` with a fake server behind the client. */
export function renderApp(path: string, handler: Handler): { calls: Call[]; client: ApiClient } & ReturnType<typeof render> {
  const { fetch, calls } = fakeFetch(handler);
  const client = new ApiClient(new SessionStore(), { fetchImpl: fetch });
  const ws = fakeWs();
  const ui: ReactElement = (
    <ServicesProvider services={{ client, ws }}>
      <AuthProvider client={client} ws={ws}>
        <MemoryRouter initialEntries={[path]}>
          <AppRoutes />
        </MemoryRouter>
      </AuthProvider>
    </ServicesProvider>
  );
  return { calls, client, ...render(ui) };
}
