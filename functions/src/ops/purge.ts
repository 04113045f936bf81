import type { Auth, UserRecord } from 'firebase-admin/auth';
import { Timestamp, type DocumentReference, type Firestore, type Query, type QueryDocumentSnapshot } from 'firebase-admin/firestore';
import { appendSystemAudit } from '../audit/append';
import { transition } from '../consults/status';
import {
  consultOf,
  consultsCollection,
  everyPeer,
  everyPrivate,
  everyStats,
  isInvite,
  recordChange,
  type StoredConsult,
} from '../consults/store';
import type { Clock } from '../lib/clock';
import type { ConsultDoc, ConsultStatus, InviteDoc } from '../lib/model';
import { recordingCut } from '../media/cut';
import type { Retention } from './retention';

/** Firestore allows 500 writes per batch; we stay well under. */
export const BATCH_LIMIT = 400;
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const OPEN: ConsultStatus[] = ['scheduled', 'waiting', 'admitted'];
const CLOSED: ConsultStatus[] = ['ended', 'cancelled'];

export interface PurgeResult {
  /** Open consults past their scheduled end + grace, now ended with endReason 'expired'. */
  consultsExpired: number;
  /** peers/{uid} documents of ended or cancelled consults. */
  signalingDeleted: number;
  /** Invites never redeemed and past their expiry. */
  invitesDeleted: number;
  /** Call-quality summaries older than the stats retention. */
  statsDeleted: number;
  /** Consults past the clinical-record retention, deleted with their consents and audit chain. */
  recordsDeleted: number;
  auditEntriesDeleted: number;
  /** Rate-limit counters (rateLimits/*) whose window has passed. */
  rateLimitsDeleted: number;
  /**
   * Anonymous accounts (patients' identities, one per invite) idle for a day and bound to no
   * open consult: their consult is closed, or the link was only looked at.
   */
  anonymousAccountsDeleted: number;
  /**
   * Closed consults still inside the clinical-record retention, kept whole: the consult with the
   * patient's identification, consents, the clinical note and addenda, the wound photos' and
   * recordings' hashes (media), the audit chain.
   */
  recordsKept: number;
}

/** Milliseconds of a Firestore Timestamp (or a number); null for anything else. */
export function millisOf(value: unknown): number | null {
  if (value instanceof Timestamp) return value.toMillis();
  if (typeof value === 'number' && Number.isFinite(value)) return value;
  return null;
}

/** The calendar date `years` before `ms` (20 years back lands on the same day, leap years included). */
export function yearsBefore(ms: number, years: number): number {
  const d = new Date(ms);
  d.setUTCFullYear(d.getUTCFullYear() - years);
  return d.getTime();
}

/** Every document of a query, page by page, so memory stays bounded and filtering in code cannot loop. */
async function* pages(query: Query, size = BATCH_LIMIT): AsyncGenerator<QueryDocumentSnapshot[]> {
  let last: QueryDocumentSnapshot | undefined;
  for (;;) {
    const snap = await (last ? query.startAfter(last) : query).limit(size).get();
    if (snap.empty) return;
    yield snap.docs;
    if (snap.size < size) return;
    last = snap.docs[snap.docs.length - 1];
  }
}

export async function deleteInChunks(db: Firestore, refs: DocumentReference[]): Promise<number> {
  for (let i = 0; i < refs.length; i += BATCH_LIMIT) {
    const batch = db.batch();
    for (const ref of refs.slice(i, i + BATCH_LIMIT)) batch.delete(ref);
    await batch.commit();
  }
  return refs.length;
}

/**
 * Ends a consult nobody closed, in one transaction with its audit entry, unless it changed
 * meanwhile. Returns whether it was ended.
 */
