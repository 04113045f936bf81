import type { DocumentReference, Firestore } from 'firebase-admin/firestore';
import { z } from 'zod';
import {
  CONSULT_NOT_FOUND,
  loadForParticipant,
  recordChange,
  type ParticipantRefusals,
  type ParticipantRole,
  type Reader,
  type StoredConsult,
} from '../consults/store';
import type { GetIceServersRequest, GetIceServersResult } from '../lib/api';
import { callable, type CallableContext } from '../lib/callable';
import { systemClock, type Clock } from '../lib/clock';
import { fail } from '../lib/errors';
import { firestore } from '../lib/firebase';
import { HOT_PATH } from '../lib/options';
import { zConsultId } from '../lib/input';
import { recordHit, rateLimitRef, windowState, type RateLimit, type RateLimitDoc, type WindowState } from '../lib/rateLimit';
import { TURN_SECRETS, configuredProvider } from './config';
import { ttlForConsult, type TurnProvider } from './provider';

export const zGetIceServersRequest = z.strictObject({ consultId: zConsultId });

/** Enough for reloads, ICE restarts and credential refreshes; far below a scraping loop. */
export const TURN_PER_USER: RateLimit = { name: 'turn', max: 30, windowMs: 10 * 60 * 1000 };

const JOIN_REFUSALS: ParticipantRefusals = {
  notFound: CONSULT_NOT_FOUND,
  notParticipant: 'Only the clinician and the patient of this consult can join its call.',
};

/** A waiting room opens its relay credentials this long before the consult's time (admission, whenever it comes, opens them too). */
export const TURN_EARLIEST_MS = 15 * 60_000;

function assertOpen(consult: StoredConsult, nowMs: number): void {
  if (consult.status === 'admitted') return;
  if (consult.status === 'waiting') {
    const startMs = typeof consult.scheduledFor?.toMillis === 'function' ? consult.scheduledFor.toMillis() : 0;
    if (nowMs < startMs - TURN_EARLIEST_MS) {
      fail('turn_too_early', 'The video connection opens 15 minutes before the consult, or when the clinician admits you.', {
        opensAt: new Date(startMs - TURN_EARLIEST_MS).toISOString(),
      });
    }
    return;
  }
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

/** Who asks for which consult's call, and where their request counter lives. */
interface JoinRequest {
  db: Firestore;
  consultId: string;
  uid: string;
  staff: boolean;
  counter: DocumentReference;
}

interface RequestState {
  consult: StoredConsult;
  role: ParticipantRole;
  /** Where the caller's request counter stands. */
  window: WindowState;
}

/**
 * The consult, if the caller may join its call now (participant, consent in force, consult
 * open), and the caller's counter: one read of four documents.
 */
async function readRequest(reader: Reader, { db, consultId, uid, staff, counter }: JoinRequest, nowMs: number): Promise<RequestState> {
  const { consult, role, consent, withdrawn, also } = await loadForParticipant(reader, db, {
    consultId,
    uid,
    staff,
    refusals: JOIN_REFUSALS,
    alsoRead: [counter],
  });
  if (withdrawn) fail('consent_withdrawn', 'You withdrew your consent for this consult, so its call cannot be joined.');
  if (!consent) fail('consent_required', 'Accept the consent for this consult before joining its call.');
  assertOpen(consult, nowMs);
  return { consult, role, window: windowState(also[0]?.data() as Partial<RateLimitDoc> | undefined, TURN_PER_USER, nowMs) };
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
  const join: JoinRequest = { db, consultId: data.consultId, uid: caller.uid, staff: caller.role !== null, counter: rateLimitRef(db, TURN_PER_USER, caller.uid) };
  const { consult, window } = await readRequest(db, join, clock.now());
  refuseIfExhausted(window);

  const provider = providerOf();
  const issued = await provider.issue({ uid: caller.uid, ttlSeconds: ttlForConsult(consultEndMs(consult), clock.now()) });

  await db.runTransaction(async (tx) => {
    // Concurrent requests of the same caller are counted exactly here.
    const { consult: current, role, window: counted } = await readRequest(tx, join, clock.now());
    refuseIfExhausted(counted);
    recordHit(tx, join.counter, TURN_PER_USER, counted);
    recordChange(db, tx, {
      consultId: join.consultId,
      consult: current,
      patch: {},
      action: 'turn.issued',
      actor: { uid: caller.uid, role },
      nowMs: clock.now(),
      request,
      details: { provider: provider.name, ttlSeconds: issued.ttlSeconds },
      touch: false,
    });
  });

  return { iceServers: issued.iceServers, expiresAt: new Date(issued.expiresAtMs).toISOString(), provider: provider.name };
}

export const getIceServers = callable(
  'getIceServers',
  zGetIceServersRequest,
  'signed-in',
  (ctx) => issueIceServers({ db: firestore(), clock: systemClock, provider: () => configuredProvider(systemClock) }, ctx),
  { secrets: TURN_SECRETS, ...HOT_PATH },
);
