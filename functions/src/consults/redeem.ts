import { Timestamp, type Firestore, type Transaction } from 'firebase-admin/firestore';
import { actorOf } from '../audit/append';
import { CONSENT_VERSIONS } from '../consent/versions';
import type { RedeemInviteRequest, RedeemInviteResult } from '../lib/api';
import { callable, type CallableContext, type Caller, type RequestContext } from '../lib/callable';
import { systemClock, type Clock } from '../lib/clock';
import { AppError, fail } from '../lib/errors';
import { firestore } from '../lib/firebase';
import { HOT_PATH } from '../lib/options';
import { REDEEM_FAILURES_PER_USER, rateLimitRef, recordHit, windowState, type RateLimitDoc } from '../lib/rateLimit';
import { zRedeemInviteRequest } from '../lib/schemas';
import { consultRef, inviteRef, readConsent, recordChange, roleIn, type StoredConsult, type StoredInvite } from './store';
import { afterFailure, secretMatches } from './invite';
import { isClosed } from './status';

const minutes = (ms: number) => Math.max(1, Math.ceil(ms / 60_000));

const INVALID_LINK = 'This invite link is not valid. Check that you opened the whole link you were sent, or ask the clinic for a new one.';

interface Attempt {
  consultId: string;
  caller: Caller;
  request: RequestContext;
  nowMs: number;
}

/** A wrong secret counts on the invite (a lock after every ten) and in the consult's audit chain. */
function countWrongSecret(db: Firestore, tx: Transaction, attempt: Attempt, consult: StoredConsult, invite: StoredInvite): void {
  const failure = afterFailure(invite.failedAttempts, attempt.nowMs);
  tx.update(inviteRef(db, attempt.consultId), {
    failedAttempts: failure.failedAttempts,
    ...(failure.lockedUntilMs !== null ? { lockedUntil: Timestamp.fromMillis(failure.lockedUntilMs) } : {}),
  });
  recordChange(db, tx, {
    consultId: attempt.consultId,
    consult,
    patch: {},
    action: 'invite.redeem_failed',
    actor: actorOf(attempt.caller, true),
    nowMs: attempt.nowMs,
    request: attempt.request,
    details: { reason: 'wrong_secret', failedAttempts: failure.failedAttempts, locked: failure.lockedUntilMs !== null },
  });
}

/** With the right secret, refusals describe the consult, and are not guessing. */
function assertRedeemable(consult: StoredConsult, invite: StoredInvite, boundToCaller: boolean, nowMs: number): void {
  if (isClosed(consult.status)) {
    fail('consult_closed', `This consult has ${consult.status === 'cancelled' ? 'been cancelled' : 'ended'}. If you still need it, contact the clinic.`);
  }
  if (invite.expiresAt.toMillis() <= nowMs) {
    fail('invite_expired', 'This invite link has expired. Ask the clinic for a new one.');
  }
  if (invite.redeemedBy !== null && !boundToCaller) {
    fail(
      'invite_taken',
      'This invite link has already been opened on another device or browser. Open it where you first did, or ask the clinic for a new link.',
    );
  }
}

/**
 * Binds a consult's patient to the first signed-in user who presents the invite's secret; the
 * same user may present it again (a reopened link or a reload). Refusals that look like guessing
 * are counted (per invite and per user) in the transaction that refuses them, so they persist
 * although the call fails.
 */
export async function redeemInviteWith(
  db: Firestore,
  clock: Clock,
  { data, caller, request }: CallableContext<RedeemInviteRequest>,
): Promise<RedeemInviteResult> {
  const { consultId, secret } = data;
  const nowMs = clock.now();
  const limiterRef = rateLimitRef(db, REDEEM_FAILURES_PER_USER, caller.uid);

  const outcome = await db.runTransaction(async (tx): Promise<RedeemInviteResult | AppError> => {
    const [consultSnap, inviteSnap, limiterSnap] = await tx.getAll(consultRef(db, consultId), inviteRef(db, consultId), limiterRef);
    const consult = consultSnap?.exists ? (consultSnap.data() as StoredConsult) : null;
    const invite = inviteSnap?.exists ? (inviteSnap.data() as StoredInvite) : null;
    const limiter = windowState(limiterSnap?.data() as Partial<RateLimitDoc> | undefined, REDEEM_FAILURES_PER_USER, nowMs);

    if (consult && roleIn(consult, caller.uid) === 'clinician') {
      fail('not_participant', 'You scheduled this consult: open it from your dashboard. The invite link is for the patient.');
    }
    // The patient already bound to the invite is never locked out by someone else's guessing.
    const boundToCaller = invite !== null && invite.redeemedBy === caller.uid;
    if (!boundToCaller && limiter.exhausted) {
      const wait = minutes(limiter.retryAfterMs);
      fail('rate_limited', `Too many invalid invite links were tried from this session. Try again in ${wait} minutes.`, {
        retryAfterSeconds: Math.ceil(limiter.retryAfterMs / 1000),
      });
    }
    if (!consult || !invite) {
      recordHit(tx, limiterRef, REDEEM_FAILURES_PER_USER, limiter);
      return new AppError('invite_invalid', INVALID_LINK);
    }
    const lockedForMs = invite.lockedUntil ? invite.lockedUntil.toMillis() - nowMs : 0;
    if (!boundToCaller && lockedForMs > 0) {
      recordHit(tx, limiterRef, REDEEM_FAILURES_PER_USER, limiter);
      return new AppError(
        'invite_locked',
        `This invite link is locked for ${minutes(lockedForMs)} minutes after too many wrong attempts. Try again later, or ask the clinic for a new link.`,
        { retryAfterSeconds: Math.ceil(lockedForMs / 1000) },
      );
    }
    if (!secretMatches(secret, invite.secretHash)) {
      recordHit(tx, limiterRef, REDEEM_FAILURES_PER_USER, limiter);
      // A closed consult's record is final: guessing at its link changes nothing in it (no audit
      // entry, no updatedAt, which would also restart its retention). The guesser's own limit counts.
      if (!isClosed(consult.status)) countWrongSecret(db, tx, { consultId, caller, request, nowMs }, consult, invite);
      return new AppError('invite_invalid', INVALID_LINK);
    }
    assertRedeemable(consult, invite, boundToCaller, nowMs);
    const consentRecorded = (await readConsent(tx, db, consultId, caller.uid)).inForce;
    if (!boundToCaller) tx.update(inviteRef(db, consultId), { redeemedBy: caller.uid });
    recordChange(db, tx, {
      consultId,
      consult,
      patch: boundToCaller
        ? {}
        : { patientUid: caller.uid, patientProgress: consult.patientProgress === 'invited' ? 'link_opened' : consult.patientProgress },
      action: 'invite.redeemed',
      actor: actorOf(caller, true),
      nowMs,
      request,
      details: { reopened: boundToCaller },
    });
    return {
      consultId,
      status: consult.status,
      patientLabel: consult.patientLabel,
      scheduledFor: consult.scheduledFor.toDate().toISOString(),
      durationMinutes: consult.durationMinutes,
      consentRecorded,
      consentVersion: CONSENT_VERSIONS.patient,
    };
  });

  if (outcome instanceof AppError) throw outcome;
  return outcome;
}

export const redeemInvite = callable(
  'redeemInvite',
  zRedeemInviteRequest,
  'signed-in',
  (ctx) => redeemInviteWith(firestore(), systemClock, ctx),
  HOT_PATH,
);
