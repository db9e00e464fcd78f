// Checks the rows of the audit trail a page shows against the chain rule of
// docs/governance.md ("Audit trail"):
//   row_hash = SHA-256("amaima-audit-v1;" + len:field; for seq, event_id, created_at_ms,
//                      org_id, actor, action, target, outcome, details_json, prev_hash)
// and, where two rows are neighbours in the chain (seq n and n+1), that the later one's
// prev_hash is the earlier one's row_hash. It sees only the rows it is given: the whole
// chain (including deletions of the newest rows) is checked by `amaima audit verify`.

import type { AuditEntry } from '../api/types';
import { sha256, toHex } from './sha256';

const encoder = new TextEncoder();

function field(text: string): Uint8Array[] {
  const bytes = encoder.encode(text);
  return [encoder.encode(`${bytes.length}:`), bytes, encoder.encode(';')];
}

/** The details as the server stored them: its JSON text, re-serialised from the parsed object. */
export function detailsJson(details: unknown): string {
  return typeof details === 'string' ? details : JSON.stringify(details);
}

export function auditRowHash(entry: AuditEntry): string {
  const parts: Uint8Array[] = [encoder.encode('amaima-audit-v1;')];
  for (const value of [
    String(entry.seq),
    entry.event_id,
    String(entry.created_at_ms),
    entry.org_id,
    entry.actor,
    entry.action,
    entry.target,
    entry.outcome,
    detailsJson(entry.details),
    entry.prev_hash,
  ]) {
    parts.push(...field(value));
  }
  const total = parts.reduce((n, p) => n + p.length, 0);
  const buffer = new Uint8Array(total);
  let offset = 0;
  for (const part of parts) {
    buffer.set(part, offset);
    offset += part.length;
  }
  return toHex(sha256(buffer));
}

export interface ChainProblem {
  seq: number;
  kind: 'hash' | 'link';
  message: string;
}

export interface ChainReport {
  checkedRows: number;
  checkedLinks: number;
  problems: ChainProblem[];
}

export function verifyAuditRows(entries: AuditEntry[]): ChainReport {
  const problems: ChainProblem[] = [];
  const bySeq = new Map(entries.map((e) => [e.seq, e]));
  let checkedLinks = 0;
  for (const entry of entries) {
    const computed = auditRowHash(entry);
    if (computed !== entry.row_hash) {
      problems.push({
        seq: entry.seq,
        kind: 'hash',
        message: `row ${entry.seq}: its content does not match its row_hash`,
      });
    }
    const previous = bySeq.get(entry.seq - 1);
    if (previous) {
      checkedLinks += 1;
      if (previous.row_hash !== entry.prev_hash) {
        problems.push({
          seq: entry.seq,
          kind: 'link',
          message: `row ${entry.seq}: prev_hash is not the row_hash of row ${previous.seq}`,
        });
      }
    } else if (entry.seq === 1) {
      checkedLinks += 1;
      if (entry.prev_hash !== '0'.repeat(64)) {
        problems.push({ seq: 1, kind: 'link', message: 'row 1: prev_hash is not 64 zeros' });
      }
    }
  }
  return { checkedRows: entries.length, checkedLinks, problems };
}
