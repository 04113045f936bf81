import { Timestamp, type Firestore } from 'firebase-admin/firestore';
import type { z } from 'zod';
import { actorOf } from '../audit/append';
import { isClosed, nextStatus } from '../consults/status';
import { loadForParticipant, peerRef, recordChange, withdrawalRef } from '../consults/store';
import type { WithdrawConsentResult } from '../lib/api';
import { callable, type Caller, type RequestContext } from '../lib/callable';
import { systemClock, type Clock } from '../lib/clock';
import { fail } from '../lib/errors';
import { firestore } from '../lib/firebase';
import type { ConsentWithdrawalDoc } from '../lib/model';
import { recordingCut } from '../media/cut';
import { CONSENT_REFUSALS, userAgentOf } from './caller';
import { zWithdrawConsentRequest } from './schemas';

type WithdrawConsentInput = z.infer<typeof zWithdrawConsentRequest>;

/**
 * LGPD revocation: recorded as its own immutable document beside the consent (which stays, as
 * evidence of what was accepted), and it ends the call — a consult cannot go on without both
 * participants' consent. The consult's signaling documents go with it.
 */
export async function revokeConsent(
  db: Firestore,
  clock: Clock,
  caller: Caller,
  request: RequestContext,
  input: WithdrawConsentInput,
): Promise<WithdrawConsentResult> {
  return db.runTransaction(async (tx) => {
    const { consultId } = input;
    const participation = { consultId, uid: caller.uid, staff: caller.role !== null, refusals: CONSENT_REFUSALS };
    const { consult, role: kind, consent, withdrawn } = await loadForParticipant(tx, db, participation);

    if (withdrawn) {
      fail('consent_withdrawn', 'You have already withdrawn your consent to this consult; nothing more to do.');
    }
    if (!consent) fail('consent_required', 'You have not given consent to this consult, so there is none to withdraw.');

    const nowMs = clock.now();
    const withdrawnAt = Timestamp.fromMillis(nowMs);
    const withdrawal: ConsentWithdrawalDoc<Timestamp> = { uid: caller.uid, withdrawnAt, userAgent: userAgentOf(request.userAgent) };
    tx.create(withdrawalRef(db, consultId, caller.uid), withdrawal);

    const ends = !isClosed(consult.status);
    const status = ends ? nextStatus(consult.status, 'consent_withdrawn') : consult.status;
    // The call is over for this participant at once; once the consult ends, for the other side too.
    tx.delete(peerRef(db, consultId, caller.uid));
    const other = kind === 'patient' ? consult.clinicianUid : consult.patientUid;
    if (ends && other) tx.delete(peerRef(db, consultId, other));
    const cut = ends ? recordingCut(consult, withdrawnAt) : null;

    recordChange(db, tx, {
      consultId,
      consult,
      patch: {
        status,
        ...(kind === 'patient' ? { patientProgress: 'withdrawn' as const } : {}),
        ...(ends ? { endedAt: withdrawnAt, endReason: 'consent_withdrawn' as const } : {}),
        ...cut?.patch,
      },
      action: 'consent.withdrawn',
      actor: actorOf(caller, kind === 'patient'),
      nowMs,
      request,
      details: { kind, statusBefore: consult.status, status, ...cut?.details },
    });
    return { consultId, status, withdrawnAt: withdrawnAt.toDate().toISOString() };
  });
}

export const withdrawConsent = callable('withdrawConsent', zWithdrawConsentRequest, 'signed-in', ({ data, caller, request }) =>
  revokeConsent(firestore(), systemClock, caller, request, data),
);
