import { useState } from 'react';
import { LEVELS } from '../api/types';
import { BarList } from '../components/charts/BarList';
import { LineChart } from '../components/charts/LineChart';
import { ConnectionStatus } from '../components/ConnectionStatus';
import { ErrorNotice } from '../components/ErrorNotice';
import { useMetrics } from '../hooks/useMetrics';
import { formatMs, formatNumber, formatRate, formatUsd } from '../lib/format';

const INTERVALS = [2000, 5000, 15000];
const C = ['var(--chart-1)', 'var(--chart-2)', 'var(--chart-3)', 'var(--chart-4)'];

const ms = (v: number | null) => formatMs(v);
const perS = (v: number | null) => (v === null ? '—' : `${formatRate(v)}/s`);
const usdPerHour = (v: number | null) => (v === null ? '—' : `${formatUsd(v)}/h`);

export function DashboardPage() {
  const [intervalMs, setIntervalMs] = useState(5000);
  const feed = useMetrics(intervalMs);
  const times = feed.points.map((p) => p.t);
  const col = <K extends keyof (typeof feed.points)[number]>(key: K) => feed.points.map((p) => p[key] as number | null);
  const t = feed.totals;
  const levelOrder = (label: string) => LEVELS.indexOf(label as (typeof LEVELS)[number]);

  return (
    <section className="page" aria-labelledby="dashboard-title">
      <div className="page__head">
        <h1 id="dashboard-title">Dashboard</h1>
        <label className="field field--inline">
          <span className="field__label">Refresh every</span>
          <select value={intervalMs} onChange={(e) => setIntervalMs(Number(e.target.value))}>
            {INTERVALS.map((i) => (
              <option key={i} value={i}>
                {i / 1000} s
              </option>
            ))}
          </select>
        </label>
      </div>
      <p className="muted small">
        Rates and latencies are computed in the browser from successive scrapes of <code>GET /metrics</code>; the
        console’s own scrapes and page files are left out.
      </p>
      <ConnectionStatus status={feed.status} lastScrapeAt={feed.lastScrapeAt} intervalMs={intervalMs} />
      {feed.error && <ErrorNotice error={feed.error} title="Could not read GET /metrics" />}

      {t && (
        <dl className="stats" aria-label="Totals since the server started">
          <div className="stat">
            <dt>API requests</dt>
            <dd>{formatNumber(t.requests)}</dd>
          </div>
          <div className="stat">
            <dt>Decisions</dt>
            <dd>{formatNumber([...t.decisionsByLevel.values()].reduce((a, b) => a + b, 0))}</dd>
          </div>
          <div className="stat">
            <dt>Tokens</dt>
            <dd>{formatNumber([...t.tokensByDirection.values()].reduce((a, b) => a + b, 0))}</dd>
          </div>
          <div className="stat">
            <dt>Spend</dt>
            <dd>{formatUsd(t.costTotal)}</dd>
          </div>
          <div className="stat">
            <dt>In flight</dt>
            <dd>{formatNumber(t.inFlight)}</dd>
          </div>
          <div className="stat">
            <dt>Provider errors</dt>
            <dd>{formatNumber(t.providerErrors)}</dd>
          </div>
        </dl>
      )}

      <div className="charts">
        <LineChart
          title="API requests per second"
          times={times}
          format={perS}
          series={[
            { name: 'all', color: C[0]!, values: col('rps') },
            { name: '5xx', color: C[3]!, values: col('errorRps') },
          ]}
        />
        <LineChart
          title="Latency (ms)"
          times={times}
          format={ms}
          series={[
            { name: 'p50', color: C[0]!, values: col('p50Ms') },
            { name: 'p99', color: C[1]!, values: col('p99Ms') },
          ]}
        />
        <LineChart
          title="Gateway overhead (ms)"
          times={times}
          format={ms}
          series={[
            { name: 'p50', color: C[0]!, values: col('overheadP50Ms') },
            { name: 'p99', color: C[1]!, values: col('overheadP99Ms') },
          ]}
        />
        <LineChart title="Cost per hour (USD)" times={times} format={usdPerHour} series={[{ name: 'spend', color: C[2]!, values: col('costPerHour') }]} />
        <LineChart title="Decisions per second" times={times} format={perS} series={[{ name: 'decisions', color: C[0]!, values: col('decisionsPerS') }]} />
        <LineChart title="Tokens per second" times={times} format={perS} series={[{ name: 'tokens', color: C[2]!, values: col('tokensPerS') }]} />
      </div>

      {t && (
        <div className="charts">
          <BarList
            title="Decisions by level"
            keepOrder
            format={(v) => formatNumber(v)}
            bars={[...t.decisionsByLevel]
              .sort(([a], [b]) => levelOrder(a) - levelOrder(b))
              .map(([label, value]) => ({ label, value }))}
          />
          <BarList title="Decisions by model" format={(v) => formatNumber(v)} bars={[...t.decisionsByModel].map(([label, value]) => ({ label, value }))} />
          <BarList title="Tokens by model" format={(v) => formatNumber(v)} bars={[...t.tokensByModel].map(([label, value]) => ({ label, value }))} />
          <BarList title="Tokens by direction" format={(v) => formatNumber(v)} bars={[...t.tokensByDirection].map(([label, value]) => ({ label, value }))} />
          <BarList title="Spend by model" format={formatUsd} bars={[...t.costByModel].map(([label, value]) => ({ label, value }))} />
        </div>
      )}
    </section>
  );
}
