import { useId } from 'react';
import { formatTime } from '../../lib/format';
import { compact, isolated, linePath, niceMax } from './scale';

export interface Series {
  name: string;
  /** A CSS colour (a custom property, e.g. var(--chart-1)). */
  color: string;
  values: (number | null)[];
}

const W = 600;
const H = 180;
const PAD = { left: 48, right: 8, top: 10, bottom: 22 };

/** A small time-series chart in plain SVG. `times` are epoch milliseconds, one per value. */
export function LineChart({
  title,
  times,
  series,
  format,
  axisFormat = compact,
}: {
  title: string;
  times: number[];
  series: Series[];
  format: (value: number | null) => string;
  /** Short labels of the y axis (the legend carries the unit). */
  axisFormat?: (value: number) => string;
}) {
  const id = useId();
  const all = series.flatMap((s) => s.values).filter((v): v is number => v !== null && Number.isFinite(v));
  const top = niceMax(Math.max(0, ...all));
  const n = Math.max(times.length, 2);
  const x = (i: number) => PAD.left + (i * (W - PAD.left - PAD.right)) / (n - 1);
  const y = (v: number) => PAD.top + (1 - v / top) * (H - PAD.top - PAD.bottom);
  const latest = (s: Series) => {
    for (let i = s.values.length - 1; i >= 0; i--) {
      const v = s.values[i];
      if (v !== null && v !== undefined && Number.isFinite(v)) {
        return v;
      }
    }
    return null;
  };
  const summary = series.map((s) => `${s.name} ${format(latest(s))}`).join(', ');
  return (
    <figure className="chart">
      <figcaption className="chart__title" id={`${id}-title`}>
        {title}
      </figcaption>
      <ul className="chart__legend">
        {series.map((s) => (
          <li key={s.name}>
            <span className="chart__swatch" style={{ background: s.color }} aria-hidden="true" />
            {s.name}: <strong>{format(latest(s))}</strong>
          </li>
        ))}
      </ul>
      <svg
        className="chart__svg"
        viewBox={`0 0 ${W} ${H}`}
        preserveAspectRatio="none"
        role="img"
        aria-labelledby={`${id}-title`}
        aria-describedby={`${id}-desc`}
      >
        <desc id={`${id}-desc`}>{all.length ? `Latest: ${summary}` : 'No data yet'}</desc>
        {[0, 0.5, 1].map((f) => (
          <g key={f}>
            <line className="chart__grid" x1={PAD.left} x2={W - PAD.right} y1={y(top * f)} y2={y(top * f)} />
            <text className="chart__axis" x={PAD.left - 6} y={y(top * f) + 4} textAnchor="end">
              {axisFormat(top * f)}
            </text>
          </g>
        ))}
        {series.map((s) => (
          <g key={s.name} style={{ stroke: s.color, fill: s.color }}>
            <path className="chart__line" d={linePath(s.values, x, y)} />
            {isolated(s.values).map((i) => (
              <circle key={i} className="chart__dot" cx={x(i)} cy={y(s.values[i]!)} r={3} />
            ))}
          </g>
        ))}
        {times.length > 0 && (
          <>
            <text className="chart__axis" x={PAD.left} y={H - 6}>
              {formatTime(times[0]).slice(11)}
            </text>
            <text className="chart__axis" x={W - PAD.right} y={H - 6} textAnchor="end">
              {formatTime(times[times.length - 1]).slice(11)}
            </text>
          </>
        )}
      </svg>
      {all.length === 0 && <p className="chart__empty muted small">Waiting for data…</p>}
    </figure>
  );
}
