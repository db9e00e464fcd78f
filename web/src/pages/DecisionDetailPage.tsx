import { Link, useParams } from 'react-router-dom';
import { api } from '../api/endpoints';
import type { Decision } from '../api/types';
import { useServices } from '../app/services';
import { useAuth } from '../auth/AuthContext';
import { DecisionCard } from '../components/DecisionCard';
import { ErrorNotice } from '../components/ErrorNotice';
import { ExecutionTable } from '../components/ExecutionTable';
import { FeedbackForm } from '../components/FeedbackForm';
import { Empty, Loading } from '../components/States';
import { useAsync } from '../hooks/useAsync';
import { formatTime } from '../lib/format';

function Details({ decision }: { decision: Decision }) {
  const features = Object.entries(decision.complexity.features);
  const constraints = decision.constraints;
  return (
    <div className="grid-2">
      <section className="card" aria-labelledby="features-title">
        <h2 className="card__title" id="features-title">
          Features that fired
        </h2>
        {features.length === 0 ? (
          <p className="muted">None.</p>
        ) : (
          <table className="table table--compact">
            <tbody>
              {features.map(([name, value]) => (
                <tr key={name}>
                  <th scope="row" className="mono">
                    {name}
                  </th>
                  <td className="num">{value.toFixed(3)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>
      <section className="card" aria-labelledby="record-title">
        <h2 className="card__title" id="record-title">
          Record
        </h2>
        <dl className="facts">
          <div>
            <dt>Organisation</dt>
            <dd>{decision.org_id}</dd>
          </div>
          <div>
            <dt>Request id</dt>
            <dd className="mono selectable">{decision.request_id}</dd>
          </div>
          <div>
            <dt>Query hash</dt>
            <dd className="mono small selectable break">{decision.query_hash}</dd>
          </div>
          <div>
            <dt>Schema</dt>
            <dd>{decision.decision_schema_version}</dd>
          </div>
          <div>
            <dt>Versions</dt>
            <dd className="small">
              router {decision.versions.router_model} · policy {decision.versions.policy} · pricing{' '}
              {decision.versions.pricing}
            </dd>
          </div>
          {decision.route.strong_weak && (
            <div>
              <dt>Strong/weak</dt>
              <dd className="small">
                p={decision.route.strong_weak.probability.toFixed(3)} (threshold{' '}
                {decision.route.strong_weak.threshold.toFixed(3)}, {decision.route.strong_weak.model_version})
              </dd>
            </div>
          )}
          {constraints && (
            <div>
              <dt>Constraints</dt>
              <dd className="small">
                model {constraints.model}
                {constraints.max_tokens !== null ? ` · max_tokens ${constraints.max_tokens}` : ''}
                {constraints.max_cost_usd !== null ? ` · max_cost_usd ${constraints.max_cost_usd}` : ''}
                {constraints.max_latency_ms !== null ? ` · max_latency_ms ${constraints.max_latency_ms}` : ''}
                {constraints.required_capabilities.length ? ` · needs ${constraints.required_capabilities.join(', ')}` : ''}
              </dd>
            </div>
          )}
        </dl>
      </section>
    </div>
  );
}

export function DecisionDetailPage() {
  const { id = '' } = useParams();
  const { client } = useServices();
  const { can } = useAuth();
  const decision = useAsync((signal) => api.decision(client, id, signal), [client, id]);
  const executions = useAsync((signal) => api.executions(client, id, signal), [client, id]);

  return (
    <section className="page" aria-labelledby="decision-title">
      <p className="breadcrumb">
        <Link to="/decisions">← Decisions</Link>
      </p>
      <h1 id="decision-title">Decision</h1>
      {decision.error && <ErrorNotice error={decision.error} onRetry={decision.reload} />}
      {decision.loading && !decision.data && <Loading />}
      {decision.data && (
        <>
          <DecisionCard decision={decision.data} showLink={false} />
          <Details decision={decision.data} />

          <section className="card" aria-labelledby="executions-title">
            <h2 className="card__title" id="executions-title">
              Executions
            </h2>
            {executions.error && <ErrorNotice error={executions.error} onRetry={executions.reload} />}
            {executions.loading && !executions.data && <Loading />}
            {executions.data &&
              (executions.data.length === 0 ? (
                <Empty title="Not executed">
                  {decision.data.simulated ? 'This decision was simulated: no model was called.' : 'No execution recorded.'}
                </Empty>
              ) : (
                <ExecutionTable executions={executions.data} />
              ))}
          </section>

          <section className="card" aria-labelledby="feedback-title">
            <h2 className="card__title" id="feedback-title">
              Feedback
            </h2>
            {(decision.data.feedback ?? []).length === 0 ? (
              <p className="muted">No feedback yet.</p>
            ) : (
              <ul className="feedback-list">
                {(decision.data.feedback ?? []).map((f) => (
                  <li key={f.feedback_id}>
                    <span className="muted small">{formatTime(f.created_at)}</span>{' '}
                    {f.correct_level && (
                      <>
                        level <strong>{f.correct_level}</strong>
                      </>
                    )}
                    {f.rating !== null && <> · rating {f.rating}/5</>}
                    {f.comment && <> · “{f.comment}”</>}
                  </li>
                ))}
              </ul>
            )}
            {can('feedback') && <FeedbackForm decisionId={id} onSent={decision.reload} showTitle={false} />}
          </section>

          <details className="card raw">
            <summary>Raw decision (JSON)</summary>
            <pre className="mono small">{JSON.stringify(decision.data, null, 2)}</pre>
          </details>
        </>
      )}
    </section>
  );
}
