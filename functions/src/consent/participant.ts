import type { DocumentReference, DocumentSnapshot, Firestore, Timestamp, Transaction } from 'firebase-admin/firestore';
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

/**
 * Reads, in the caller's transaction, the consult with the caller's consent and withdrawal;
 * refuses a consult that does not exist and a caller who is not one of its participants.
 */
export async function readConsentState(tx: Transaction, db: Firestore, consultId: string, uid: string) {
  const refs = consultRefs(db, consultId, uid);
  const [consultSnap, consent, withdrawal] = (await tx.getAll(refs.consult, refs.consent, refs.withdrawal)) as [
    DocumentSnapshot,
    DocumentSnapshot,
    DocumentSnapshot,
  ];
  if (!consultSnap.exists) fail('consult_not_found', 'This consult does not exist. Check the link you were sent.');
  const consult = consultSnap.data() as ConsultDoc<Timestamp>;
  return { refs, consult, kind: participantKind(consult, uid), consent, withdrawal };
}

/** User agents go into the consent record as evidence of where it was given; bounded. */
export function userAgentOf(userAgent: string | null): string {
  return (userAgent ?? '').slice(0, 256).toWellFormed();
}
