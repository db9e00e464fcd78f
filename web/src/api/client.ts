// The HTTP client of the console: bearer authentication with an API key or a JWT access token,
// silent refresh of the access token shortly before it expires and once on a 401 (the request
// is then retried once), and errors read into ApiError with their request id.

import { ApiError, errorFromResponse, networkError } from './errors';
import type { TokenResponse } from './types';
import { SessionStore, bearerOf, sessionFromTokens, type Session, type TokenSession } from '../auth/session';

export type QueryValue = string | number | boolean | null | undefined;

export interface RequestOptions {
  method?: string;
  body?: unknown;
  query?: Record<string, QueryValue>;
  signal?: AbortSignal;
  /** false for the public routes (login, refresh, health). */
  auth?: boolean;
  /** Accept header; the body is returned as text unless it is JSON. */
  accept?: string;
  /** Do not refresh and retry on a 401 (logout). */
  noRetry?: boolean;
}

export type SessionEndListener = (reason: string) => void;

export interface ApiClientOptions {
  baseUrl?: string;
  fetchImpl?: typeof fetch;
  now?: () => number;
  /** Refresh the access token when it has less than this left (ms). */
  refreshMarginMs?: number;
}

const REFRESH_LOCK = 'amaima.refresh';

export function buildUrl(base: string, path: string, query?: Record<string, QueryValue>): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query ?? {})) {
    if (value !== undefined && value !== null && value !== '') {
      params.set(key, String(value));
    }
  }
  const search = params.toString();
  return `${base}${path}${search ? `?${search}` : ''}`;
}

export class ApiClient {
  readonly store: SessionStore;
  private readonly baseUrl: string;
  private readonly fetchImpl: typeof fetch;
  private readonly now: () => number;
  private readonly refreshMarginMs: number;
  private refreshing: Promise<TokenSession> | null = null;
  private readonly endListeners = new Set<SessionEndListener>();

  constructor(store: SessionStore, options: ApiClientOptions = {}) {
    this.store = store;
    this.baseUrl = options.baseUrl ?? '';
    this.fetchImpl = options.fetchImpl ?? ((input, init) => window.fetch(input, init));
    this.now = options.now ?? (() => Date.now());
    this.refreshMarginMs = options.refreshMarginMs ?? 60_000;
  }

  /** Called when the server refuses the session for good (revoked key, expired refresh). */
  onSessionEnded(listener: SessionEndListener): () => void {
    this.endListeners.add(listener);
    return () => this.endListeners.delete(listener);
  }

  async login(email: string, password: string, remember: boolean): Promise<TokenSession> {
    const tokens = await this.request<TokenResponse>('/v1/auth/login', {
      method: 'POST',
      body: { email, password },
      auth: false,
    });
    const session = sessionFromTokens(tokens, this.now());
    this.store.set(session, remember);
    return session;
  }

  useKey(key: string, remember: boolean): void {
    this.store.set({ kind: 'key', key: key.trim() }, remember);
  }

  /** Ends the session on the server (best effort) and forgets it here. */
  async logout(): Promise<void> {
    const session = this.store.get();
    try {
      if (session) {
        await this.request<void>('/v1/auth/logout', {
          method: 'POST',
          body: session.kind === 'token' ? { refresh_token: session.refreshToken } : undefined,
          noRetry: true,
        });
      }
    } finally {
      this.store.clear();
    }
  }

  /**
   * A bearer credential that is good for at least the refresh margin: refreshes the access
   * token first when it is about to expire.
   */
  async credential(): Promise<string | null> {
    const session = this.store.get();
    if (!session) {
      return null;
    }
    if (session.kind === 'token' && session.accessExpiresAt - this.now() < this.refreshMarginMs) {
      const fresh = await this.refresh(session.accessToken);
      return fresh.accessToken;
    }
    return bearerOf(session);
  }

