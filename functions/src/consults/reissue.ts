import { Timestamp, type Firestore } from 'firebase-admin/firestore';
import { actorOf } from '../audit/append';
import type { ConsultRef, ScheduleConsultResult } from '../lib/api';
import { callable, type CallableContext } from '../lib/callable';
import { systemClock, type Clock } from '../lib/clock';
import { fail } from '../lib/errors';
import { firestore } from '../lib/firebase';
import { zConsultRef } from '../lib/schemas';
import { APP_ORIGIN } from './schedule';
import { hashInviteSecret, inviteExpiresAtMs, inviteUrl, newInviteSecret } from './invite';
import { assertOwner, inviteRef, readConsult, recordChange, type StoredInvite } from './store';

/**
 * A new invite link for a consult whose link was lost (or reached the wrong person): a new
 * secret, the old one dead at once, the guessing count and any binding to a device cleared. Only
 * before the patient has consented; after that the patient is in and the link is not needed.
 */
export async function reissueInviteWith(
  db: Firestore,
  clock: Clock,
  origin: string,
  { data, caller, request }: CallableContext<ConsultRef>,
): Promise<ScheduleConsultResult> {
  const { consultId } = data;
  const nowMs = clock.now();
  const secret = newInviteSecret();
  const expiresAtMs = await db.runTransaction(async (tx) => {
    const consult = await readConsult(tx, db, consultId);
    assertOwner(consult, caller);
    if (consult.status !== 'scheduled') {
      fail('illegal_transition', consult.status === 'waiting' || consult.status === 'admitted'
        ? 'The patient has already come in with the link: a new one is not needed.'
        : 'This consult is closed: schedule a new one instead.');
    }
    const expires = Math.max(inviteExpiresAtMs(consult.scheduledFor.toMillis(), consult.durationMinutes), nowMs);
    const bindingCleared = consult.patientUid !== null;
    recordChange(db, tx, {
      consultId,
      consult,
      patch: { patientUid: null, patientProgress: 'invited' },
      action: 'invite.reissued',
      actor: actorOf(caller),
      nowMs,
      request,
      details: { inviteExpiresAtMs: expires, bindingCleared },
    });
    const invite: StoredInvite = {
      secretHash: hashInviteSecret(secret),
      expiresAt: Timestamp.fromMillis(expires),
      failedAttempts: 0,
      lockedUntil: null,
      redeemedBy: null,
    };
    tx.set(inviteRef(db, consultId), invite);
    return expires;
  });
  return {
    consultId,
    secret,
    inviteUrl: inviteUrl(origin, consultId, secret),
    inviteExpiresAt: new Date(expiresAtMs).toISOString(),
  };
}

export const reissueInvite = callable('reissueInvite', zConsultRef, 'clinician', (ctx) =>
  reissueInviteWith(firestore(), systemClock, APP_ORIGIN.value(), ctx),
);
