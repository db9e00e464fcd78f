import { describe, expect, it } from 'vitest';
import { parsePrometheus } from './prometheus';
import { bucketDelta, counterIncrease, histogramBuckets, histogramQuantile, rate, type Bucket } from './quantile';

const B = (pairs: [number, number][]): Bucket[] => pairs.map(([le, count]) => ({ le, count }));

describe('histogramQuantile', () => {
  // 100 observations: 50 in (0, 0.1], 40 in (0.1, 0.5], 10 in (0.5, 1].
  const buckets = B([
    [0.1, 50],
    [0.5, 90],
    [1, 100],
    [Infinity, 100],
  ]);

  it('interpolates within the bucket holding the rank, as Prometheus does', () => {
    expect(histogramQuantile(0.5, buckets)).toBeCloseTo(0.1);
    expect(histogramQuantile(0.25, buckets)).toBeCloseTo(0.05); // lowest bucket starts at 0
    expect(histogramQuantile(0.7, buckets)).toBeCloseTo(0.1 + 0.4 * (20 / 40));
    expect(histogramQuantile(0.99, buckets)).toBeCloseTo(0.5 + 0.5 * (9 / 10));
    expect(histogramQuantile(1, buckets)).toBeCloseTo(1);
  });

  it('answers the highest finite bound for a quantile in the +Inf bucket', () => {
    expect(histogramQuantile(0.99, B([[0.1, 1], [0.5, 2], [Infinity, 10]]))).toBe(0.5);
  });

  it('is NaN without observations or without a +Inf bucket', () => {
    expect(histogramQuantile(0.5, B([[0.1, 0], [Infinity, 0]]))).toBeNaN();
    expect(histogramQuantile(0.5, B([[0.1, 3], [1, 4]]))).toBeNaN();
    expect(histogramQuantile(0.5, [])).toBeNaN();
    expect(histogramQuantile(NaN, buckets)).toBeNaN();
  });

  it('is -Inf below 0 and +Inf above 1', () => {
    expect(histogramQuantile(-0.1, buckets)).toBe(-Infinity);
    expect(histogramQuantile(1.1, buckets)).toBe(Infinity);
  });

  it('sorts buckets and repairs counts that decrease', () => {
    const shuffled = B([[Infinity, 10], [0.5, 10], [0.1, 12]]);
    // 0.1 -> 12 is more than 0.5 -> 10: 0.5 is raised to 12, +Inf to 12.
    expect(histogramQuantile(0.5, shuffled)).toBeCloseTo(0.05);
  });

  it('returns the bound of a non-positive first bucket', () => {
    expect(histogramQuantile(0.5, B([[-1, 5], [0, 10], [Infinity, 10]]))).toBe(-1);
  });
});

describe('counters between scrapes', () => {
  const first = parsePrometheus(
    [
      '# TYPE r counter',
      'r{route="/a",status="200"} 10',
      'r{route="/b",status="500"} 4',
      '# TYPE h histogram',
      'h_bucket{route="/a",le="0.1"} 5',
      'h_bucket{route="/a",le="1"} 8',
      'h_bucket{route="/a",le="+Inf"} 8',
      'h_bucket{route="/b",le="0.1"} 0',
      'h_bucket{route="/b",le="1"} 1',
      'h_bucket{route="/b",le="+Inf"} 1',
    ].join('\n'),
  );
  const second = parsePrometheus(
    [
      '# TYPE r counter',
      'r{route="/a",status="200"} 30',
      'r{route="/b",status="500"} 4',
      'r{route="/c",status="200"} 5',
      '# TYPE h histogram',
      'h_bucket{route="/a",le="0.1"} 15',
      'h_bucket{route="/a",le="1"} 18',
      'h_bucket{route="/a",le="+Inf"} 28',
      'h_bucket{route="/b",le="0.1"} 0',
      'h_bucket{route="/b",le="1"} 1',
      'h_bucket{route="/b",le="+Inf"} 1',
    ].join('\n'),
  );

  it('computes per-second rates, counting a new series from zero', () => {
    expect(rate(first, second, 5, 'r')).toBeCloseTo((20 + 0 + 5) / 5);
    expect(rate(first, second, 5, 'r', { status: '500' })).toBe(0);
    expect(rate(first, second, 0, 'r')).toBeNaN();
  });

  it('treats a decrease as a restart', () => {
    expect(counterIncrease(100, 7)).toBe(7);
    expect(counterIncrease(7, 100)).toBe(93);
    const restarted = parsePrometheus('# TYPE r counter\nr{route="/a",status="200"} 3\n');
    expect(rate(second, restarted, 1, 'r')).toBe(3);
  });

  it('sums buckets across series and takes the interval’s quantile', () => {
    expect(histogramBuckets(second, 'h')).toEqual(B([[0.1, 15], [1, 19], [Infinity, 29]]));
    const delta = bucketDelta(histogramBuckets(first, 'h'), histogramBuckets(second, 'h'));
    expect(delta).toEqual(B([[0.1, 10], [1, 10], [Infinity, 20]]));
    // 20 new observations: 10 <= 0.1 s, 10 above 1 s; p50 is 0.1, p99 the highest finite bound.
    expect(histogramQuantile(0.5, delta)).toBeCloseTo(0.1);
    expect(histogramQuantile(0.99, delta)).toBe(1);
    expect(histogramBuckets(second, 'h', { route: '/b' })).toEqual(B([[0.1, 0], [1, 1], [Infinity, 1]]));
  });

  it('uses the later buckets alone after a restart', () => {
    expect(bucketDelta(B([[1, 10], [Infinity, 12]]), B([[1, 2], [Infinity, 3]]))).toEqual(B([[1, 2], [Infinity, 3]]));
  });
});
