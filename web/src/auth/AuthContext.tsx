import { createContext, useCallback, useContext, useEffect, useMemo, useState, type ReactNode } from 'react';
import type { ApiClient } from '../api/client';
import { api } from '../api/endpoints';
import { ApiError, asApiError } from '../api/errors';
import type { Health, Me, Permission, Role } from '../api/types';
import type { WsClient } from '../api/ws';
import { permissionsOf } from './permissions';
import type { Session } from './session';

export interface AuthState {
  session: Session | null;
  me: Me | null;
  /** Why /v1/auth/me could not be read (the console then falls back to the login's role). */
  meError: ApiError | null;
  loadingMe: boolean;
  health: Health | null;
  /** Why the last session ended without the user signing out. */
  endedReason: string | null;
  permissions: ReadonlySet<Permission>;
  role: Role | null;
  can(permission: Permission): boolean;
  login(email: string, password: string, remember: boolean): Promise<void>;
  loginWithKey(key: string, remember: boolean): Promise<void>;
  logout(): Promise<void>;
  /** Reads /v1/auth/me again (the organisation's execution switch may have changed). */
  refreshMe(): void;
}

const AuthContext = createContext<AuthState | null>(null);

export function useAuth(): AuthState {
  const value = useContext(AuthContext);
  if (!value) {
    throw new Error('useAuth outside AuthProvider');
  }
  return value;
}

/** Refresh this long before the access token expires. */
const REFRESH_AHEAD_MS = 60_000;

export function AuthProvider({ client, ws, children }: { client: ApiClient; ws: WsClient; children: ReactNode }) {
  const [session, setSession] = useState<Session | null>(() => client.store.get());
  // The answer of /v1/auth/me, with the identity it was asked for.
  const [meOf, setMeOf] = useState<{ identity: string; me: Me | null; error: ApiError | null } | null>(null);
  const [health, setHealth] = useState<Health | null>(null);
  const [endedReason, setEndedReason] = useState<string | null>(null);
  const [meTick, setMeTick] = useState(0);

  useEffect(() => client.store.subscribe(setSession), [client]);
  useEffect(
    () =>
      client.onSessionEnded((reason) => {
        setEndedReason(reason);
        ws.disconnect();
      }),
    [client, ws],
  );

  // The server's own word on who the credential is; asked again when the credential changes
  // owner (not on every token rotation).
  const identity = session ? (session.kind === 'key' ? `key:${session.key}` : `user:${session.user.user_id}`) : null;
  useEffect(() => {
    if (!identity) {
      setMeOf(null);
      return;
    }
    let cancelled = false;
    api.me(client).then(
      (value) => !cancelled && setMeOf({ identity, me: value, error: null }),
      (error: unknown) => !cancelled && setMeOf({ identity, me: null, error: asApiError(error) }),
    );
    return () => {
      cancelled = true;
    };
  }, [client, identity, meTick]);
  const current = meOf && meOf.identity === identity ? meOf : null;
  const me = current?.me ?? null;
  const meError = current?.error ?? null;
  const loadingMe = identity !== null && current === null;

  const signedIn = session !== null;
  useEffect(() => {
    if (!signedIn) {
      return;
    }
    let cancelled = false;
    api.health(client).then(
      (value) => !cancelled && setHealth(value),
      () => undefined,
    );
    return () => {
      cancelled = true;
    };
  }, [client, signedIn]);

  // Silent refresh shortly before the access token expires.
  useEffect(() => {
    if (!session || session.kind !== 'token') {
      return;
    }
    const delay = Math.max(0, session.accessExpiresAt - Date.now() - REFRESH_AHEAD_MS);
    const timer = setTimeout(() => {
      client.refresh(session.accessToken).catch(() => undefined);
    }, delay);
    return () => clearTimeout(timer);
  }, [client, session]);

  const login = useCallback(
    async (email: string, password: string, remember: boolean) => {
      setEndedReason(null);
      await client.login(email, password, remember);
    },
    [client],
  );

  const loginWithKey = useCallback(
    async (key: string, remember: boolean) => {
      setEndedReason(null);
      client.useKey(key, remember);
      // A key the console cannot use (unknown, revoked, or scoped without `session`) is
      // forgotten at once; the error says why.
      try {
        await api.me(client);
      } catch (error) {
        client.store.clear();
        throw error;
      }
    },
    [client],
  );

  const logout = useCallback(async () => {
    ws.disconnect();
    setEndedReason(null);
    await client.logout().catch(() => undefined);
  }, [client, ws]);

  const refreshMe = useCallback(() => setMeTick((tick) => tick + 1), []);

  const value = useMemo<AuthState>(() => {
    const role: Role | null = me?.role ?? (session?.kind === 'token' ? session.user.role : null);
    const permissions = permissionsOf(me, role);
    return {
      session,
      me,
      meError,
      loadingMe,
      health,
      endedReason,
      permissions,
      role,
      can: (permission) => permissions.has(permission),
      login,
      loginWithKey,
      logout,
      refreshMe,
    };
  }, [session, me, meError, loadingMe, health, endedReason, login, loginWithKey, logout, refreshMe]);

  return <AuthContext.Provider value={value}>{children}</AuthContext.Provider>;
}
