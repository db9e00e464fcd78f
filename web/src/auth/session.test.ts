import { describe, expect, it } from 'vitest';
import { tokens } from '../test/fakes';
import { SessionStore, STORAGE_KEY, bearerOf, parseSession, sessionFromTokens } from './session';

describe('SessionStore', () => {
  it('keeps a session in this tab only unless asked to remember it', () => {
    const store = new SessionStore();
    store.set({ kind: 'key', key: 'amk_a' }, false);
    expect(window.sessionStorage.getItem(STORAGE_KEY)).toContain('amk_a');
    expect(window.localStorage.getItem(STORAGE_KEY)).toBeNull();
    store.set({ kind: 'key', key: 'amk_b' }, true);
    expect(window.localStorage.getItem(STORAGE_KEY)).toContain('amk_b');
    expect(window.sessionStorage.getItem(STORAGE_KEY)).toBeNull();
    expect(new SessionStore().get()).toEqual({ kind: 'key', key: 'amk_b' });
    expect(new SessionStore().remembered()).toBe(true);
  });

  it('forgets everything on clear and tells its subscribers', () => {
    const store = new SessionStore();
    const seen: unknown[] = [];
    store.subscribe((s) => seen.push(s));
    store.set({ kind: 'key', key: 'amk_a' }, true);
    store.clear();
    expect(seen).toEqual([{ kind: 'key', key: 'amk_a' }, null]);
    expect(window.localStorage.getItem(STORAGE_KEY)).toBeNull();
    expect(new SessionStore().get()).toBeNull();
  });

  it('follows a rotation another tab stores', () => {
    const store = new SessionStore();
    store.set({ kind: 'key', key: 'amk_a' }, true);
    const seen: unknown[] = [];
    store.subscribe((s) => seen.push(s));
    const next = JSON.stringify({ kind: 'key', key: 'amk_rotated' });
    window.dispatchEvent(new StorageEvent('storage', { key: STORAGE_KEY, newValue: next }));
    expect(store.get()).toEqual({ kind: 'key', key: 'amk_rotated' });
    expect(seen).toHaveLength(1);
  });

  it('ignores what is not a session', () => {
    expect(parseSession('{"kind":"token","accessToken":"a"}')).toBeNull();
    expect(parseSession('not json')).toBeNull();
    expect(parseSession(null)).toBeNull();
  });

  it('turns a token answer into a session with local expiry times', () => {
    const session = sessionFromTokens(tokens('x', 900), 1000);
    expect(session.accessExpiresAt).toBe(1000 + 900_000);
    expect(session.refreshExpiresAt).toBe(1000 + 2_592_000_000);
    expect(bearerOf(session)).toBe('eyJ.access-x.sig');
    expect(bearerOf({ kind: 'key', key: 'amk' })).toBe('amk');
  });
});