async function expireConsult(db: Firestore, ref: DocumentReference, nowMs: number, graceMs: number): Promise<boolean> {
  return db.runTransaction(async (tx) => {
    const snap = await tx.get(ref);
    const consult = snap.data() as StoredConsult | undefined;
    if (!consult) return false;
    const expired = transition(consult.status, 'expire');
    if (!expired.ok) return false;
    const start = millisOf(consult.scheduledFor);
    if (start === null || start + consult.durationMinutes * 60_000 + graceMs > nowMs) return false;
    const endedAt = Timestamp.fromMillis(nowMs);
    const cut = recordingCut(consult, endedAt);
    recordChange(db, tx, {
      consultId: ref.id,
      consult,
      patch: { status: expired.status, endReason: 'expired', endedAt, ...cut?.patch },
      action: 'consult.expired',
      actor: { uid: null, role: 'system' },
      nowMs,
      details: { from: consult.status, ...cut?.details },
    });
    return true;
  });
}

async function expireAbandoned(db: Firestore, nowMs: number, retention: Retention): Promise<number> {
  const graceMs = retention.abandonedAfterHours * HOUR;
  // Any consult that could be past end + grace started before now − grace; the duration is checked per consult.
  const query = consultsCollection(db)
    .where('status', 'in', OPEN)
    .where('scheduledFor', '<', Timestamp.fromMillis(nowMs - graceMs))
    .orderBy('scheduledFor');
  let expired = 0;
  for await (const docs of pages(query)) {
    for (const doc of docs) {
      if (await expireConsult(db, doc.ref, nowMs, graceMs)) expired++;
    }
  }
  return expired;
}

/** Signaling documents exist only during calls, so listing them all stays small. */
async function deleteClosedSignaling(db: Firestore): Promise<number> {
  let deleted = 0;
  for await (const docs of pages(everyPeer(db))) {
    const consultRefs = [...new Map(docs.map((d) => [consultOf(d.ref).path, consultOf(d.ref)])).values()];
    const consults = await db.getAll(...consultRefs);
    const closed = new Set(
      consults
        .filter((c) => !c.exists || CLOSED.includes((c.data() as ConsultDoc).status))
        .map((c) => c.ref.path),
    );
    deleted += await deleteInChunks(db, docs.filter((d) => closed.has(consultOf(d.ref).path)).map((d) => d.ref));
  }
  return deleted;
}

async function deleteExpiredInvites(db: Firestore, nowMs: number): Promise<number> {
  const query = everyPrivate(db).where('expiresAt', '<', Timestamp.fromMillis(nowMs)).orderBy('expiresAt');
  let deleted = 0;
  for await (const docs of pages(query)) {
    const unredeemed = docs.filter((d) => isInvite(d.ref) && (d.data() as InviteDoc).redeemedBy === null);
    deleted += await deleteInChunks(db, unredeemed.map((d) => d.ref));
  }
  return deleted;
}

async function deleteOldStats(db: Firestore, nowMs: number, retention: Retention): Promise<number> {
  const cutoff = Timestamp.fromMillis(nowMs - retention.statsDays * DAY);
  let deleted = 0;
  for await (const docs of pages(everyStats(db).where('updatedAt', '<', cutoff).orderBy('updatedAt'))) {
    deleted += await deleteInChunks(db, docs.map((d) => d.ref));
  }
  return deleted;
}

/** Counters carry expiresAt for a Firestore TTL policy; deleting them here keeps a project without one clean too. */
async function deleteExpiredRateLimits(db: Firestore, nowMs: number): Promise<number> {
  let deleted = 0;
  for await (const docs of pages(db.collection('rateLimits').where('expiresAt', '<', Timestamp.fromMillis(nowMs)).orderBy('expiresAt'))) {
    deleted += await deleteInChunks(db, docs.map((d) => d.ref));
  }
  return deleted;
}

/**
 * Past the clinical-record retention a closed consult goes entirely: the document, every
 * subcollection (consents and withdrawals included) and its own audit chain, which verifies
 * on its own and so leaves no other chain broken.
 */
