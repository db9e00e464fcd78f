import { useEffect, useRef } from 'react';
import type { CreatedApiKey } from '../api/types';
import { CopyButton } from './CopyButton';

/** The secret of a new key: shown once, here, and never again. */
export function SecretReveal({ created, onDone }: { created: CreatedApiKey; onDone: () => void }) {
  const heading = useRef<HTMLHeadingElement>(null);
  useEffect(() => heading.current?.focus(), []);
  return (
    <section className="notice notice--warn secret" aria-labelledby="secret-title" data-testid="secret-reveal">
      <h2 id="secret-title" className="notice__title" tabIndex={-1} ref={heading}>
        Key “{created.name || created.prefix}” created — copy its secret now
      </h2>
      <p>This is the only time the secret is shown. AMAIMA keeps only its hash.</p>
      <div className="secret__row">
        <input className="mono secret__value" readOnly value={created.key} aria-label="Secret" onFocus={(e) => e.target.select()} />
        <CopyButton text={created.key} label="Copy secret" />
      </div>
      <button type="button" className="button" onClick={onDone}>
        I have stored it
      </button>
    </section>
  );
}
