import { Timestamp, type Firestore } from 'firebase-admin/firestore';
import { actorOf } from '../audit/append';
import { isClosed } from '../consults/status';
import { loadForParticipant, recordChange, type StoredIdentity } from '../consults/store';
import type { IdentifyPatientRequest, IdentifyPatientResult } from '../lib/api';
import { callable, type CallableContext } from '../lib/callable';
import type { ClinicIdentity } from '../lib/clinic';
import { clinicFromParams } from '../lib/clinicParams';
import { systemClock, type Clock } from '../lib/clock';
import { fail } from '../lib/errors';
import { firestore } from '../lib/firebase';
import { zIdentifyPatientRequest } from '../lib/schemas';
import { identityFields } from './identity';

const REFUSALS = {
  notFound: 'This consult does not exist. Check the link you were sent.',
  notParticipant: 'Only the patient of this consult can say who they are here.',
};

/**
 * The patient says who they are for the record (CFM 2.314/2022: the patient is identified),
 * while waiting. They may fix a typo until the clinician has confirmed it; after that only the
 * clinician corrects. The audit entry records the fact, never the name, date or CPF.
 */
export async function identifyPatientWith(
  db: Firestore,
  clock: Clock,
  clinic: ClinicIdentity,
  { data, caller, request }: CallableContext<IdentifyPatientRequest>,
): Promise<IdentifyPatientResult> {
  const { consultId } = data;
  const nowMs = clock.now();
  const fields = identityFields(data, clinic, nowMs, true);
  return db.runTransaction(async (tx) => {
    const { consult, role, inForce } = await loadForParticipant(tx, db, { consultId, uid: caller.uid, staff: caller.role !== null, refusals: REFUSALS });
    if (role !== 'patient') fail('not_participant', REFUSALS.notParticipant);
    if (isClosed(consult.status)) fail('consult_closed', 'This consult is closed; your details can no longer be changed here.');
    if (!inForce) fail('consent_required', 'Accept the consent first; then say who you are.');
    if (consult.patientIdentity?.confirmedAt) {
      fail('identity_confirmed', 'The professional has already confirmed your details. Tell them on the call if something is wrong.');
    }
    const statedAt = Timestamp.fromMillis(nowMs);
    const identity: StoredIdentity = { ...fields, statedBy: 'patient', statedAt, confirmedAt: null, document: null };
    recordChange(db, tx, {
      consultId,
      consult,
      patch: { patientIdentity: identity },
      action: 'patient.identified',
      actor: actorOf(caller, true),
      nowMs,
      request,
      details: { withCpf: identity.cpf !== null, again: Boolean(consult.patientIdentity) },
    });
    return { consultId, statedAt: statedAt.toDate().toISOString() };
  });
}

export const identifyPatient = callable('identifyPatient', zIdentifyPatientRequest, 'signed-in', (ctx) =>
  identifyPatientWith(firestore(), systemClock, clinicFromParams(), ctx),
);
