import { describe, expect, it } from 'vitest';
import { compact, isolated, linePath, niceMax } from '../components/charts/scale';
import { formatMs, formatPercent, formatUsd, shortId } from './format';

describe('formats', () => {
  it('shows money with the precision small amounts need', () => {
    expect(formatUsd(0)).toBe('$0');
    expect(formatUsd(0.000806)).toBe('$0.000806');
    expect(formatUsd(0.0241)).toBe('$0.0241');
    expect(formatUsd(12.5)).toBe('$12.500');
    expect(formatUsd(null)).toBe('—');
  });

  it('shows durations in µs, ms and s', () => {
    expect(formatMs(0.458)).toBe('458 µs');
    expect(formatMs(2.5)).toBe('2.5 ms');
    expect(formatMs(5955.6)).toBe('5956 ms');
    expect(formatMs(30_300)).toBe('30.3 s');
    expect(formatMs(NaN)).toBe('—');
  });

  it('shows ratios as percentages and ids by their distinctive end', () => {
    expect(formatPercent(0.625)).toBe('63%');
    expect(shortId('01a2013b-8f62-7001-8bfb-2ac22c156e3b')).toBe('…2c156e3b');
    expect(shortId('short')).toBe('short');
  });
});

describe('chart scales', () => {
  it('rounds the axis up to 1, 2, 2.5 or 5 times a power of ten', () => {
    expect(niceMax(0)).toBe(1);
    expect(niceMax(3.2)).toBe(5);
    expect(niceMax(0.021)).toBeCloseTo(0.025);
    expect(niceMax(1200)).toBe(2000);
  });

  it('breaks lines at gaps and marks isolated points', () => {
    const values = [1, 2, null, 3, null, 4, 5];
    expect(linePath(values, (i) => i, (v) => v)).toBe('M0.0,1.0L1.0,2.0M3.0,3.0M5.0,4.0L6.0,5.0');
    expect(isolated(values)).toEqual([3]);
  });

  it('labels axes compactly', () => {
    expect(compact(0)).toBe('0');
    expect(compact(0.0005)).toBe('0.0005');
    expect(compact(2500)).toBe('2.5k');
    expect(compact(3_400_000)).toBe('3.4M');
  });
});
