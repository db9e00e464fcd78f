import type { ApiError } from '../api/errors';
import type { Decision } from '../api/types';
import { formatMs, formatPercent, formatUsd } from '../lib/format';
import { LevelBadge } from './LevelBadge';

/** The live complexity preview of the query being typed (POST /v1/simulate). */
export function QueryPreview({ preview, error, pending }: { preview: Decision | null; error: ApiError | null; pending: boolean }) {
  return (
    <div className="preview" aria-live="polite" data-testid="preview">
      {error ? (
        <span className="preview__error">
          Preview unavailable: {error.code}
          {error.requestId ? ` (request ${error.requestId})` : ''}
        </span>
      ) : preview ? (
        <>
          <LevelBadge level={preview.route.routed_level} />
          <span>
            <span className="muted">model</span> <strong>{preview.route.model}</strong>
          </span>
          <span>
            <span className="muted">confidence</span> {formatPercent(preview.confidence.overall)}
          </span>
          <span>
            <span className="muted">est.</span> {formatUsd(preview.estimates.cost_usd)} · {formatMs(preview.estimates.latency_ms)}
          </span>
          {pending && <span className="muted small">updating…</span>}
        </>
      ) : (
        <span className="muted">{pending ? 'Estimating…' : 'Type a query to see how it would be routed.'}</span>
      )}
    </div>
  );
}
