import { createHash } from 'node:crypto';

export const GENESIS_HASH = '0'.repeat(64);

/** The part of an audit entry its hash covers (everything but the hash and the server time). */
export interface ChainedFields {
  consultId: string | null;
  seq: number;
  action: string;
  actorUid: string | null;
  actorRole: 'clinician' | 'admin' | 'patient' | 'system';
  atMs: number;
  context: Record<string, string | number | boolean | null>;
  prevHash: string;
}

/** JSON with keys sorted at every level, so the same entry always hashes the same. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const obj = value as Record<string, unknown>;
  const keys = Object.keys(obj).filter((k) => obj[k] !== undefined).sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(obj[k])}`).join(',')}}`;
}

export function entryHash(fields: ChainedFields): string {
  const { consultId, seq, action, actorUid, actorRole, atMs, context, prevHash } = fields;
  return createHash('sha256')
    .update(canonicalJson({ consultId, seq, action, actorUid, actorRole, atMs, context, prevHash }))
    .digest('hex');
}

export type ChainBreak =
  | { ok: true; length: number; head: string }
  | { ok: false; atSeq: number; eventId: string | null; problem: string };

/** Verifies entries (any order) form one unbroken chain from genesis, optionally to a known head. */
export function verifyChain(
  entries: Array<ChainedFields & { hash: string; id?: string }>,
  expectedHead?: { seq: number; hash: string },
): ChainBreak {
  const sorted = [...entries].sort((a, b) => a.seq - b.seq);
  let prev = GENESIS_HASH;
  for (const [i, entry] of sorted.entries()) {
    const at = { atSeq: entry.seq, eventId: entry.id ?? null };
    if (entry.seq !== i + 1) return { ok: false, ...at, problem: `expected entry ${i + 1}, found ${entry.seq} (missing or duplicate entry)` };
    if (entry.prevHash !== prev) return { ok: false, ...at, problem: 'prevHash does not match the previous entry' };
    if (entryHash(entry) !== entry.hash) return { ok: false, ...at, problem: 'hash does not match the entry (altered)' };
    prev = entry.hash;
  }
  if (expectedHead && (expectedHead.seq !== sorted.length || expectedHead.hash !== prev)) {
    return { ok: false, atSeq: sorted.length, eventId: null, problem: `chain ends at ${sorted.length} but the consult's head says ${expectedHead.seq} (entries removed at the end?)` };
  }
  return { ok: true, length: sorted.length, head: prev };
}
