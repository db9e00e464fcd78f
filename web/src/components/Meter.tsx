import { formatPercent } from '../lib/format';

/** A labelled 0..1 value as a bar (a <meter> for assistive technology). */
export function Meter({ label, value, hint }: { label: string; value: number; hint?: string }) {
  const clamped = Math.max(0, Math.min(1, Number.isFinite(value) ? value : 0));
  return (
    <div className="meter" title={hint}>
      <span className="meter__label">{label}</span>
      <meter className="visually-hidden" min={0} max={1} value={clamped} aria-label={label} />
      <span className="meter__track" aria-hidden="true">
        <span className="meter__fill" style={{ width: `${clamped * 100}%` }} />
      </span>
      <span className="meter__value">{formatPercent(clamped)}</span>
    </div>
  );
}
