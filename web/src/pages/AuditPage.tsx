import { useState, type FormEvent } from 'react';
import { useSearchParams } from 'react-router-dom';
import { api } from '../api/endpoints';
import type { AuditEntry } from '../api/types';
import { useServices } from '../app/services';
import { ChainStatus } from '../components/ChainStatus';
import { ErrorNotice } from '../components/ErrorNotice';
import { Tag } from '../components/LevelBadge';
import { Empty, Loading } from '../components/States';
import { useAsync } from '../hooks/useAsync';
import { formatTime, shortId } from '../lib/format';

const FILTERS = ['org_id', 'actor', 'action', 'since', 'until'] as const;

/** datetime-local text (local time) to epoch milliseconds and back. */
function toMillis(local: string): number | undefined {
  const ms = new Date(local).getTime();
  return local && Number.isFinite(ms) ? ms : undefined;
}

/** `key:01a2…e3b` for `key:<uuid>`; the whole reference is in the title. */
function Ref({ value }: { value: string }) {
  const shortened = value.replace(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g, (id) => shortId(id));
  return (
    <span className="mono small" title={value}>
      {shortened}
    </span>
  );
}

function Details({ details }: { details: unknown }) {
  if (details && typeof details === 'object' && !Array.isArray(details)) {
    const entries = Object.entries(details as Record<string, unknown>);
    if (entries.length === 0) {
      return <span className="muted">—</span>;
    }
    return (
      <span className="kv">
        {entries.map(([k, v]) => (
          <span key={k}>
            <span className="muted">{k}</span>=<Ref value={typeof v === 'string' ? v : JSON.stringify(v)} />{' '}
          </span>
        ))}
      </span>
    );
  }
  return <span>{typeof details === 'string' ? details : JSON.stringify(details)}</span>;
}

function AuditTable({ entries }: { entries: AuditEntry[] }) {
  return (
    <div className="table-wrap" tabIndex={0} role="region" aria-label="Audit table">
      <table className="table">
        <thead>
          <tr>
            <th scope="col" className="num">
              Seq
            </th>
            <th scope="col">Time</th>
            <th scope="col">Organisation</th>
            <th scope="col">Actor</th>
            <th scope="col">Action</th>
            <th scope="col">Target</th>
            <th scope="col">Outcome</th>
            <th scope="col">Details</th>
          </tr>
        </thead>
        <tbody>
          {entries.map((e) => (
            <tr key={e.seq}>
              <td className="num" title={`row_hash ${e.row_hash}`}>
                {e.seq}
              </td>
              <td className="small nowrap">{formatTime(e.created_at_ms)}</td>
              <td>{e.org_id}</td>
              <td className="nowrap">
                <Ref value={e.actor} />
              </td>
              <td className="mono small">{e.action}</td>
              <td className="nowrap">
                <Ref value={e.target} />
              </td>
              <td>
                <Tag tone={e.outcome === 'success' ? 'ok' : 'danger'}>{e.outcome}</Tag>
              </td>
              <td className="small">
                <Details details={e.details} />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

export function AuditPage() {
  const { client } = useServices();
  const [params, setParams] = useSearchParams();
  const get = (key: string) => params.get(key) ?? '';
  const [draft, setDraft] = useState<Record<string, string>>(() => Object.fromEntries(FILTERS.map((f) => [f, get(f)])));
  const limit = Number(get('limit') || 50);
  const cursor = get('cursor');
  const trail = get('trail').split(',').filter(Boolean);
  const key = params.toString();

  const page = useAsync(
    (signal) =>
      api.audit(
        client,
        {
          org_id: get('org_id') || undefined,
          actor: get('actor') || undefined,
          action: get('action') || undefined,
          since: toMillis(get('since')),
          until: toMillis(get('until')),
          limit,
          cursor: cursor || undefined,
        },
        signal,
      ),
    [client, key],
  );

  const apply = (event: FormEvent) => {
    event.preventDefault();
    const next = new URLSearchParams();
    for (const f of FILTERS) {
      if (draft[f]?.trim()) {
        next.set(f, draft[f]!.trim());
      }
    }
    if (limit !== 50) {
      next.set('limit', String(limit));
    }
    setParams(next);
  };
  const go = (nextCursor: string, nextTrail: string[]) => {
    const next = new URLSearchParams(params);
    next.delete('cursor');
    next.delete('trail');
    if (nextCursor) {
      next.set('cursor', nextCursor);
    }
    if (nextTrail.length > 0) {
      next.set('trail', nextTrail.join(','));
    }
    setParams(next);
  };
  const entries = page.data?.data ?? [];

  return (
    <section className="page" aria-labelledby="audit-title">
      <h1 id="audit-title">Audit trail</h1>
      <form className="filters card" onSubmit={apply} aria-label="Audit filters">
        {(
          [
            ['org_id', 'Organisation', 'text'],
            ['actor', 'Actor (e.g. key:…, user:…)', 'text'],
            ['action', 'Action (e.g. key.create)', 'text'],
            ['since', 'Since', 'datetime-local'],
            ['until', 'Until', 'datetime-local'],
          ] as const
        ).map(([name, label, type]) => (
          <label key={name} className="field field--inline">
            <span className="field__label">{label}</span>
            <input type={type} value={draft[name] ?? ''} onChange={(e) => setDraft((d) => ({ ...d, [name]: e.target.value }))} />
          </label>
        ))}
        <div className="form__actions">
          <button type="submit" className="button button--primary">
            Apply
          </button>
          <button type="button" className="button" onClick={page.reload}>
            Refresh
          </button>
        </div>
      </form>
      {page.error && <ErrorNotice error={page.error} onRetry={page.reload} />}
      {page.loading && !page.data && <Loading label="Loading the audit trail…" />}
      {page.data && entries.length === 0 && <Empty title="No audit rows">Nothing matches these filters.</Empty>}
      {entries.length > 0 && (
        <>
          <ChainStatus entries={entries} />
          <AuditTable entries={entries} />
        </>
      )}
      <nav className="pager" aria-label="Pages">
        <button type="button" className="button button--small" disabled={!cursor} onClick={() => go(trail[trail.length - 1] ?? '', trail.slice(0, -1))}>
          ← Newer
        </button>
        <span className="muted small">Page {trail.length + (cursor ? 2 : 1)}</span>
        <button
          type="button"
          className="button button--small"
          disabled={!page.data?.next_cursor}
          onClick={() => go(page.data?.next_cursor ?? '', cursor ? [...trail, cursor] : trail)}
        >
          Older →
        </button>
      </nav>
    </section>
  );
}