  /**
   * Rotates the refresh token. Concurrent callers share one rotation, and tabs sharing a
   * stored session take turns (Web Locks) and adopt a rotation another tab already made:
   * presenting a rotated refresh token twice would end the whole session (replay detection).
   * `staleAccess` is the access token that is known to be old.
   */
  refresh(staleAccess?: string): Promise<TokenSession> {
    let refreshing = this.refreshing;
    if (!refreshing) {
      const run = () => this.rotate(staleAccess);
      const locks = typeof navigator !== 'undefined' ? navigator.locks : undefined;
      const pending: Promise<TokenSession> = locks ? (locks.request(REFRESH_LOCK, run) as unknown as Promise<TokenSession>) : run();
      refreshing = pending.finally(() => {
        this.refreshing = null;
      });
      this.refreshing = refreshing;
    }
    return refreshing;
  }

  private async rotate(staleAccess?: string): Promise<TokenSession> {
    const latest = this.store.reload();
    if (!latest || latest.kind !== 'token') {
      throw new ApiError({ status: 401, code: 'AUTH_REQUIRED', message: 'not signed in' });
    }
    const stale = staleAccess ?? latest.accessToken;
    if (latest.accessToken !== stale && latest.accessExpiresAt - this.now() >= this.refreshMarginMs) {
      return latest; // Already rotated (by another request or tab).
    }
    let tokens: TokenResponse;
    try {
      tokens = await this.request<TokenResponse>('/v1/auth/refresh', {
        method: 'POST',
        body: { refresh_token: latest.refreshToken },
        auth: false,
      });
    } catch (error) {
      if (error instanceof ApiError && (error.status === 401 || error.status === 403)) {
        this.endSession(`${error.code}: ${error.message}`);
      }
      throw error;
    }
    const session = sessionFromTokens(tokens, this.now());
    this.store.set(session);
    return session;
  }

  private endSession(reason: string): void {
    this.store.clear();
    for (const listener of this.endListeners) {
      listener(reason);
    }
  }

  private async send(path: string, options: RequestOptions, bearer: string | null): Promise<Response> {
    const headers: Record<string, string> = { accept: options.accept ?? 'application/json' };
    if (bearer) {
      headers.authorization = `Bearer ${bearer}`;
    }
    let body: string | undefined;
    if (options.body !== undefined) {
      headers['content-type'] = 'application/json';
      body = JSON.stringify(options.body);
    }
    try {
      return await this.fetchImpl(buildUrl(this.baseUrl, path, options.query), {
        method: options.method ?? 'GET',
        headers,
        body,
        signal: options.signal,
        credentials: 'same-origin',
        cache: 'no-store',
      });
    } catch (error) {
      if (error instanceof DOMException && error.name === 'AbortError') {
        throw error;
      }
      throw networkError(error);
    }
  }

  /** Sends a request and returns its JSON body (text for non-JSON answers; undefined for 204). */
  async request<T>(path: string, options: RequestOptions = {}): Promise<T> {
    const authenticated = options.auth !== false;
    const noRetry = options.noRetry === true;
    let bearer = authenticated ? await this.credential() : null;
    const session: Session | null = authenticated ? this.store.get() : null;
    let response = await this.send(path, options, bearer);
    if (response.status === 401 && authenticated && session) {
      if (session.kind === 'token' && !noRetry) {
        const first = await errorFromResponse(response);
        try {
          bearer = (await this.refresh(session.accessToken)).accessToken;
        } catch {
          throw first;
        }
        response = await this.send(path, options, bearer);
        if (response.status === 401) {
          const again = await errorFromResponse(response);
          this.endSession(`${again.code}: ${again.message}`);
          throw again;
        }
      } else if (session.kind === 'key') {
        const error = await errorFromResponse(response);
        this.endSession(`${error.code}: ${error.message}`);
        throw error;
      }
    }
    if (!response.ok) {
      throw await errorFromResponse(response);
    }
    if (response.status === 204) {
      return undefined as T;
    }
    const type = response.headers.get('content-type') ?? '';
    const text = await response.text();
    if (type.includes('json') || (!type && /^[[{]/.test(text.trim()))) {
      return (text ? JSON.parse(text) : undefined) as T;
    }
    return text as T;
  }
}