async function deleteRecordsPastRetention(db: Firestore, nowMs: number, retention: Retention) {
  const cutoff = Timestamp.fromMillis(yearsBefore(nowMs, retention.clinicalRecordYears));
  let records = 0;
  let auditEntries = 0;
  for await (const docs of pages(consultsCollection(db).where('updatedAt', '<', cutoff).orderBy('updatedAt'))) {
    for (const doc of docs) {
      if (!CLOSED.includes((doc.data() as ConsultDoc).status)) continue;
      const children: DocumentReference[] = [];
      for (const sub of await doc.ref.listCollections()) children.push(...(await sub.listDocuments()));
      const audit = await db.collection('audit').where('consultId', '==', doc.id).select().get();
      auditEntries += await deleteInChunks(db, audit.docs.map((d) => d.ref));
      await deleteInChunks(db, [...children, doc.ref]);
      records++;
    }
  }
  return { records, auditEntries };
}

/** An anonymous account needs a day without use before it goes: a patient on the page keeps theirs. */
export const ANONYMOUS_IDLE_MS = DAY;

function idleAnonymous(user: UserRecord, nowMs: number): boolean {
  if (user.providerData.length > 0 || user.email || user.phoneNumber) return false;
  const created = Date.parse(user.metadata.creationTime);
  const lastUsed = Math.max(created, Date.parse(user.metadata.lastRefreshTime ?? '') || 0, Date.parse(user.metadata.lastSignInTime) || 0);
  return Number.isFinite(created) && nowMs - lastUsed >= ANONYMOUS_IDLE_MS;
}

/**
 * Deletes the anonymous accounts nobody needs any more. Each patient's identity is made for one
 * invite (web/src/firebase.ts), so an account bound to no open consult serves nothing: its consult
 * is closed (the record keeps its uid, not the account), or the page was opened and never
 * accepted (a scanner, a preview, a patient who went away; the page makes a new one if they come
 * back). Staff accounts have a provider and are never touched.
 */
async function deleteIdleAnonymousAccounts(db: Firestore, auth: Auth, nowMs: number): Promise<number> {
  let deleted = 0;
  let pageToken: string | undefined;
  do {
    const page = await auth.listUsers(1000, pageToken);
    pageToken = page.pageToken;
    const idle: string[] = [];
    for (const user of page.users) {
      if (!idleAnonymous(user, nowMs)) continue;
      // One uid is bound to one consult: the filter on status stays in code, needing no index.
      const bound = await consultsCollection(db).where('patientUid', '==', user.uid).select('status').get();
      if (!bound.docs.some((d) => OPEN.includes(d.get('status') as ConsultStatus))) idle.push(user.uid);
    }
    if (idle.length > 0) {
      const outcome = await auth.deleteUsers(idle);
      deleted += outcome.successCount;
    }
  } while (pageToken);
  return deleted;
}

/**
 * The daily retention run. Each step is idempotent, so a run cut short by a timeout is
 * finished by the next one. The run itself is recorded on the system audit chain.
 */
export async function purge(db: Firestore, clock: Clock, retention: Retention, accounts: Auth): Promise<PurgeResult> {
  const nowMs = clock.now();
  const consultsExpired = await expireAbandoned(db, nowMs, retention);
  const signalingDeleted = await deleteClosedSignaling(db);
  const invitesDeleted = await deleteExpiredInvites(db, nowMs);
  const statsDeleted = await deleteOldStats(db, nowMs, retention);
  const { records, auditEntries } = await deleteRecordsPastRetention(db, nowMs, retention);
  const rateLimitsDeleted = await deleteExpiredRateLimits(db, nowMs);
  const anonymousAccountsDeleted = await deleteIdleAnonymousAccounts(db, accounts, nowMs);
  const recordsKept = (await consultsCollection(db).where('status', 'in', CLOSED).count().get()).data().count;
  const result: PurgeResult = {
    consultsExpired,
    signalingDeleted,
    invitesDeleted,
    statsDeleted,
    recordsDeleted: records,
    auditEntriesDeleted: auditEntries,
    rateLimitsDeleted,
    anonymousAccountsDeleted,
    recordsKept,
  };
  await appendSystemAudit(db, {
    action: 'purge.run',
    actor: { uid: null, role: 'system' },
    atMs: nowMs,
    details: {
      ...result,
      statsDays: retention.statsDays,
      clinicalRecordYears: retention.clinicalRecordYears,
      abandonedAfterHours: retention.abandonedAfterHours,
    },
  });
  return result;
}
