import { Timestamp, type Firestore, type Transaction } from 'firebase-admin/firestore';
import { actorOf } from '../audit/append';
import { CONSENT_VERSIONS } from '../consent/versions';
import type { RedeemInviteRequest, RedeemInviteResult } from '../lib/api';
import { callable, type CallableContext, type Caller, type RequestContext } from '../lib/callable';
import { systemClock, type Clock } from '../lib/clock';
import { AppError, fail } from '../lib/errors';
import { firestore } from '../lib/firebase';
import { HOT_PATH } from '../lib/options';
import { REDEEM_FAILURES_PER_PREFIX, REDEEM_FAILURES_PER_USER, REOPENS_PER_USER, hitLoosely, rateLimitRef, recordHit, windowState, type RateLimitDoc } from '../lib/rateLimit';
import { zRedeemInviteRequest } from '../lib/schemas';
import { consultRef, inviteRef, readConsent, recordChange, roleIn, type StoredConsult, type StoredInvite } from './store';
import { secretMatches } from './invite';
import { isClosed } from './status';

const minutes = (ms: number) => Math.max(1, Math.ceil(ms / 60_000));

const INVALID_LINK = 'This invite link is not valid. Check that you opened the whole link you were sent, or ask the clinic for a new one.';

interface Attempt {
  consultId: string;
  caller: Caller;
  request: RequestContext;
  nowMs: number;
}

