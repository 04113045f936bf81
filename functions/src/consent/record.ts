import { Timestamp, type Firestore } from 'firebase-admin/firestore';
import type { z } from 'zod';
import { actorOf } from '../audit/append';
import { isClosed, nextStatus } from '../consults/status';
import { consentRef, loadForParticipant, recordChange } from '../consults/store';
import type { RecordConsentResult } from '../lib/api';
import { callable, type Caller, type RequestContext } from '../lib/callable';
import { HOT_PATH } from '../lib/options';
import type { ClinicIdentity } from '../lib/clinic';
import { clinicFromParams } from '../lib/clinicParams';
import { systemClock, type Clock } from '../lib/clock';
import { fail } from '../lib/errors';
import { firestore } from '../lib/firebase';
import type { ConsentDoc } from '../lib/model';
import { CONSENT_REFUSALS, userAgentOf } from './caller';
import { zRecordConsentRequest } from './schemas';
import { consentText } from './texts';

type RecordConsentInput = z.infer<typeof zRecordConsentRequest>;

/**
 * Records a participant's acceptance of the consent text it was shown, as an immutable document.
 * Accepting again the same version returns the consent already in force, so a reload is harmless.
 * The patient's consent is what moves a consult from `scheduled` into the waiting room.
 */
export async function acceptConsent(
  db: Firestore,
  clock: Clock,
  caller: Caller,
  request: RequestContext,
  input: RecordConsentInput,
  clinic: ClinicIdentity,
): Promise<RecordConsentResult> {
  return db.runTransaction(async (tx) => {
    const { consultId } = input;
    const participation = { consultId, uid: caller.uid, staff: caller.role !== null, refusals: CONSENT_REFUSALS };
    const { consult, role: kind, consent: existing, withdrawn } = await loadForParticipant(tx, db, participation);

    if (withdrawn) {
      fail('consent_withdrawn', 'You withdrew your consent to this consult, so it cannot be given again here. Ask the clinic for a new link.');
    }
    if (isClosed(consult.status)) {
      fail('consult_closed', `This consult has ${consult.status === 'cancelled' ? 'been cancelled' : 'ended'}; there is nothing left to consent to.`);
    }
    const current = consentText(kind, input.locale, clinic);
    if (input.version !== current.version) {
      fail('consent_version_unknown', `Consent version ${input.version} is not the current one (${current.version}). Reload the page to read the current text.`, {
        currentVersion: current.version,
      });
    }
    if (input.textHash !== current.hash) {
      fail('consent_text_mismatch', 'The consent text you read is not the one on record for this version. Reload the page and read it again.');
    }

    if (existing) {
      if (existing.textVersion !== input.version) {
        fail('consent_exists', `You already accepted consent version ${existing.textVersion} for this consult.`);
      }
      return { consultId, status: consult.status, acceptedAt: existing.acceptedAt.toDate().toISOString() };
    }

    const nowMs = clock.now();
    const acceptedAt = Timestamp.fromMillis(nowMs);
    const consent: ConsentDoc<Timestamp> = {
      uid: caller.uid,
      kind,
      textVersion: current.version,
      locale: input.locale,
      textHash: current.hash,
      recording: input.recording,
      userAgent: userAgentOf(request.userAgent),
      acceptedAt,
    };
    tx.create(consentRef(db, consultId, caller.uid), consent);

    const status = kind === 'patient' && consult.status === 'scheduled' ? nextStatus(consult.status, 'patient_consented') : consult.status;
    recordChange(db, tx, {
      consultId,
      consult,
      patch: { status, ...(kind === 'patient' ? { patientProgress: 'consented' as const } : {}) },
      action: 'consent.recorded',
      actor: actorOf(caller, kind === 'patient'),
      nowMs,
      request,
      details: { kind, version: current.version, locale: input.locale, recording: input.recording },
    });
    return { consultId, status, acceptedAt: acceptedAt.toDate().toISOString() };
  });
}

export const recordConsent = callable(
  'recordConsent',
  zRecordConsentRequest,
  'signed-in',
  ({ data, caller, request }) => acceptConsent(firestore(), systemClock, caller, request, data, clinicFromParams()),
  HOT_PATH,
);
