import { useMemo } from 'react';
import type { AuditEntry } from '../api/types';
import { verifyAuditRows } from '../lib/auditChain';

/** The hash-chain check of the audit rows on screen (recomputed in the browser). */
export function ChainStatus({ entries }: { entries: AuditEntry[] }) {
  const report = useMemo(() => verifyAuditRows(entries), [entries]);
  if (entries.length === 0) {
    return null;
  }
  const ok = report.problems.length === 0;
  return (
    <div className={`notice ${ok ? 'notice--ok' : 'notice--error'}`} role="status" data-testid="chain-status">
      <p className="notice__title">
        {ok ? 'Hash chain intact for the rows shown' : `Hash chain broken: ${report.problems.length} problem(s)`}
      </p>
      <p className="small">
        {report.checkedRows} row hash(es) recomputed in the browser and {report.checkedLinks} link(s) between neighbouring
        rows checked. The whole chain, including deleted newest rows, is checked on the host by{' '}
        <code>amaima audit verify</code>.
      </p>
      {!ok && (
        <ul className="small">
          {report.problems.map((p) => (
            <li key={`${p.seq}-${p.kind}`}>{p.message}</li>
          ))}
        </ul>
      )}
    </div>
  );
}
