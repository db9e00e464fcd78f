import { act, renderHook } from '@testing-library/react';
import { describe, expect, it, vi } from 'vitest';
import { THEME_KEY, useTheme } from './useTheme';

describe('useTheme', () => {
  it('follows the system until the user chooses, then remembers the choice', () => {
    const matchMedia = vi.spyOn(window, 'matchMedia').mockImplementation(
      (query: string) =>
        ({
          matches: query.includes('dark'),
          media: query,
          addEventListener: () => undefined,
          removeEventListener: () => undefined,
        }) as unknown as MediaQueryList,
    );
    const { result } = renderHook(() => useTheme());
    expect(result.current[0]).toBe('dark');
    expect(document.documentElement.dataset.theme).toBe('dark');
    act(() => result.current[1]());
    expect(result.current[0]).toBe('light');
    expect(document.documentElement.dataset.theme).toBe('light');
    expect(window.localStorage.getItem(THEME_KEY)).toBe('light');
    const again = renderHook(() => useTheme());
    expect(again.result.current[0]).toBe('light');
    matchMedia.mockRestore();
  });
});
