import type { Execution } from '../api/types';
import { formatMs, formatNumber, formatTime, formatUsd, shortId } from '../lib/format';
import { Tag } from './LevelBadge';

export function ExecutionTable({ executions }: { executions: Execution[] }) {
  return (
    <div className="table-wrap" tabIndex={0} role="region" aria-label="Executions table">
      <table className="table">
        <thead>
          <tr>
            <th scope="col">Time</th>
            <th scope="col">Status</th>
            <th scope="col">Model</th>
            <th scope="col">Surface</th>
            <th scope="col" className="num">
              Tokens in / out
            </th>
            <th scope="col" className="num">
              Cost
            </th>
            <th scope="col" className="num">
              Upstream
            </th>
            <th scope="col" className="num">
              Total
            </th>
            <th scope="col" className="num">
              Attempts
            </th>
            <th scope="col">Caller</th>
            <th scope="col">Request id</th>
          </tr>
        </thead>
        <tbody>
          {executions.map((e) => (
            <tr key={e.request_id + e.created_at}>
              <td className="nowrap">{formatTime(e.created_at)}</td>
              <td>
                <Tag tone={e.status === 'ok' ? 'ok' : e.status === 'cancelled' ? 'warn' : 'danger'}>{e.status}</Tag>
                {e.error_code && <code className="small"> {e.error_code}</code>}
              </td>
              <td>
                {e.model}
                <span className="muted small"> {e.provider}</span>
              </td>
              <td>
                {e.surface}
                {e.streamed ? ' (stream)' : ''}
              </td>
              <td className="num">
                {formatNumber(e.usage.prompt_tokens)} / {formatNumber(e.usage.completion_tokens)}
                {e.usage.estimated ? '*' : ''}
              </td>
              <td className="num">{formatUsd(e.cost_usd)}</td>
              <td className="num">{formatMs(e.upstream_ms)}</td>
              <td className="num">{formatMs(e.total_ms)}</td>
              <td className="num">{e.attempts}</td>
              <td className="mono small nowrap" title={e.actor}>
                {e.actor.replace(/[0-9a-f-]{36}/, (id) => shortId(id))}
              </td>
              <td className="mono small nowrap" title={e.request_id}>
                {shortId(e.request_id)}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