/** A wrong secret counts on the invite and in the consult's audit chain (no lock: see redeemInviteWith). */
function countWrongSecret(db: Firestore, tx: Transaction, attempt: Attempt, consult: StoredConsult, invite: StoredInvite): void {
  const failedAttempts = invite.failedAttempts + 1;
  tx.update(inviteRef(db, attempt.consultId), { failedAttempts });
  recordChange(db, tx, {
    consultId: attempt.consultId,
    consult,
    patch: {},
    action: 'invite.redeem_failed',
    actor: actorOf(attempt.caller, true),
    nowMs: attempt.nowMs,
    request: attempt.request,
    details: { reason: 'wrong_secret', failedAttempts },
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

function resultOf(consultId: string, consult: StoredConsult, consentRecorded: boolean, bound: boolean): RedeemInviteResult {
  return {
    bound,
    consultId,
    status: consult.status,
    patientLabel: consult.patientLabel,
    scheduledFor: consult.scheduledFor.toDate().toISOString(),
    durationMinutes: consult.durationMinutes,
    consentRecorded,
    consentVersion: CONSENT_VERSIONS.patient,
  };
}

/**
 * The bound patient opening the link again (a reload, a second tab, the link tapped twice): read
 * without a transaction and written nowhere near the consult, so that no number of reopens can
 * hold up the clinician's writes (an admission, the end); limited per user, and not audited (the
 * binding was). Null when the caller is not the bound patient with the right secret.
 */
async function reopen(db: Firestore, { data, caller }: CallableContext<RedeemInviteRequest>, nowMs: number): Promise<RedeemInviteResult | null> {
  const { consultId, secret } = data;
  const [consultSnap, inviteSnap] = await db.getAll(consultRef(db, consultId), inviteRef(db, consultId));
  const consult = consultSnap?.exists ? (consultSnap.data() as StoredConsult) : null;
  const invite = inviteSnap?.exists ? (inviteSnap.data() as StoredInvite) : null;
  if (!consult || !invite || invite.redeemedBy !== caller.uid || !secretMatches(secret, invite.secretHash)) return null;
  const limiter = await hitLoosely(rateLimitRef(db, REOPENS_PER_USER, caller.uid), REOPENS_PER_USER, nowMs);
  if (limiter.exhausted) {
    fail('rate_limited', `This link was opened too many times in a short while. Try again in ${minutes(limiter.retryAfterMs)} minutes.`, {
      retryAfterSeconds: Math.ceil(limiter.retryAfterMs / 1000),
    });
  }
  assertRedeemable(consult, invite, true, nowMs);
  return resultOf(consultId, consult, (await readConsent(db, db, consultId, caller.uid)).inForce, true);
}

/**
 * Binds a consult's patient to the first signed-in user who presents the invite's secret; the
 * same user may present it again (reopen). With `look`, the right secret only describes the
 * consult (and refuses an invite bound to someone else); nothing is bound or written. Guessing is refused and counted per user and per
 * address prefix, in the transaction that refuses it, so the counts persist although the call
 * fails. There is no lock on the invite: its secret is 256 random bits, so the limits only bound
 * what guessers cost, and a lock that strangers who know the consult id could trip would refuse
 * the patient's right secret (README, "Decisions"). A right secret is never refused by anyone
 * else's guessing; only by the caller's own.
 */
export async function redeemInviteWith(db: Firestore, clock: Clock, ctx: CallableContext<RedeemInviteRequest>): Promise<RedeemInviteResult> {
  const { data, caller, request } = ctx;
  const { consultId, secret } = data;
  const nowMs = clock.now();
  const reopened = await reopen(db, ctx, nowMs);
  if (reopened) return reopened;

  const userLimiterRef = rateLimitRef(db, REDEEM_FAILURES_PER_USER, caller.uid);
  const prefixLimiterRef = request.ipPrefix ? rateLimitRef(db, REDEEM_FAILURES_PER_PREFIX, request.ipPrefix) : null;
  const outcome = await db.runTransaction(async (tx): Promise<RedeemInviteResult | AppError> => {
    const [consultSnap, inviteSnap, userSnap, prefixSnap] = await tx.getAll(
      consultRef(db, consultId),
      inviteRef(db, consultId),
      userLimiterRef,
      ...(prefixLimiterRef ? [prefixLimiterRef] : []),
    );
    const consult = consultSnap?.exists ? (consultSnap.data() as StoredConsult) : null;
    const invite = inviteSnap?.exists ? (inviteSnap.data() as StoredInvite) : null;
    const userLimit = windowState(userSnap?.data() as Partial<RateLimitDoc> | undefined, REDEEM_FAILURES_PER_USER, nowMs);
    const prefixLimit = windowState(prefixSnap?.data() as Partial<RateLimitDoc> | undefined, REDEEM_FAILURES_PER_PREFIX, nowMs);
    const tooMany = (retryAfterMs: number) =>
      new AppError('rate_limited', `Too many invalid invite links were tried from this session. Try again in ${minutes(retryAfterMs)} minutes.`, {
        retryAfterSeconds: Math.ceil(retryAfterMs / 1000),
      });
    const countFailure = () => {
      recordHit(tx, userLimiterRef, REDEEM_FAILURES_PER_USER, userLimit);
      if (prefixLimiterRef) recordHit(tx, prefixLimiterRef, REDEEM_FAILURES_PER_PREFIX, prefixLimit);
    };

    if (consult && roleIn(consult, caller.uid) === 'clinician') {
      fail('not_participant', 'You scheduled this consult: open it from your dashboard. The invite link is for the patient.');
    }
    // The caller's own guessing stops the caller, right secret or not.
    if (userLimit.exhausted) return tooMany(userLimit.retryAfterMs);
    const right = consult !== null && invite !== null && secretMatches(secret, invite.secretHash);
    if (!right) {
      // A network that has guessed too much is refused before anything is written for it.
      if (prefixLimit.exhausted) return tooMany(prefixLimit.retryAfterMs);
      countFailure();
      // A closed consult's record is final: guessing at its link changes nothing in it (no audit
      // entry, no updatedAt, which would also restart its retention). The guesser's own limit counts.
      if (consult && invite && !isClosed(consult.status)) countWrongSecret(db, tx, { consultId, caller, request, nowMs }, consult, invite);
      return new AppError('invite_invalid', INVALID_LINK);
    }
    const boundToCaller = invite.redeemedBy === caller.uid;
    assertRedeemable(consult, invite, boundToCaller, nowMs);
    // A look at an unbound invite with the right secret writes nothing: the binding waits for
    // the patient's own action on the page.
    if (data.look && !boundToCaller) return resultOf(consultId, consult, false, false);
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
    return resultOf(consultId, consult, consentRecorded, true);
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
