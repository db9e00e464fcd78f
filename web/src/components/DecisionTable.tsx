import { Link } from 'react-router-dom';
import type { Decision } from '../api/types';
import { formatMs, formatPercent, formatTime, formatUsd } from '../lib/format';
import { LevelBadge, Tag } from './LevelBadge';

export function DecisionTable({ decisions, fresh }: { decisions: Decision[]; fresh?: ReadonlySet<string> }) {
  return (
    <div className="table-wrap" tabIndex={0} role="region" aria-label="Decisions table">
      <table className="table">
        <thead>
          <tr>
            <th scope="col">Time</th>
            <th scope="col">Level</th>
            <th scope="col">Model</th>
            <th scope="col" className="num">
              Confidence
            </th>
            <th scope="col" className="num">
              Est. cost
            </th>
            <th scope="col" className="num">
              Est. latency
            </th>
            <th scope="col">Mode</th>
            <th scope="col">Reasons</th>
          </tr>
        </thead>
        <tbody>
          {decisions.map((d) => (
            <tr key={d.decision_id} className={fresh?.has(d.decision_id) ? 'table__row--fresh' : undefined}>
              <td className="nowrap">
                <Link to={`/decisions/${d.decision_id}`} aria-label={`Decision ${d.decision_id}`}>
                  {formatTime(d.created_at)}
                </Link>
              </td>
              <td>
                <LevelBadge level={d.route.routed_level} />
              </td>
              <td>
                {d.route.model}
                <span className="muted small"> {d.route.provider}</span>
              </td>
              <td className="num">{formatPercent(d.confidence.overall)}</td>
              <td className="num">{formatUsd(d.estimates.cost_usd)}</td>
              <td className="num">{formatMs(d.estimates.latency_ms)}</td>
              <td>{d.simulated ? <Tag tone="info">simulated</Tag> : <Tag tone="ok">executed</Tag>}</td>
              <td className="small">{d.route.reason_codes.join(', ')}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
