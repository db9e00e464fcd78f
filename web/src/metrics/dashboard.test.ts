import { describe, expect, it } from 'vitest';
import { pointBetween, totals } from './dashboard';
import { parsePrometheus } from './prometheus';

function scrape(n: { sim: number; metrics: number; errors: number; fast: number; slow: number; cost: number; tokens: number; decisions: number }) {
  return parsePrometheus(`# TYPE amaima_http_requests_total counter
amaima_http_requests_total{route="/v1/simulate",method="POST",status="200"} ${n.sim}
amaima_http_requests_total{route="/v1/query",method="POST",status="502"} ${n.errors}
amaima_http_requests_total{route="/metrics",method="GET",status="200"} ${n.metrics}
amaima_http_requests_total{route="/*",method="GET",status="200"} ${n.metrics * 3}
# TYPE amaima_http_request_duration_seconds histogram
amaima_http_request_duration_seconds_bucket{route="/v1/simulate",method="POST",le="0.005"} ${n.fast}
amaima_http_request_duration_seconds_bucket{route="/v1/simulate",method="POST",le="0.1"} ${n.fast + n.slow}
amaima_http_request_duration_seconds_bucket{route="/v1/simulate",method="POST",le="+Inf"} ${n.fast + n.slow}
amaima_http_request_duration_seconds_bucket{route="/metrics",method="GET",le="0.005"} 0
amaima_http_request_duration_seconds_bucket{route="/metrics",method="GET",le="0.1"} 0
amaima_http_request_duration_seconds_bucket{route="/metrics",method="GET",le="+Inf"} ${n.metrics}
# TYPE amaima_gateway_overhead_seconds histogram
amaima_gateway_overhead_seconds_bucket{surface="query",le="0.0001"} ${n.fast}
amaima_gateway_overhead_seconds_bucket{surface="query",le="0.001"} ${n.fast + n.slow}
amaima_gateway_overhead_seconds_bucket{surface="query",le="+Inf"} ${n.fast + n.slow}
# TYPE amaima_cost_usd_total counter
amaima_cost_usd_total{model="gpt-4o-mini"} ${n.cost}
# TYPE amaima_tokens_total counter
amaima_tokens_total{model="gpt-4o-mini",direction="input"} ${n.tokens}
amaima_tokens_total{model="gpt-4o-mini",direction="output"} ${n.tokens * 2}
# TYPE amaima_routing_decisions_total counter
amaima_routing_decisions_total{level="SIMPLE",model="gpt-4o-mini"} ${n.decisions}
amaima_routing_decisions_total{level="EXPERT",model="o3"} 1
# TYPE amaima_http_requests_in_flight gauge
amaima_http_requests_in_flight 1
# TYPE amaima_build_info gauge
amaima_build_info{version="0.1.0"} 1
`);
}

describe('pointBetween', () => {
  const before = { t: 10_000, scrape: scrape({ sim: 10, metrics: 5, errors: 1, fast: 8, slow: 2, cost: 0.5, tokens: 100, decisions: 10 }) };
  const after = { t: 15_000, scrape: scrape({ sim: 30, metrics: 999, errors: 6, fast: 18, slow: 12, cost: 0.55, tokens: 200, decisions: 30 }) };

  it('computes request rates without the console’s own scrapes and files', () => {
    const p = pointBetween(before, after);
    expect(p.t).toBe(15_000);
    expect(p.rps).toBeCloseTo((20 + 5) / 5);
    expect(p.errorRps).toBeCloseTo(1);
  });

  it('takes latency quantiles of the interval only', () => {
    const p = pointBetween(before, after);
    // 20 new requests: 10 under 5 ms, 10 between 5 and 100 ms.
    expect(p.p50Ms).toBeCloseTo(5);
    expect(p.p99Ms).toBeCloseTo(5 + 95 * (9.8 / 10));
    expect(p.overheadP50Ms).toBeCloseTo(0.1);
  });

  it('turns counters into spend per hour, decisions and tokens per second', () => {
    const p = pointBetween(before, after);
    expect(p.costPerHour).toBeCloseTo((0.05 / 5) * 3600);
    expect(p.decisionsPerS).toBeCloseTo(4);
    expect(p.tokensPerS).toBeCloseTo(300 / 5);
  });

  it('has no quantile for an interval without requests', () => {
    const p = pointBetween(after, { t: 20_000, scrape: after.scrape });
    expect(p.p50Ms).toBeNull();
    expect(p.rps).toBe(0);
  });
});

describe('totals', () => {
  it('groups decisions, tokens and spend', () => {
    const t = totals(scrape({ sim: 3, metrics: 9, errors: 0, fast: 1, slow: 0, cost: 0.25, tokens: 10, decisions: 4 }));
    expect(t.requests).toBe(3);
    expect([...t.decisionsByLevel]).toEqual([
      ['SIMPLE', 4],
      ['EXPERT', 1],
    ]);
    expect([...t.decisionsByModel]).toEqual([
      ['gpt-4o-mini', 4],
      ['o3', 1],
    ]);
    expect(Object.fromEntries(t.tokensByDirection)).toEqual({ input: 10, output: 20 });
    expect(t.costTotal).toBe(0.25);
    expect(t.version).toBe('0.1.0');
  });
});
