// The credential the console calls the API with, kept in web storage so that a reload keeps
// the session: sessionStorage by default (this tab only), localStorage when the user asks to
// stay signed in on this device.

import type { TokenResponse, User } from '../api/types';

export interface KeySession {
  kind: 'key';
  key: string;
}

export interface TokenSession {
  kind: 'token';
  accessToken: string;
  refreshToken: string;
  /** Milliseconds since the epoch (local clock) at which the access token expires. */
  accessExpiresAt: number;
  refreshExpiresAt: number;
  user: User;
}

export type Session = KeySession | TokenSession;

export const STORAGE_KEY = 'amaima.session';

export function sessionFromTokens(tokens: TokenResponse, now: number): TokenSession {
  return {
    kind: 'token',
    accessToken: tokens.access_token,
    refreshToken: tokens.refresh_token,
    accessExpiresAt: now + tokens.expires_in * 1000,
    refreshExpiresAt: now + tokens.refresh_expires_in * 1000,
    user: tokens.user,
  };
}

/** The bearer credential of a session. */
export function bearerOf(session: Session): string {
  return session.kind === 'key' ? session.key : session.accessToken;
}

function isSession(value: unknown): value is Session {
  if (typeof value !== 'object' || value === null) {
    return false;
  }
  const v = value as Record<string, unknown>;
  if (v.kind === 'key') {
    return typeof v.key === 'string' && v.key.length > 0;
  }
  return (
    v.kind === 'token' &&
    typeof v.accessToken === 'string' &&
    typeof v.refreshToken === 'string' &&
    typeof v.accessExpiresAt === 'number' &&
    typeof v.refreshExpiresAt === 'number' &&
    typeof v.user === 'object' &&
    v.user !== null
  );
}

export function parseSession(text: string | null): Session | null {
  if (!text) {
    return null;
  }
  try {
    const value: unknown = JSON.parse(text);
    return isSession(value) ? value : null;
  } catch {
    return null;
  }
}

type Listener = (session: Session | null) => void;

function storageOf(kind: 'local' | 'session'): Storage | null {
  try {
    return kind === 'local' ? window.localStorage : window.sessionStorage;
  } catch {
    return null;
  }
}

/**
 * Holds the current session, persists it, and tells subscribers when it changes (also when
 * another tab rotates a shared refresh token).
 */
export class SessionStore {
  private current: Session | null;
  private remember: boolean;
  private readonly listeners = new Set<Listener>();

  constructor() {
    const local = parseSession(storageOf('local')?.getItem(STORAGE_KEY) ?? null);
    const tab = parseSession(storageOf('session')?.getItem(STORAGE_KEY) ?? null);
    this.current = tab ?? local;
    this.remember = tab === null && local !== null;
    if (typeof window !== 'undefined') {
      window.addEventListener('storage', (event) => {
        if (event.key === STORAGE_KEY && this.remember) {
          this.current = parseSession(event.newValue);
          this.emit();
        }
      });
    }
  }

  get(): Session | null {
    return this.current;
  }

  /** Whether the session lives in localStorage (shared by this device's tabs). */
  remembered(): boolean {
    return this.remember;
  }

  /** The session as persisted now (another tab may have rotated it). */
  reload(): Session | null {
    const stored = parseSession(storageOf(this.remember ? 'local' : 'session')?.getItem(STORAGE_KEY) ?? null);
    if (stored) {
      this.current = stored;
    }
    return this.current;
  }

  set(session: Session, remember?: boolean): void {
    if (remember !== undefined && remember !== this.remember) {
      storageOf(this.remember ? 'local' : 'session')?.removeItem(STORAGE_KEY);
      this.remember = remember;
    }
    this.current = session;
    storageOf(this.remember ? 'local' : 'session')?.setItem(STORAGE_KEY, JSON.stringify(session));
    this.emit();
  }

  clear(): void {
    this.current = null;
    storageOf('local')?.removeItem(STORAGE_KEY);
    storageOf('session')?.removeItem(STORAGE_KEY);
    this.emit();
  }

  subscribe(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private emit(): void {
    for (const listener of this.listeners) {
      listener(this.current);
    }
  }
}
