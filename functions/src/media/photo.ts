import { Timestamp, type Firestore, type Transaction } from 'firebase-admin/firestore';
import { actorOf } from '../audit/append';
import { assertStarted } from '../consults/status';
import { assertOwner, mediaRef, readConsent, readConsult, recordChange, type StoredConsult, type StoredMedia } from '../consults/store';
import type { PhotoEventRequest, PhotoEventResult } from '../lib/api';
import { callable, type CallableContext } from '../lib/callable';
import { systemClock, type Clock } from '../lib/clock';
import { AppError, fail } from '../lib/errors';
import { firestore } from '../lib/firebase';
import { PHOTO_CONSENT_VERSION, consentVersionAtLeast, type PhotoMediaDoc } from '../lib/model';
import { zPhotoEventRequest } from '../lib/schemas';

const ACTIONS = { requested: 'photo.requested', declined: 'photo.declined', received: 'photo.received' } as const;

/**
 * A photo is taken only under a patient's consent whose text covers photos. A consent cannot be
 * replaced within a consult (recordConsent keeps the first one, and reopening the link finds it),
 * so a patient who accepted an older text can send photos only in a new consult.
 */
async function assertPhotoConsent(tx: Transaction, db: Firestore, consultId: string, consult: StoredConsult): Promise<void> {
  const state = consult.patientUid ? await readConsent(tx, db, consultId, consult.patientUid) : null;
  if (state?.withdrawn) fail('consent_withdrawn', 'The patient has withdrawn their consent to this consult: no photo can be taken or kept from it.');
  if (!state?.consent) fail('consent_required', 'The patient has no consent in force for this consult, so no photo can be taken.');
  if (!consentVersionAtLeast(state.consent.textVersion, PHOTO_CONSENT_VERSION)) {
    fail(
      'consent_outdated',
      `The patient accepted consent version ${state.consent.textVersion}, which does not cover wound photos (they need ${PHOTO_CONSENT_VERSION} or later). ` +
        'A consent cannot be replaced within a consult: to take photos, schedule a new consult, whose link shows the current text for the patient to accept.',
      { consentVersion: state.consent.textVersion, requiredVersion: PHOTO_CONSENT_VERSION },
    );
  }
}

/** A photo id received before: the same photo again (a retry) answers with its entry, any other is refused. */
function alreadyReceived(existing: StoredMedia, sha256: string): number {
  if (existing.kind === 'photo' && existing.sha256 === sha256) return existing.seq;
  return fail('photo_exists', 'A different photo was already received under this id: send this one under a new id.');
}

/**
 * One step of a wound photo, as the clinician's page tells it: asked for during the call, declined
 * by the patient, or received whole (its hash checked by the clinician's page). The photo itself
 * travels between the two devices and never reaches us: each step is one audit entry, and a
 * received photo's hash, size and dimensions are kept beside the record in media/{photoId}.
 */
export async function photoEventWith(db: Firestore, clock: Clock, { data, caller, request }: CallableContext<PhotoEventRequest>): Promise<PhotoEventResult> {
  const { consultId, photoId, site } = data;
  return db.runTransaction(async (tx) => {
    const consult = await readConsult(tx, db, consultId);
    assertOwner(consult, caller);
    if (data.event === 'requested') {
      if (consult.status !== 'admitted') throw new AppError('illegal_transition', 'A photo is asked for during the call: admit the patient first.', { status: consult.status });
    } else {
      // A photo that arrives as the consult ends still counts.
      assertStarted(consult.status, 'Photos come during the call: admit the patient first.');
    }
    await assertPhotoConsent(tx, db, consultId, consult);
    const ref = mediaRef(db, consultId, photoId);
    const existing = data.event === 'received' ? await tx.get(ref) : null;
    if (existing?.exists && data.event === 'received') {
      return { consultId, photoId, seq: alreadyReceived(existing.data() as StoredMedia, data.sha256) };
    }

    const nowMs = clock.now();
    const details: Record<string, string | number | boolean | null> =
      data.event === 'received'
        ? { photoId, site, requested: data.requested, sha256: data.sha256, bytes: data.bytes, width: data.width, height: data.height }
        : { photoId, site };
    const head = recordChange(db, tx, {
      consultId,
      consult,
      patch: {},
      action: ACTIONS[data.event],
      actor: actorOf(caller),
      nowMs,
      request,
      details,
      // A received photo joins the clinical record, whose retention counts from its last change.
      touch: data.event === 'received',
    });
    if (data.event === 'received') {
      const media: PhotoMediaDoc<Timestamp> = {
        kind: 'photo',
        site,
        sha256: data.sha256,
        bytes: data.bytes,
        width: data.width,
        height: data.height,
        requested: data.requested,
        at: Timestamp.fromMillis(nowMs),
        seq: head.seq,
        by: caller.uid,
      };
      tx.create(ref, media);
    }
    return { consultId, photoId, seq: head.seq };
  });
}

export const photoEvent = callable('photoEvent', zPhotoEventRequest, 'clinician', (ctx) => photoEventWith(firestore(), systemClock, ctx));
