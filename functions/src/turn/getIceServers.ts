import type { DocumentReference, DocumentSnapshot, Firestore, Timestamp } from 'firebase-admin/firestore';
import { z } from 'zod';
import { appendAudit, type AuditActor } from '../audit/append';
import type { GetIceServersRequest, GetIceServersResult } from '../lib/api';
import { callable, type CallableContext } from '../lib/callable';
import { systemClock, type Clock } from '../lib/clock';
import { fail } from '../lib/errors';
import { firestore } from '../lib/firebase';
import { zConsultId } from '../lib/input';
import type { ConsultDoc } from '../lib/model';
import { recordHit, rateLimitRef, windowState, type RateLimit, type RateLimitDoc, type WindowState } from '../lib/rateLimit';
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

interface RequestState {
  consult: StoredConsult;
  /** Where the caller's request counter stands. */
  window: WindowState;
}

/**
 * The consult, if the caller may join its call now (participant, consent in force, consult
 * open), and the caller's counter: one read of four documents.
 */
async function readRequest(reader: Reader, refs: Refs, uid: string, nowMs: number): Promise<RequestState> {
  const [snap, consent, withdrawal, counter] = await reader.getAll(refs.consult, refs.consent, refs.withdrawal, refs.rateLimit);
  if (!snap?.exists) fail('consult_not_found', 'This consult does not exist. Check the link or the dashboard.');
  const consult = snap.data() as StoredConsult;
  actorIn(consult, uid);
  if (withdrawal?.exists) fail('consent_withdrawn', 'You withdrew your consent for this consult, so its call cannot be joined.');
  if (!consent?.exists) fail('consent_required', 'Accept the consent for this consult before joining its call.');
  assertOpen(consult);
  return { consult, window: windowState(counter?.data() as Partial<RateLimitDoc> | undefined, TURN_PER_USER, nowMs) };
}

function refuseIfExhausted(window: WindowState): void {
  if (!window.exhausted) return;
  fail('rate_limited', 'Too many connection attempts. Please wait a few minutes and try again.', {
    retryAfterSeconds: Math.ceil(window.retryAfterMs / 1000),
  });
}

/**
 * Checks the caller and its request counter (a plain read: a refused caller never reaches the
 * provider), has the provider mint credentials, then, in the one transaction of the request,
 * checks both again, counts the request and records provider and TTL (never a credential) in
 * the consult's audit chain before handing the credentials out. Both participants ask at the
 * same moment (admission): one transaction each on the consult is the least contention the
 * audit chain allows, and two round trips to the database the least latency.
 */
export async function issueIceServers(
  { db, clock, provider: providerOf }: IceServersDeps,
  { data, caller, request }: CallableContext<GetIceServersRequest>,
): Promise<GetIceServersResult> {
  const refs = refsFor(db, data.consultId, caller.uid);

  const { consult, window } = await readRequest(db, refs, caller.uid, clock.now());
  refuseIfExhausted(window);

  const provider = providerOf();
  const issued = await provider.issue({ uid: caller.uid, ttlSeconds: ttlForConsult(consultEndMs(consult), clock.now()) });

  await db.runTransaction(async (tx) => {
    // Concurrent requests of the same caller are counted exactly here.
    const { consult: current, window: counted } = await readRequest(tx, refs, caller.uid, clock.now());
    refuseIfExhausted(counted);
    recordHit(tx, refs.rateLimit, TURN_PER_USER, counted);
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
