import { FieldValue, type DocumentReference, type Firestore, type Transaction } from 'firebase-admin/firestore';
import type { AuditEntry } from '../lib/model';
import type { Caller, RequestContext } from '../lib/callable';
import { GENESIS_HASH, entryHash, type ChainedFields } from './chain';

export type AuditActor =
  | { uid: string; role: 'clinician' | 'admin' | 'patient' }
  | { uid: null; role: 'system' };

export function actorOf(caller: Caller, isPatient = false): AuditActor {
  if (isPatient) return { uid: caller.uid, role: 'patient' };
  return { uid: caller.uid, role: caller.role ?? 'patient' };
}

export interface AuditHead {
  seq: number;
  hash: string;
}

export const NO_HEAD: AuditHead = { seq: 0, hash: GENESIS_HASH };

/** Where the chain of events that belong to no consult (user admin, purges) keeps its head. */
export function systemHeadRef(db: Firestore): DocumentReference {
  return db.doc('system/auditHead');
}

export interface AuditInput {
  consultId: string | null;
  action: string;
  actor: AuditActor;
  atMs: number;
  request?: RequestContext;
  details?: Record<string, string | number | boolean | null>;
}

/**
 * Adds an audit entry to the transaction that makes the change it records, extending the
 * chain whose current head the caller read in the same transaction. Returns the new head,
 * which the caller stores (in the consult, or in system/auditHead) in that same transaction.
 */
export function appendAudit(db: Firestore, tx: Transaction, head: AuditHead, input: AuditInput): AuditHead {
  const context: ChainedFields['context'] = {
    ...(input.details ?? {}),
    ...(input.request ? { ipPrefix: input.request.ipPrefix, userAgent: input.request.userAgent } : {}),
  };
  const fields: ChainedFields = {
    consultId: input.consultId,
    seq: head.seq + 1,
    action: input.action,
    actorUid: input.actor.uid,
    actorRole: input.actor.role,
    atMs: input.atMs,
    context,
    prevHash: head.hash,
  };
  const hash = entryHash(fields);
  const entry: AuditEntry<FieldValue> = { ...fields, at: FieldValue.serverTimestamp(), hash };
  tx.create(db.collection('audit').doc(), entry);
  return { seq: fields.seq, hash };
}

/** Reads the system chain's head; call before any write of the transaction. */
export async function readSystemHead(db: Firestore, tx: Transaction): Promise<AuditHead> {
  const snap = await tx.get(systemHeadRef(db));
  const data = snap.data() as AuditHead | undefined;
  return data && typeof data.seq === 'number' && typeof data.hash === 'string' ? { seq: data.seq, hash: data.hash } : NO_HEAD;
}

/** Appends one entry to the system chain in a transaction of its own. */
export async function appendSystemAudit(db: Firestore, input: Omit<AuditInput, 'consultId'>): Promise<AuditHead> {
  return db.runTransaction(async (tx) => {
    const head = await readSystemHead(db, tx);
    const next = appendAudit(db, tx, head, { ...input, consultId: null });
    tx.set(systemHeadRef(db), next);
    return next;
  });
}
