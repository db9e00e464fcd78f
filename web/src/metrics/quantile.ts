// Quantiles of Prometheus histograms and rates of counters, computed in the browser from
// successive scrapes — what `histogram_quantile(q, rate(x_bucket[w]))` and `rate(x[w])` do.

import { samples, type LabelMatcher, type Scrape } from './prometheus';

export interface Bucket {
  /** Upper bound (`le`), +Infinity for the last bucket. */
  le: number;
  /** Cumulative count of observations <= le. */
  count: number;
}

/**
 * The q-quantile (0 <= q <= 1) of a cumulative histogram, interpolated linearly within the
 * bucket that holds it, as Prometheus does: the lowest bucket starts at 0 (if its bound is
 * positive), and a quantile in the +Inf bucket is the highest finite bound. NaN when there is
 * no observation or no +Inf bucket.
 */
export function histogramQuantile(q: number, input: Bucket[]): number {
  if (Number.isNaN(q)) {
    return NaN;
  }
  if (q < 0) {
    return -Infinity;
  }
  if (q > 1) {
    return Infinity;
  }
  const buckets = [...input].sort((a, b) => a.le - b.le);
  const last = buckets[buckets.length - 1];
  if (buckets.length < 2 || last === undefined || last.le !== Infinity) {
    return NaN;
  }
  // Counts must not decrease (a scrape taken between bucket updates can break that).
  for (let i = 1; i < buckets.length; i++) {
    const prev = buckets[i - 1]!;
    const cur = buckets[i]!;
    if (cur.count < prev.count) {
      buckets[i] = { le: cur.le, count: prev.count };
    }
  }
  const total = buckets[buckets.length - 1]!.count;
  if (!(total > 0)) {
    return NaN;
  }
  let rank = q * total;
  let b = buckets.findIndex((bucket) => bucket.count >= rank);
  if (b < 0) {
    b = buckets.length - 1;
  }
  if (b === buckets.length - 1) {
    return buckets[buckets.length - 2]!.le;
  }
  const upper = buckets[b]!.le;
  if (b === 0 && upper <= 0) {
    return upper;
  }
  let lower = 0;
  let count = buckets[b]!.count;
  if (b > 0) {
    lower = buckets[b - 1]!.le;
    count -= buckets[b - 1]!.count;
    rank -= buckets[b - 1]!.count;
  }
  if (count === 0) {
    return upper;
  }
  return lower + (upper - lower) * (rank / count);
}

/** The buckets of histogram `name` in a scrape, summed over the series matching `matcher`. */
export function histogramBuckets(scrape: Scrape, name: string, matcher?: LabelMatcher): Bucket[] {
  const byLe = new Map<number, number>();
  for (const sample of samples(scrape, `${name}_bucket`, matcher)) {
    const leText = sample.labels.le;
    if (leText === undefined) {
      continue;
    }
    const le = leText === '+Inf' ? Infinity : Number(leText);
    if (Number.isNaN(le)) {
      continue;
    }
    byLe.set(le, (byLe.get(le) ?? 0) + sample.value);
  }
  return [...byLe].map(([le, count]) => ({ le, count })).sort((a, b) => a.le - b.le);
}

/** What a counter gained from `before` to `after`; a decrease means a restart (count from 0). */
export function counterIncrease(before: number, after: number): number {
  return after >= before ? after - before : after;
}

/**
 * The buckets of the observations made between two scrapes (after minus before, bucket by
 * bucket). A restarted server (any count lower than before) yields the later buckets.
 */
export function bucketDelta(before: Bucket[], after: Bucket[]): Bucket[] {
  const old = new Map(before.map((b) => [b.le, b.count]));
  const reset = after.some((b) => b.count < (old.get(b.le) ?? 0));
  return after.map((b) => ({ le: b.le, count: reset ? b.count : b.count - (old.get(b.le) ?? 0) }));
}

/** Per-second rate of a counter (summed over matching series) between two scrapes. */
export function rate(
  before: Scrape,
  after: Scrape,
  seconds: number,
  name: string,
  matcher?: LabelMatcher,
): number {
  if (!(seconds > 0)) {
    return NaN;
  }
  // Series by series, so that one restarted series does not hide the others' increase.
  const key = (labels: Record<string, string>) => JSON.stringify(Object.entries(labels).sort());
  const old = new Map(samples(before, name, matcher).map((s) => [key(s.labels), s.value]));
  let increase = 0;
  for (const s of samples(after, name, matcher)) {
    increase += counterIncrease(old.get(key(s.labels)) ?? 0, s.value);
  }
  return increase / seconds;
}
