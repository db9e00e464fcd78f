import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { AuditEntry } from '../api/types';
import { auditRowHash, verifyAuditRows } from './auditChain';

// An independent statement of the rule in docs/governance.md, on node:crypto.
function referenceHash(e: Omit<AuditEntry, 'row_hash' | 'details'> & { details_json: string }): string {
  const fields = [
    String(e.seq),
    e.event_id,
    String(e.created_at_ms),
    e.org_id,
    e.actor,
    e.action,
    e.target,
    e.outcome,
    e.details_json,
    e.prev_hash,
  ];
  const canonical = 'amaima-audit-v1;' + fields.map((f) => `${Buffer.byteLength(f, 'utf8')}:${f};`).join('');
  return createHash('sha256').update(canonical, 'utf8').digest('hex');
}

function chain(n: number): AuditEntry[] {
  const rows: AuditEntry[] = [];
  let prev = '0'.repeat(64);
  for (let seq = 1; seq <= n; seq++) {
    const base = {
      seq,
      event_id: `0190a0b0-0000-7000-8000-00000000000${seq}`,
      created_at_ms: 1_700_000_000_000 + seq,
      org_id: 'default',
      actor: seq % 2 ? 'key:k1' : 'user:ü-ser',
      action: 'org.execution_mode',
      target: 'org:acme',
      outcome: 'success',
      prev_hash: prev,
    };
    const details = { from: 'inherit', to: 'decision-only', note: 'naïve "quoted"' };
    const row_hash = referenceHash({ ...base, details_json: JSON.stringify(details) });
    rows.push({ ...base, details, row_hash });
    prev = row_hash;
  }
  return rows;
}

describe('audit chain', () => {
  it('computes the row hash of the documented rule', () => {
    const [row] = chain(1);
    expect(auditRowHash(row!)).toBe(row!.row_hash);
  });

  it('accepts an intact chain, newest first as the API lists it', () => {
    const report = verifyAuditRows(chain(5).reverse());
    expect(report).toEqual({ checkedRows: 5, checkedLinks: 5, problems: [] });
  });

  it('finds an edited row', () => {
    const rows = chain(4);
    rows[2] = { ...rows[2]!, actor: 'key:someone-else' };
    const report = verifyAuditRows(rows);
    expect(report.problems).toEqual([{ seq: 3, kind: 'hash', message: 'row 3: its content does not match its row_hash' }]);
  });

  it('finds a row edited and re-hashed by its broken link', () => {
    const rows = chain(4);
    const edited = { ...rows[1]!, action: 'key.revoke' };
    rows[1] = { ...edited, row_hash: auditRowHash(edited) };
    const report = verifyAuditRows(rows);
    expect(report.problems.map((p) => [p.seq, p.kind])).toEqual([[3, 'link']]);
  });

  it('checks links only between neighbours it was given', () => {
    const rows = chain(6).filter((r) => r.seq % 2 === 0);
    expect(verifyAuditRows(rows)).toEqual({ checkedRows: 3, checkedLinks: 0, problems: [] });
  });

  it('keeps details that were not JSON as their text', () => {
    const base = {
      seq: 7,
      event_id: 'e',
      created_at_ms: 1,
      org_id: 'o',
      actor: 'a',
      action: 'x',
      target: 't',
      outcome: 'failure',
      prev_hash: 'p',
    };
    const row_hash = referenceHash({ ...base, details_json: 'not json' });
    expect(auditRowHash({ ...base, details: 'not json', row_hash })).toBe(row_hash);
  });
});
