import type { DocumentReference, DocumentSnapshot, Firestore, Timestamp, Transaction } from 'firebase-admin/firestore';
import { z } from 'zod';
import { appendAudit, type AuditActor } from '../audit/append';
import type { GetIceServersRequest, GetIceServersResult } from '../lib/api';
import { callable, type CallableContext } from '../lib/callable';
import { systemClock, type Clock } from '../lib/clock';
import { fail } from '../lib/errors';
import { firestore } from '../lib/firebase';
import { zConsultId } from '../lib/input';
import type { ConsultDoc } from '../lib/model';
import { readWindow, recordHit, rateLimitRef, type RateLimit } from '../lib/rateLimit';
import { TURN_SECRETS, configuredProvider } from './config';
import { ttlForConsult, type TurnProvider } from './provider';

export const zGetIceServersRequest = z.strictObject({ consultId: zConsultId });

/** Enough for reloads, ICE restarts and credential refreshes; far below a scraping loop. */
export const TURN_PER_USER: RateLimit = { name: 'turn', max: 30, windowMs: 10 * 60 * 1000 };

type StoredConsult = ConsultDoc<Timestamp>;

function actorIn(consult: StoredConsult, uid: string): AuditActor {
  if (uid === consult.clinicianUid) return { uid, role: 'clinician' };
  if (consult.patientUid !== null && uid === consult.patientUid) return { uid, role: 'patient' };
  return fail('not_participant', 'Only the clinician and the patient of this consult can join its call.');
}

function assertOpen(consult: StoredConsult): void {
  if (consult.status === 'waiting' || consult.status === 'admitted') return;
  if (consult.status === 'scheduled') fail('consult_closed', 'This consult is not open yet: the patient has not joined.');
  fail('consult_closed', 'This consult has ended or was cancelled, so its call cannot be joined.');
}

function consultEndMs(consult: StoredConsult): number {
  const start = typeof consult.scheduledFor?.toMillis === 'function' ? consult.scheduledFor.toMillis() : 0;
  return start + consult.durationMinutes * 60_000;
}

export interface IceServersDeps {
  db: Firestore;
  clock: Clock;
  /** Resolved after the caller's checks, so a stranger never learns how TURN is configured. */
  provider: () => TurnProvider;
}

type Refs = ReturnType<typeof refsFor>;

function refsFor(db: Firestore, consultId: string, uid: string) {
  const consult = db.collection('consults').doc(consultId);
  return {
    consult,
    consent: consult.collection('consents').doc(uid),
    withdrawal: consult.collection('consents').doc(`${uid}-withdrawal`),
    rateLimit: rateLimitRef(db, TURN_PER_USER, uid),
  };
}

/** A transaction, or the database itself for a plain read. */
type Reader = { getAll(...refs: DocumentReference[]): Promise<DocumentSnapshot[]> };

/** The consult, if the caller may join its call now: participant, consent in force, consult open. */
async function readJoinable(reader: Reader, refs: Refs, uid: string): Promise<StoredConsult> {
  const [snap, consent, withdrawal] = await reader.getAll(refs.consult, refs.consent, refs.withdrawal);
  if (!snap?.exists) fail('consult_not_found', 'This consult does not exist. Check the link or the dashboard.');
  const consult = snap.data() as StoredConsult;
  actorIn(consult, uid);
  if (withdrawal?.exists) fail('consent_withdrawn', 'You withdrew your consent for this consult, so its call cannot be joined.');
  if (!consent?.exists) fail('consent_required', 'Accept the consent for this consult before joining its call.');
  assertOpen(consult);
  return consult;
}

/** Counts this request against the caller's limit, or refuses it. */
async function countRequest(tx: Transaction, refs: Refs, nowMs: number): Promise<void> {
  const window = await readWindow(tx, refs.rateLimit, TURN_PER_USER, nowMs);
  if (window.exhausted) {
    fail('rate_limited', 'Too many connection attempts. Please wait a few minutes and try again.', {
      retryAfterSeconds: Math.ceil(window.retryAfterMs / 1000),
    });
  }
  recordHit(tx, refs.rateLimit, TURN_PER_USER, window);
}

/**
 * Checks the caller (a plain read), counts the request (a transaction on the caller's own
 * counter), has the provider mint credentials, then records provider and TTL (never a
 * credential) in the consult's audit chain, re-checking that the caller may still join, before
 * handing them out. Only that last transaction touches the consult: both participants ask at
 * the same moment (admission), and two transactions each on the consult would contend twice.
 */
export async function issueIceServers(
  { db, clock, provider: providerOf }: IceServersDeps,
  { data, caller, request }: CallableContext<GetIceServersRequest>,
): Promise<GetIceServersResult> {
  const refs = refsFor(db, data.consultId, caller.uid);

  const consult = await readJoinable(db, refs, caller.uid);
  await db.runTransaction((tx) => countRequest(tx, refs, clock.now()));

  const provider = providerOf();
  const issued = await provider.issue({ uid: caller.uid, ttlSeconds: ttlForConsult(consultEndMs(consult), clock.now()) });

  await db.runTransaction(async (tx) => {
    const current = await readJoinable(tx, refs, caller.uid);
    const head = appendAudit(db, tx, current.auditHead, {
      consultId: data.consultId,
      action: 'turn.issued',
      actor: actorIn(current, caller.uid),
      atMs: clock.now(),
      request,
      details: { provider: provider.name, ttlSeconds: issued.ttlSeconds },
    });
    tx.update(refs.consult, { auditHead: head });
  });

  return { iceServers: issued.iceServers, expiresAt: new Date(issued.expiresAtMs).toISOString(), provider: provider.name };
}

export const getIceServers = callable(
  'getIceServers',
  zGetIceServersRequest,
  'signed-in',
  (ctx) => issueIceServers({ db: firestore(), clock: systemClock, provider: () => configuredProvider(systemClock) }, ctx),
  { secrets: TURN_SECRETS },
);
