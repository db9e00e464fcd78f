import type { ApiError } from '../api/errors';

/** An API error as the user needs it: what failed, the server's code and the request id to quote. */
export function ErrorNotice({ error, title, onRetry }: { error: ApiError; title?: string; onRetry?: () => void }) {
  return (
    <div className="notice notice--error" role="alert">
      <p className="notice__title">{title ?? 'The request failed'}</p>
      <p className="notice__message">{error.message}</p>
      <dl className="notice__meta">
        <div>
          <dt>Code</dt>
          <dd>
            <code>{error.code}</code>
            {error.status > 0 && <span className="muted"> (HTTP {error.status})</span>}
          </dd>
        </div>
        {error.requestId && (
          <div>
            <dt>Request id</dt>
            <dd>
              <code className="selectable">{error.requestId}</code>
            </dd>
          </div>
        )}
        {error.retryAfterS !== null && (
          <div>
            <dt>Retry after</dt>
            <dd>{error.retryAfterS} s</dd>
          </div>
        )}
      </dl>
      {onRetry && (
        <button type="button" className="button button--small" onClick={onRetry}>
          Try again
        </button>
      )}
    </div>
  );
}
