import type { DocumentReference, Firestore } from 'firebase-admin/firestore';
import { fail } from '../lib/errors';
import type { ConsultDoc } from '../lib/model';
import type { ConsentKind } from './texts';

/** Which side of the consult a uid is on; anyone else (admins included) is refused. */
export function participantKind(consult: Pick<ConsultDoc, 'clinicianUid' | 'patientUid'>, uid: string): ConsentKind {
  if (uid === consult.clinicianUid) return 'clinician';
  if (consult.patientUid !== null && uid === consult.patientUid) return 'patient';
  return fail('not_participant', 'Only the clinician and the patient of this consult can do this.');
}

export function consultRefs(db: Firestore, consultId: string, uid: string) {
  const consult = db.collection('consults').doc(consultId);
  return {
    consult,
    consent: consult.collection('consents').doc(uid),
    withdrawal: consult.collection('consents').doc(`${uid}-withdrawal`),
    peer: (peerUid: string): DocumentReference => consult.collection('peers').doc(peerUid),
  };
}

/** User agents go into the consent record as evidence of where it was given; bounded. */
export function userAgentOf(userAgent: string | null): string {
  return (userAgent ?? '').slice(0, 256).toWellFormed();
}
