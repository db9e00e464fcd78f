import { render, screen } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import type { AuditEntry } from '../api/types';
import { auditRowHash } from '../lib/auditChain';
import { ChainStatus } from './ChainStatus';

function rows(): AuditEntry[] {
  const out: AuditEntry[] = [];
  let prev = '0'.repeat(64);
  for (let seq = 1; seq <= 3; seq++) {
    const row: AuditEntry = {
      seq,
      event_id: `e${seq}`,
      created_at_ms: seq,
      org_id: 'default',
      actor: 'key:k',
      action: 'key.create',
      target: `key:${seq}`,
      outcome: 'success',
      details: { role: 'user' },
      prev_hash: prev,
      row_hash: '',
    };
    row.row_hash = auditRowHash(row);
    prev = row.row_hash;
    out.push(row);
  }
  return out.reverse();
}

describe('ChainStatus', () => {
  it('reports an intact chain', () => {
    render(<ChainStatus entries={rows()} />);
    expect(screen.getByTestId('chain-status')).toHaveTextContent('Hash chain intact for the rows shown');
    expect(screen.getByTestId('chain-status')).toHaveTextContent('3 row hash(es) recomputed');
  });

  it('names the row that was tampered with', () => {
    const tampered = rows();
    tampered[1] = { ...tampered[1]!, details: { role: 'admin' } };
    render(<ChainStatus entries={tampered} />);
    expect(screen.getByTestId('chain-status')).toHaveTextContent('Hash chain broken: 1 problem(s)');
    expect(screen.getByText('row 2: its content does not match its row_hash')).toBeInTheDocument();
  });
});
