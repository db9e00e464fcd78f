import { useEffect, useMemo, useState } from 'react';
import { useSearchParams } from 'react-router-dom';
import { api } from '../api/endpoints';
import { LEVELS, type Decision, type Level } from '../api/types';
import { useServices } from '../app/services';
import { useAuth } from '../auth/AuthContext';
import { DecisionTable } from '../components/DecisionTable';
import { ErrorNotice } from '../components/ErrorNotice';
import { Empty, Loading } from '../components/States';
import { useAsync } from '../hooks/useAsync';

const PAGE_SIZES = [10, 20, 50, 100];

export function DecisionsPage() {
  const { client, ws } = useServices();
  const { can } = useAuth();
  const [params, setParams] = useSearchParams();
  const level = (params.get('level') ?? '') as Level | '';
  const model = params.get('model') ?? '';
  const limit = Number(params.get('limit') ?? 20) || 20;
  const cursor = params.get('cursor') ?? '';
  // Cursors of the pages before this one, to walk back.
  const trail = useMemo(() => (params.get('trail') ?? '').split(',').filter(Boolean), [params]);
  const [live, setLive] = useState(false);
  const [arrived, setArrived] = useState<Decision[]>([]);

  const models = useAsync(() => api.models(client), [client]);
  const page = useAsync(
    (signal) => api.decisions(client, { level, model, limit, cursor: cursor || undefined }, signal),
    [client, level, model, limit, cursor],
  );

  useEffect(() => setArrived([]), [level, model, limit, cursor, page.data]);

  // New decisions as they are recorded (WebSocket feed), on the first page only.
  useEffect(() => {
    if (!live || cursor) {
      return;
    }
    return ws.subscribeDecisions((decision) => {
      if ((level && decision.route.routed_level !== level) || (model && decision.route.model !== model)) {
        return;
      }
      setArrived((list) => [decision, ...list.filter((d) => d.decision_id !== decision.decision_id)].slice(0, limit));
    });
  }, [ws, live, cursor, level, model, limit]);

  const update = (changes: Record<string, string>) => {
    const next = new URLSearchParams(params);
    for (const [key, value] of Object.entries(changes)) {
      if (value) {
        next.set(key, value);
      } else {
        next.delete(key);
      }
    }
    setParams(next);
  };
  const filter = (changes: Record<string, string>) => update({ ...changes, cursor: '', trail: '' });

  const shown = useMemo(() => {
    const loaded = page.data?.data ?? [];
    const ids = new Set(arrived.map((d) => d.decision_id));
    return [...arrived, ...loaded.filter((d) => !ids.has(d.decision_id))].slice(0, limit + arrived.length);
  }, [arrived, page.data, limit]);
  const fresh = useMemo(() => new Set(arrived.map((d) => d.decision_id)), [arrived]);

  return (
    <section className="page" aria-labelledby="decisions-title">
      <h1 id="decisions-title">Decisions</h1>
      <form className="filters card" aria-label="Filters" onSubmit={(e) => e.preventDefault()}>
        <label className="field field--inline">
          <span className="field__label">Routed level</span>
          <select value={level} onChange={(e) => filter({ level: e.target.value })}>
            <option value="">any</option>
            {LEVELS.map((l) => (
              <option key={l} value={l}>
                {l}
              </option>
            ))}
          </select>
        </label>
        <label className="field field--inline">
          <span className="field__label">Model</span>
          <select value={model} onChange={(e) => filter({ model: e.target.value })}>
            <option value="">any</option>
            {(models.data ?? [])
              .filter((m) => m.id !== 'auto')
              .map((m) => (
                <option key={m.id} value={m.id}>
                  {m.id}
                </option>
              ))}
          </select>
        </label>
        <label className="field field--inline">
          <span className="field__label">Per page</span>
          <select value={limit} onChange={(e) => filter({ limit: e.target.value })}>
            {PAGE_SIZES.map((n) => (
              <option key={n} value={n}>
                {n}
              </option>
            ))}
          </select>
        </label>
        {can('query') && (
          <label className="checkbox">
            <input type="checkbox" checked={live} onChange={(e) => setLive(e.target.checked)} disabled={Boolean(cursor)} />
            Live (new decisions appear as they are made)
          </label>
        )}
        <button type="button" className="button button--small" onClick={page.reload}>
          Refresh
        </button>
      </form>

      {page.error && <ErrorNotice error={page.error} onRetry={page.reload} />}
      {page.loading && !page.data && <Loading label="Loading decisions…" />}
      {page.data && shown.length === 0 && (
        <Empty title="No decisions">
          {level || model
            ? 'No decision matches these filters.'
            : can('read_org_decisions')
              ? 'Decisions appear here once queries are sent.'
              : can('query')
                ? 'You see the decisions of your own queries; they appear here once you send one.'
                : 'You see the decisions of your own queries, and your role cannot send queries.'}
        </Empty>
      )}
      {shown.length > 0 && <DecisionTable decisions={shown} fresh={fresh} />}

      <nav className="pager" aria-label="Pages">
        <button
          type="button"
          className="button button--small"
          disabled={!cursor}
          onClick={() => update({ cursor: trail[trail.length - 1] ?? '', trail: trail.slice(0, -1).join(',') })}
        >
          ← Newer
        </button>
        <span className="muted small">Page {trail.length + (cursor ? 2 : 1)}</span>
        <button
          type="button"
          className="button button--small"
          disabled={!page.data?.has_more || !page.data.next_cursor}
          onClick={() =>
            update({ cursor: page.data?.next_cursor ?? '', trail: cursor ? [...trail, cursor].join(',') : trail.join(',') })
          }
        >
          Older →
        </button>
      </nav>
    </section>
  );
}
