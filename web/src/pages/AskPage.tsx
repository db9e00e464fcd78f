import { useEffect, useState, type FormEvent, type KeyboardEvent } from 'react';
import { api } from '../api/endpoints';
import { asApiError, type ApiError } from '../api/errors';
import type { Decision, QueryOptions } from '../api/types';
import { useServices } from '../app/services';
import { useAuth } from '../auth/AuthContext';
import { AnswerPanel } from '../components/AnswerPanel';
import { DecisionCard } from '../components/DecisionCard';
import { FeedbackForm } from '../components/FeedbackForm';
import { QueryPreview } from '../components/QueryPreview';
import { useAsync } from '../hooks/useAsync';
import { useDebounced } from '../hooks/useDebounced';
import { useQueryRun } from '../hooks/useQueryRun';

const PREVIEW_DELAY_MS = 500;

function ExecutionNotice() {
  const { health, me, refreshMe } = useAuth();
  // The organisation's switch may have changed since sign-in.
  useEffect(() => refreshMe(), [refreshMe]);
  if (health?.execution_mode === 'decision-only') {
    return (
      <p className="notice notice--info" data-testid="decision-only-notice">
        This server runs in <strong>decision-only</strong> mode: queries are decided and recorded, but no model is
        called. Every result here is a simulation.
      </p>
    );
  }
  if (me && !me.execution_allowed) {
    return (
      <p className="notice notice--info" data-testid="decision-only-notice">
        Your organisation <strong>{me.org_id}</strong> is set to <strong>decision-only</strong>: queries are decided and
        recorded, but no model is called.
      </p>
    );
  }
  return null;
}

export function AskPage() {
  const { client } = useServices();
  const { can } = useAuth();
  const [text, setText] = useState('');
  const [model, setModel] = useState('auto');
  const [maxTokens, setMaxTokens] = useState('');
  const [preview, setPreview] = useState<Decision | null>(null);
  const [previewError, setPreviewError] = useState<ApiError | null>(null);
  const [previewPending, setPreviewPending] = useState(false);
  const { run, start, stop } = useQueryRun();
  const models = useAsync(() => api.models(client), [client]);

  const options = (query: string): QueryOptions => ({
    query,
    ...(model !== 'auto' ? { model } : {}),
    ...(maxTokens && Number(maxTokens) > 0 ? { max_tokens: Math.floor(Number(maxTokens)) } : {}),
  });

  const settled = useDebounced(text.trim(), PREVIEW_DELAY_MS);
  const settledModel = useDebounced(model, PREVIEW_DELAY_MS);
  useEffect(() => {
    if (settled.length < 2) {
      setPreview(null);
      setPreviewError(null);
      return;
    }
    const controller = new AbortController();
    setPreviewPending(true);
    api
      .simulate(client, { query: settled, ...(settledModel !== 'auto' ? { model: settledModel } : {}) }, controller.signal)
      .then(
        (decision) => {
          setPreview(decision);
          setPreviewError(null);
        },
        (error: unknown) => {
          if (!controller.signal.aborted) {
            setPreviewError(asApiError(error));
          }
        },
      )
      .finally(() => !controller.signal.aborted && setPreviewPending(false));
    return () => controller.abort();
  }, [client, settled, settledModel]);

  const running = run.status === 'deciding' || run.status === 'streaming';
  const submit = (event?: FormEvent) => {
    event?.preventDefault();
    if (!text.trim() || running) {
      return;
    }
    start(options(text.trim()));
  };
  const onKeyDown = (event: KeyboardEvent<HTMLTextAreaElement>) => {
    if (event.key === 'Enter' && (event.ctrlKey || event.metaKey)) {
      submit();
    }
  };

  return (
    <section className="page ask" aria-labelledby="ask-title">
      <h1 id="ask-title">Ask</h1>
      <ExecutionNotice />
      <form className="form card" onSubmit={submit} aria-label="Ask a query">
        <label className="field">
          <span className="field__label">Query</span>
          <textarea
            rows={5}
            value={text}
            onChange={(e) => setText(e.target.value)}
            onKeyDown={onKeyDown}
            placeholder="Ask anything… (Ctrl+Enter sends)"
            aria-describedby="ask-preview"
          />
        </label>
        <div id="ask-preview">
          <QueryPreview preview={settled.length >= 2 ? preview : null} error={previewError} pending={previewPending} />
        </div>
        <div className="form__row">
          <label className="field field--inline">
            <span className="field__label">Model</span>
            <select value={model} onChange={(e) => setModel(e.target.value)}>
              <option value="auto">auto (route by complexity)</option>
              {(models.data ?? [])
                .filter((m) => m.id !== 'auto')
                .map((m) => (
                  <option key={m.id} value={m.id}>
                    {m.id} ({m.owned_by})
                  </option>
                ))}
            </select>
          </label>
          <label className="field field--inline">
            <span className="field__label">Max tokens</span>
            <input
              type="number"
              min={1}
              inputMode="numeric"
              value={maxTokens}
              onChange={(e) => setMaxTokens(e.target.value)}
              placeholder="default"
            />
          </label>
          <div className="form__actions">
            <button type="submit" className="button button--primary" disabled={!text.trim() || running}>
              Send
            </button>
            {running && (
              <button type="button" className="button button--danger" onClick={stop}>
                Stop
              </button>
            )}
          </div>
        </div>
      </form>

      {run.status !== 'idle' && (
        <div className="ask__result">
          {run.decision && <DecisionCard decision={run.decision} />}
          <AnswerPanel run={run} />
          {run.decision && !running && can('feedback') && (
            <div className="card">
              <FeedbackForm key={run.decision.decision_id} decisionId={run.decision.decision_id} />
            </div>
          )}
        </div>
      )}
    </section>
  );
}
