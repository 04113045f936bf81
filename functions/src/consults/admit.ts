import { Timestamp, type Firestore } from 'firebase-admin/firestore';
import { actorOf } from '../audit/append';
import type { ConsultRef, StatusResult } from '../lib/api';
import { callable, type CallableContext } from '../lib/callable';
import { systemClock, type Clock } from '../lib/clock';
import { fail } from '../lib/errors';
import { firestore } from '../lib/firebase';
import { HOT_PATH } from '../lib/options';
import { zConsultRef } from '../lib/schemas';
import { assertOwner, readConsent, readConsult, recordChange } from './store';
import { nextStatus } from './status';

export async function admitPatientWith(
  db: Firestore,
  clock: Clock,
  { data, caller, request }: CallableContext<ConsultRef>,
): Promise<StatusResult> {
  const { consultId } = data;
  return db.runTransaction(async (tx) => {
    const consult = await readConsult(tx, db, consultId);
    assertOwner(consult, caller);
    // Admitting is safe to repeat: a retry whose first answer was lost finds the consult admitted
    // and changes nothing (no second audit entry, no new admittedAt).
    if (consult.status === 'admitted') return { consultId, status: consult.status };
    const status = nextStatus(consult.status, 'admit');
    // The consent is re-read here: a withdrawal may have landed since the patient reached the waiting room.
    if (!consult.patientUid || !(await readConsent(tx, db, consultId, consult.patientUid)).inForce) {
      fail('consent_required', 'The patient has no consent in force for this consult, so they cannot be admitted.');
    }
    const nowMs = clock.now();
    recordChange(db, tx, {
      consultId,
      consult,
      patch: { status, admittedAt: Timestamp.fromMillis(nowMs) },
      action: 'patient.admitted',
      actor: actorOf(caller),
      nowMs,
      request,
      details: { patientUid: consult.patientUid },
    });
    return { consultId, status };
  });
}

export const admitPatient = callable(
  'admitPatient',
  zConsultRef,
  'clinician',
  (ctx) => admitPatientWith(firestore(), systemClock, ctx),
  HOT_PATH,
);
