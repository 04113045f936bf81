import { Timestamp, type Firestore } from 'firebase-admin/firestore';
import { actorOf } from '../audit/append';
import { assertStarted } from '../consults/status';
import { assertOwner, readConsult, recordChange, type StoredIdentity } from '../consults/store';
import type { ConfirmIdentityRequest, ConfirmIdentityResult } from '../lib/api';
import { callable, type CallableContext } from '../lib/callable';
import type { ClinicIdentity } from '../lib/clinic';
import { clinicFromParams } from '../lib/clinicParams';
import { systemClock, type Clock } from '../lib/clock';
import { fail } from '../lib/errors';
import { firestore } from '../lib/firebase';
import { zConfirmIdentityRequest } from '../lib/schemas';
import { identityFields } from './identity';

/**
 * "Identidade conferida": the clinician has seen the patient (and perhaps a document) on video.
 * Possible once the call has started, and after it ended for a record completed later. A
 * correction replaces what the patient typed (or gives what they could not type); confirming
 * again is how a later mismatch is put right. Each is one audit entry, without the values.
 */
export async function confirmIdentityWith(
  db: Firestore,
  clock: Clock,
  clinic: ClinicIdentity,
  { data, caller, request }: CallableContext<ConfirmIdentityRequest>,
): Promise<ConfirmIdentityResult> {
  const { consultId, document, correction } = data;
  const nowMs = clock.now();
  const corrected = correction ? identityFields(correction, clinic, nowMs, false) : null;
  return db.runTransaction(async (tx) => {
    const consult = await readConsult(tx, db, consultId);
    assertOwner(consult, caller);
    assertStarted(consult.status, 'The identity is confirmed on video: admit the patient first.');
    const current = consult.patientIdentity ?? null;
    if (!current && !corrected) {
      fail('identity_missing', 'The patient has not given their name and date of birth: enter them as a correction.');
    }
    const now = Timestamp.fromMillis(nowMs);
    const identity: StoredIdentity = corrected
      ? { ...corrected, statedBy: 'clinician', statedAt: now, confirmedAt: now, document }
      : { ...current!, confirmedAt: now, document };
    recordChange(db, tx, {
      consultId,
      consult,
      patch: { patientIdentity: identity },
      action: corrected ? 'patient.identity_corrected' : 'patient.identity_confirmed',
      actor: actorOf(caller),
      nowMs,
      request,
      details: { withDocument: document !== null, withCpf: identity.cpf !== null, again: Boolean(current?.confirmedAt) },
    });
    return { consultId, confirmedAt: now.toDate().toISOString() };
  });
}

export const confirmIdentity = callable('confirmIdentity', zConfirmIdentityRequest, 'clinician', (ctx) =>
  confirmIdentityWith(firestore(), systemClock, clinicFromParams(), ctx),
);
