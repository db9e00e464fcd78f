import { ApiError } from '../api/errors';
import type { QueryRun } from '../hooks/useQueryRun';
import { formatMs, formatNumber } from '../lib/format';
import { CopyButton } from './CopyButton';
import { ErrorNotice } from './ErrorNotice';
import { Markdown } from './Markdown';

const STATUS_TEXT: Record<QueryRun['status'], string> = {
  idle: '',
  deciding: 'Deciding…',
  streaming: 'Streaming the answer…',
  done: 'Answer complete.',
  simulated: 'Simulated: no answer was generated.',
  stopped: 'Stopped.',
  failed: 'The query failed.',
};

/** The streamed answer of a query, or what stands in for it (simulation, stop, error). */
export function AnswerPanel({ run }: { run: QueryRun }) {
  const { status, answer, complete, error } = run;
  const elapsed = run.startedAt && run.finishedAt ? run.finishedAt - run.startedAt : null;
  return (
    <section className="card answer" aria-label="Answer" aria-busy={status === 'deciding' || status === 'streaming'}>
      <header className="answer__head">
        <h2 className="card__title">Answer</h2>
        <span className="muted small" role="status" aria-live="polite" data-testid="run-status">
          {STATUS_TEXT[status]}
        </span>
        {answer && status !== 'streaming' && <CopyButton text={answer} label="Copy answer" />}
      </header>
      {status === 'simulated' && (
        <div className="notice notice--info" data-testid="simulation-notice">
          <p className="notice__title">Simulation only — no answer was generated</p>
          <p>
            Execution is off for this request (decision-only mode): the query was classified and routed, and the
            decision was recorded, but no model was called.
            {complete?.output ? ` The server said: “${complete.output}”` : ''}
          </p>
        </div>
      )}
      {answer ? (
        <div className={`answer__body ${status === 'streaming' ? 'answer__body--streaming' : ''}`} data-testid="answer">
          <Markdown source={answer} />
        </div>
      ) : (
        status === 'streaming' && <p className="muted">Waiting for the first tokens…</p>
      )}
      {status === 'stopped' && <p className="notice notice--warn">Stopped: the upstream stream was cancelled.</p>}
      {status === 'failed' && error && (
        <ErrorNotice
          error={new ApiError({ status: 0, code: error.code, message: error.message, requestId: error.request_id ?? null })}
          title="The query failed"
        />
      )}
      {status === 'done' && complete && (
        <dl className="facts facts--inline small">
          <div>
            <dt>Model</dt>
            <dd>{complete.model}</dd>
          </div>
          <div>
            <dt>Finish</dt>
            <dd>{complete.finish_reason}</dd>
          </div>
          {complete.usage && (
            <div>
              <dt>Tokens</dt>
              <dd>
                {formatNumber(complete.usage.prompt_tokens)} in · {formatNumber(complete.usage.completion_tokens)} out
                {complete.usage.estimated ? ' (estimated)' : ''}
              </dd>
            </div>
          )}
          <div>
            <dt>Time</dt>
            <dd>{formatMs(elapsed)}</dd>
          </div>
        </dl>
      )}
    </section>
  );
}
