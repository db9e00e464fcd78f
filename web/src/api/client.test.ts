import { describe, expect, it } from 'vitest';
import { SessionStore, type TokenSession } from '../auth/session';
import { apiError, fakeFetch, json, storeSession, tokens } from '../test/fakes';
import { ApiClient, buildUrl } from './client';
import { ApiError } from './errors';

const NOW = 1_800_000_000_000;

function tokenSession(suffix: string, expiresInMs = 900_000): TokenSession {
  return {
    kind: 'token',
    accessToken: `eyJ.access-${suffix}.sig`,
    refreshToken: `eyJ.refresh-${suffix}.sig`,
    accessExpiresAt: NOW + expiresInMs,
    refreshExpiresAt: NOW + 30 * 86_400_000,
    user: tokens(suffix).user,
  };
}

function clientWith(handler: Parameters<typeof fakeFetch>[0]) {
  const { fetch, calls } = fakeFetch(handler);
  const client = new ApiClient(new SessionStore(), { fetchImpl: fetch, now: () => NOW });
  const ended: string[] = [];
  client.onSessionEnded((reason) => ended.push(reason));
  return { client, calls, ended };
}

describe('ApiClient', () => {
  it('sends the API key as a bearer credential', async () => {
    storeSession({ kind: 'key', key: 'amk_secret' });
    const { client, calls } = clientWith(() => json(200, { data: [] }));
    await client.request('/v1/decisions', { query: { level: 'SIMPLE', cursor: '', model: undefined } });
    expect(calls[0]?.headers.authorization).toBe('Bearer amk_secret');
    expect(calls[0]?.path).toBe('/v1/decisions');
    expect(calls[0]?.query.toString()).toBe('level=SIMPLE');
  });

  it('refreshes once on a 401 and retries the request with the new access token', async () => {
    storeSession(tokenSession('old'));
    const { client, calls, ended } = clientWith((call) => {
      if (call.path === '/v1/auth/refresh') {
        return json(200, tokens('new'));
      }
      return call.headers.authorization === 'Bearer eyJ.access-new.sig'
        ? json(200, { ok: true })
        : apiError(401, 'AUTH_TOKEN_EXPIRED', 'r-1');
    });
    await expect(client.request('/v1/budgets')).resolves.toEqual({ ok: true });
    expect(calls.map((c) => `${c.method} ${c.path}`)).toEqual(['GET /v1/budgets', 'POST /v1/auth/refresh', 'GET /v1/budgets']);
    expect(calls[1]?.body).toEqual({ refresh_token: 'eyJ.refresh-old.sig' });
    expect(calls[1]?.headers.authorization).toBeUndefined();
    expect(client.store.get()).toMatchObject({ kind: 'token', accessToken: 'eyJ.access-new.sig', refreshToken: 'eyJ.refresh-new.sig' });
    expect(ended).toEqual([]);
  });

  it('retries only once: a second 401 ends the session', async () => {
    storeSession(tokenSession('old'));
    const { client, calls, ended } = clientWith((call) =>
      call.path === '/v1/auth/refresh' ? json(200, tokens('new')) : apiError(401, 'AUTH_INVALID_TOKEN', 'r-2'),
    );
    const error = await client.request('/v1/budgets').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect((error as ApiError).requestId).toBe('r-2');
    expect(calls.filter((c) => c.path === '/v1/budgets')).toHaveLength(2);
    expect(ended).toEqual(['AUTH_INVALID_TOKEN: AUTH_INVALID_TOKEN']);
    expect(client.store.get()).toBeNull();
  });

  it('shares one refresh between concurrent requests', async () => {
    storeSession(tokenSession('old'));
    const { client, calls } = clientWith((call) => {
      if (call.path === '/v1/auth/refresh') {
        return json(200, tokens('new'));
      }
      return call.headers.authorization === 'Bearer eyJ.access-new.sig' ? json(200, { path: call.path }) : apiError(401, 'AUTH_TOKEN_EXPIRED', 'r');
    });
    const results = await Promise.all([client.request('/v1/a'), client.request('/v1/b'), client.request('/v1/c')]);
    expect(results).toEqual([{ path: '/v1/a' }, { path: '/v1/b' }, { path: '/v1/c' }]);
    expect(calls.filter((c) => c.path === '/v1/auth/refresh')).toHaveLength(1);
  });

  it('refreshes before a request when the access token is about to expire', async () => {
    storeSession(tokenSession('old', 30_000));
    const { client, calls } = clientWith((call) => (call.path === '/v1/auth/refresh' ? json(200, tokens('new')) : json(200, {})));
    await client.request('/v1/auth/me');
    expect(calls.map((c) => c.path)).toEqual(['/v1/auth/refresh', '/v1/auth/me']);
    expect(calls[1]?.headers.authorization).toBe('Bearer eyJ.access-new.sig');
  });

  it('ends the session when the refresh token is refused, with the server’s reason', async () => {
    storeSession(tokenSession('old'));
    const { client, ended } = clientWith((call) =>
      call.path === '/v1/auth/refresh' ? apiError(401, 'AUTH_REFRESH_TOKEN_REUSED', 'r-3', 'replayed') : apiError(401, 'AUTH_TOKEN_EXPIRED', 'r-4'),
    );
    const error = (await client.request('/v1/budgets').catch((e: unknown) => e)) as ApiError;
    expect(error.code).toBe('AUTH_TOKEN_EXPIRED');
    expect(ended).toEqual(['AUTH_REFRESH_TOKEN_REUSED: replayed']);
    expect(client.store.get()).toBeNull();
  });

  it('keeps the session when the refresh fails for another reason (network, 5xx)', async () => {
    storeSession(tokenSession('old'));
    const { client, ended } = clientWith((call) =>
      call.path === '/v1/auth/refresh' ? apiError(503, 'SYSTEM_UNAVAILABLE', 'r-5') : apiError(401, 'AUTH_TOKEN_EXPIRED', 'r-6'),
    );
    await expect(client.request('/v1/budgets')).rejects.toMatchObject({ code: 'AUTH_TOKEN_EXPIRED' });
    expect(ended).toEqual([]);
    expect(client.store.get()).not.toBeNull();
  });

  it('adopts a rotation another tab made instead of replaying the old refresh token', async () => {
    storeSession(tokenSession('old'));
    const { client, calls } = clientWith((call) =>
      call.headers.authorization === 'Bearer eyJ.access-other.sig' ? json(200, { ok: true }) : apiError(401, 'AUTH_TOKEN_EXPIRED', 'r'),
    );
    client.store.get();
    // Another tab rotates the shared session meanwhile.
    window.sessionStorage.setItem('amaima.session', JSON.stringify(tokenSession('other')));
    await expect(client.request('/v1/budgets')).resolves.toEqual({ ok: true });
    expect(calls.some((c) => c.path === '/v1/auth/refresh')).toBe(false);
  });

  it('ends a key session on a 401 without retrying', async () => {
    storeSession({ kind: 'key', key: 'amk_revoked' });
    const { client, calls, ended } = clientWith(() => apiError(401, 'AUTH_INVALID_API_KEY', 'r-7', 'invalid api key'));
    await expect(client.request('/v1/auth/me')).rejects.toMatchObject({ status: 401, requestId: 'r-7' });
    expect(calls).toHaveLength(1);
    expect(ended).toEqual(['AUTH_INVALID_API_KEY: invalid api key']);
  });

  it('does not refresh on a 403', async () => {
    storeSession(tokenSession('old'));
    const { client, calls } = clientWith(() => apiError(403, 'AUTH_FORBIDDEN', 'r-8'));
    await expect(client.request('/v1/audit')).rejects.toMatchObject({ status: 403, code: 'AUTH_FORBIDDEN' });
    expect(calls).toHaveLength(1);
  });

  it('reads errors without a JSON body with the request id of the headers', async () => {
    const { client } = clientWith(() => new Response('upstream timed out', { status: 502, headers: { 'x-request-id': 'hdr-1' } }));
    await expect(client.request('/v1/health', { auth: false })).rejects.toMatchObject({
      status: 502,
      code: 'HTTP_502',
      message: 'upstream timed out',
      requestId: 'hdr-1',
    });
  });

  it('reports Retry-After of a rate-limited request', async () => {
    storeSession({ kind: 'key', key: 'k' });
    const { client } = clientWith(() => json(429, { error: { code: 'RATE_LIMIT_EXCEEDED', message: 'slow down', request_id: 'r-9' } }, { 'retry-after': '12' }));
    await expect(client.request('/v1/simulate', { method: 'POST', body: {} })).rejects.toMatchObject({ retryAfterS: 12, requestId: 'r-9' });
  });

  it('logs in, keeps the tokens, and logs out with the refresh token', async () => {
    const { client, calls } = clientWith((call) => (call.path === '/v1/auth/login' ? json(200, tokens('a')) : json(204, null)));
    await client.login('ada@example.com', 'pw-123456', false);
    expect(calls[0]?.body).toEqual({ email: 'ada@example.com', password: 'pw-123456' });
    expect(client.store.get()).toMatchObject({ kind: 'token', accessExpiresAt: NOW + 900_000 });
    await client.logout();
    expect(calls[1]).toMatchObject({ method: 'POST', path: '/v1/auth/logout', body: { refresh_token: 'eyJ.refresh-a.sig' } });
    expect(calls[1]?.headers.authorization).toBe('Bearer eyJ.access-a.sig');
    expect(client.store.get()).toBeNull();
  });

  it('returns text for non-JSON answers (metrics)', async () => {
    storeSession({ kind: 'key', key: 'k' });
    const { client } = clientWith(() => new Response('up 1\n', { status: 200, headers: { 'content-type': 'text/plain; version=0.0.4' } }));
    await expect(client.request('/metrics', { accept: 'text/plain' })).resolves.toBe('up 1\n');
  });
});

describe('buildUrl', () => {
  it('leaves out empty parameters and encodes the rest', () => {
    expect(buildUrl('', '/v1/audit', { actor: 'key:a b', since: 0, cursor: '', x: null })).toBe('/v1/audit?actor=key%3Aa+b&since=0');
  });
});
