// What the dashboard plots, computed from two successive scrapes of GET /metrics
// (names from src/amaima/telemetry/gateway_metrics.cc).

import { sum, sumBy, type Scrape } from './prometheus';
import { bucketDelta, histogramBuckets, histogramQuantile, rate } from './quantile';

export const METRIC = {
  requests: 'amaima_http_requests_total',
  requestDuration: 'amaima_http_request_duration_seconds',
  inFlight: 'amaima_http_requests_in_flight',
  overhead: 'amaima_gateway_overhead_seconds',
  decisions: 'amaima_routing_decisions_total',
  tokens: 'amaima_tokens_total',
  cost: 'amaima_cost_usd_total',
  providerErrors: 'amaima_provider_errors_total',
  circuit: 'amaima_provider_circuit_state',
  buildInfo: 'amaima_build_info',
} as const;

/**
 * Not API traffic, so left out of request rates and latencies: the console's own scrapes of
 * /metrics and the console's files (the server labels them route "/*").
 */
export const EXCLUDED_ROUTES: readonly string[] = ['/metrics', '/*'];
const notScrape = { route: (route: string) => !EXCLUDED_ROUTES.includes(route) };

export interface TimedScrape {
  /** Milliseconds since the epoch when the scrape was taken. */
  t: number;
  scrape: Scrape;
}

export interface Point {
  t: number;
  /** API requests per second (every route but the excluded ones). */
  rps: number;
  /** Of which answered 5xx. */
  errorRps: number;
  /** Latency quantiles of the requests in the interval, in ms; null without requests. */
  p50Ms: number | null;
  p99Ms: number | null;
  /** Gateway overhead quantiles, in ms. */
  overheadP50Ms: number | null;
  overheadP99Ms: number | null;
  /** Spend rate in US dollars per hour. */
  costPerHour: number;
  decisionsPerS: number;
  tokensPerS: number;
}

function quantileMs(before: Scrape, after: Scrape, name: string, q: number, matcher?: Parameters<typeof histogramBuckets>[2]): number | null {
  const delta = bucketDelta(histogramBuckets(before, name, matcher), histogramBuckets(after, name, matcher));
  const value = histogramQuantile(q, delta);
  return Number.isFinite(value) ? value * 1000 : null;
}

export function pointBetween(before: TimedScrape, after: TimedScrape): Point {
  const seconds = (after.t - before.t) / 1000;
  const a = before.scrape;
  const b = after.scrape;
  return {
    t: after.t,
    rps: rate(a, b, seconds, METRIC.requests, notScrape),
    errorRps: rate(a, b, seconds, METRIC.requests, { ...notScrape, status: (s) => s.startsWith('5') }),
    p50Ms: quantileMs(a, b, METRIC.requestDuration, 0.5, notScrape),
    p99Ms: quantileMs(a, b, METRIC.requestDuration, 0.99, notScrape),
    overheadP50Ms: quantileMs(a, b, METRIC.overhead, 0.5),
    overheadP99Ms: quantileMs(a, b, METRIC.overhead, 0.99),
    costPerHour: rate(a, b, seconds, METRIC.cost) * 3600,
    decisionsPerS: rate(a, b, seconds, METRIC.decisions),
    tokensPerS: rate(a, b, seconds, METRIC.tokens),
  };
}

export interface Totals {
  requests: number;
  inFlight: number;
  decisionsByLevel: Map<string, number>;
  decisionsByModel: Map<string, number>;
  tokensByDirection: Map<string, number>;
  tokensByModel: Map<string, number>;
  costByModel: Map<string, number>;
  costTotal: number;
  providerErrors: number;
  /** Circuit state per provider: 0 closed, 1 half-open, 2 open. */
  circuits: Map<string, number>;
  version: string | null;
}

export function totals(scrape: Scrape): Totals {
  const version = scrape.get(METRIC.buildInfo)?.samples[0]?.labels.version ?? null;
  return {
    requests: sum(scrape, METRIC.requests, notScrape),
    inFlight: sum(scrape, METRIC.inFlight),
    decisionsByLevel: sumBy(scrape, METRIC.decisions, 'level'),
    decisionsByModel: sumBy(scrape, METRIC.decisions, 'model'),
    tokensByDirection: sumBy(scrape, METRIC.tokens, 'direction'),
    tokensByModel: sumBy(scrape, METRIC.tokens, 'model'),
    costByModel: sumBy(scrape, METRIC.cost, 'model'),
    costTotal: sum(scrape, METRIC.cost),
    providerErrors: sum(scrape, METRIC.providerErrors),
    circuits: sumBy(scrape, METRIC.circuit, 'provider'),
    version,
  };
}
