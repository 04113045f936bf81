import { Timestamp, type DocumentReference, type Firestore, type Transaction } from 'firebase-admin/firestore';
import { appendAudit, type AuditActor } from '../audit/append';
import type { Caller, RequestContext } from '../lib/callable';
import { fail } from '../lib/errors';
import type { ConsultDoc, InviteDoc } from '../lib/model';

/** Shared by the consult callables: where things live, who owns a consult, how a change is recorded. */

export type StoredConsult = ConsultDoc<Timestamp>;
export type StoredInvite = InviteDoc<Timestamp>;

export const consultRef = (db: Firestore, consultId: string): DocumentReference => db.collection('consults').doc(consultId);
export const inviteRef = (db: Firestore, consultId: string): DocumentReference => db.doc(`consults/${consultId}/private/invite`);
export const consentRef = (db: Firestore, consultId: string, uid: string): DocumentReference =>
  db.doc(`consults/${consultId}/consents/${uid}`);
export const withdrawalRef = (db: Firestore, consultId: string, uid: string): DocumentReference =>
  db.doc(`consults/${consultId}/consents/${uid}-withdrawal`);

export async function readConsult(tx: Transaction, db: Firestore, consultId: string): Promise<StoredConsult> {
  const snap = await tx.get(consultRef(db, consultId));
  if (!snap.exists) fail('consult_not_found', 'This consult does not exist. Check the link or the dashboard.');
  return snap.data() as StoredConsult;
}

/** Only the clinician who scheduled a consult runs it; an administrator may cancel where allowed. */
export function assertOwner(consult: StoredConsult, caller: Caller, opts: { adminAllowed?: boolean } = {}): void {
  if (consult.clinicianUid === caller.uid) return;
  if (opts.adminAllowed && caller.role === 'admin') return;
  fail('not_owner', 'Only the clinician who scheduled this consult can do this.');
}

/** A consent counts while no withdrawal document exists beside it. Reads only. */
export async function consentInForce(tx: Transaction, db: Firestore, consultId: string, uid: string): Promise<boolean> {
  const [consent, withdrawal] = await tx.getAll(consentRef(db, consultId, uid), withdrawalRef(db, consultId, uid));
  return Boolean(consent?.exists) && !withdrawal?.exists;
}

export interface ConsultChange {
  consultId: string;
  consult: StoredConsult;
  patch: Partial<StoredConsult>;
  action: string;
  actor: AuditActor;
  nowMs: number;
  request: RequestContext;
  details?: Record<string, string | number | boolean | null>;
}

/** Writes a change to a consult together with its audit entry, in the caller's transaction. */
export function recordChange(db: Firestore, tx: Transaction, change: ConsultChange): void {
  const head = appendAudit(db, tx, change.consult.auditHead, {
    consultId: change.consultId,
    action: change.action,
    actor: change.actor,
    atMs: change.nowMs,
    request: change.request,
    ...(change.details ? { details: change.details } : {}),
  });
  tx.update(consultRef(db, change.consultId), {
    ...change.patch,
    updatedAt: Timestamp.fromMillis(change.nowMs),
    auditHead: head,
  });
}
