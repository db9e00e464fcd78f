import { Link } from 'react-router-dom';
import { LEVELS, type Decision } from '../api/types';
import { formatMs, formatNumber, formatTime, formatUsd } from '../lib/format';
import { LevelBadge, Tag } from './LevelBadge';
import { Meter } from './Meter';

const REASON_TEXT: Record<string, string> = {
  LEVEL_MAPPING: 'model mapped to the complexity level',
  BORDERLINE_UPSCALE: 'borderline between two levels: routed one level up',
  SECURITY_ESCALATION: 'sensitive content: escalated',
  BUDGET_DOWNGRADE: 'moved to a cheaper model by a budget',
  LATENCY_CONSTRAINT: 'chosen to meet the latency limit',
  CONTEXT_LENGTH: 'chosen for its context window',
  CAPABILITY_REQUIRED: 'chosen for a required capability',
  PROVIDER_UNHEALTHY: 'preferred provider unhealthy',
  PINNED_BY_CLIENT: 'model pinned by the caller',
  DEVICE_CONSTRAINT: 'limited by this machine',
};

/** A routing decision: why this model, how sure, what it should cost, what comes next if it fails. */
export function DecisionCard({ decision, showLink = true }: { decision: Decision; showLink?: boolean }) {
  const { complexity, route, confidence, estimates, security } = decision;
  const rerouted = route.classified_level !== route.routed_level;
  return (
    <article className="card decision-card" aria-label={`Decision ${decision.decision_id}`}>
      <header className="decision-card__head">
        <div className="decision-card__level">
          <LevelBadge level={route.routed_level} title="routed level" />
          {rerouted && (
            <span className="muted small">
              classified {route.classified_level} → routed {route.routed_level}
            </span>
          )}
        </div>
        <div className="decision-card__model">
          <span className="decision-card__model-name">{route.model}</span>
          <span className="muted small">
            {route.provider}
            {route.upstream_model && route.upstream_model !== route.model ? ` · ${route.upstream_model}` : ''}
          </span>
        </div>
        <div className="decision-card__tags">
          {decision.simulated && <Tag tone="info">simulated</Tag>}
          {route.borderline && <Tag tone="warn">borderline</Tag>}
          {security.sensitive && <Tag tone="danger">sensitive</Tag>}
        </div>
      </header>

      <section aria-label="Reason codes">
        <h3 className="card__subtitle">Why</h3>
        <ul className="reason-list">
          {route.reason_codes.map((code) => (
            <li key={code}>
              <code>{code}</code> <span className="muted small">{REASON_TEXT[code] ?? ''}</span>
            </li>
          ))}
        </ul>
        {decision.explanation && <p className="small decision-card__explanation">{decision.explanation}</p>}
        {security.sensitive && security.categories.length > 0 && (
          <p className="small">Security categories: {security.categories.join(', ')}</p>
        )}
      </section>

      <div className="decision-card__grid">
        <section aria-label="Confidence">
          <h3 className="card__subtitle">Confidence</h3>
          <Meter label="Overall" value={confidence.overall} />
          <Meter label="Classifier" value={confidence.classifier} hint="how sure the classifier is of the level" />
          <Meter label="Model fit" value={confidence.model_fit} hint="how well the model suits the level" />
          <Meter label="Estimate" value={confidence.estimate} hint="how reliable the cost and latency estimates are" />
        </section>

        <section aria-label="Level probabilities">
          <h3 className="card__subtitle">Complexity · score {complexity.score.toFixed(2)}</h3>
          {LEVELS.map((level) => (
            <Meter key={level} label={level} value={complexity.probabilities[level] ?? 0} />
          ))}
        </section>

        <section aria-label="Estimates">
          <h3 className="card__subtitle">Estimates</h3>
          <dl className="facts">
            <div>
              <dt>Cost</dt>
              <dd>{formatUsd(estimates.cost_usd)}</dd>
            </div>
            <div>
              <dt>Latency</dt>
              <dd>{formatMs(estimates.latency_ms)}</dd>
            </div>
            <div>
              <dt>Input tokens</dt>
              <dd>{formatNumber(estimates.input_tokens)}</dd>
            </div>
            <div>
              <dt>Output tokens</dt>
              <dd>{formatNumber(estimates.output_tokens)}</dd>
            </div>
          </dl>
        </section>

        <section aria-label="Fallback chain">
          <h3 className="card__subtitle">Fallback chain</h3>
          {route.fallback_chain.length === 0 ? (
            <p className="muted small">No fallback.</p>
          ) : (
            <ol className="fallback-chain">
              <li>
                <strong>{route.model}</strong>
              </li>
              {route.fallback_chain
                .filter((model) => model !== route.model)
                .map((model) => (
                  <li key={model}>{model}</li>
                ))}
            </ol>
          )}
        </section>
      </div>

      <footer className="decision-card__foot small muted">
        <span>{formatTime(decision.created_at)}</span>
        <span>
          {decision.execution_mode}
          {decision.execution_mode_active ? '' : ' (not active)'}
        </span>
        {showLink ? (
          <Link to={`/decisions/${decision.decision_id}`} className="mono">
            {decision.decision_id}
          </Link>
        ) : (
          <span className="mono selectable">{decision.decision_id}</span>
        )}
      </footer>
    </article>
  );
}
