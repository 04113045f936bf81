// Wound photos and recordings: the files stay on the two devices; the audit chain holds each step
// with the hash, size and time, and media/{id} keeps them beside the record. A recording needs
// both consents, and ending the consult or a withdrawal turns it off in the same write.
import { Timestamp } from 'firebase-admin/firestore';
import { doc, getDoc } from 'firebase/firestore';
import { afterAll, describe, expect, it } from 'vitest';
import { verifyChain } from '../../functions/src/audit/chain';
import type { PhotoEventRequest, PhotoEventResult, SetRecordingRequest, SetRecordingResult } from '../../functions/src/lib/api';
import { PHOTO_CONSENT_VERSION, type MediaDoc } from '../../functions/src/lib/model';
import { adminDb } from '../support/admin';
import {
  anonymousPatient,
  arrangeConsent,
  arrangeWithdrawal,
  auditOf,
  clinician,
  closeSessions,
  expectRefusal,
  inCall,
  readConsult,
  redeem,
  schedule,
  signedInAs,
  type Person,
} from './consults.support';

afterAll(closeSessions);

// ── arrangements ─────────────────────────────────────────────────────────────────────────

let ids = 0;
/** A fresh photo or recording id, as the pages make them (12 to 40 of [A-Za-z0-9_-]). */
const newId = (prefix: string) => `${prefix}-${Date.now().toString(36)}-${(ids++).toString().padStart(4, '0')}`;
const hash = (c: string) => c.repeat(64);

const recordable = () => inCall({ patient: { recording: true }, clinician: { recording: true } });

const photo = (by: Person, request: PhotoEventRequest) => by.session.call<PhotoEventRequest, PhotoEventResult>('photoEvent', request);
const recording = (by: Person, request: SetRecordingRequest) => by.session.call<SetRecordingRequest, SetRecordingResult>('setRecording', request);

function received(consultId: string, photoId: string, over: Partial<Extract<PhotoEventRequest, { event: 'received' }>> = {}): PhotoEventRequest {
  return { consultId, event: 'received', photoId, site: 'Calcanhar esquerdo', requested: true, sha256: hash('a'), bytes: 254_312, width: 1920, height: 1440, ...over };
}

const FILE = { sha256: hash('c'), bytes: 18_000_000, durationMs: 305_000, mimeType: 'video/webm;codecs=vp8,opus' };
const start = (consultId: string, recordingId: string): SetRecordingRequest => ({ consultId, action: 'start', recordingId });
const stop = (consultId: string, recordingId: string, reason: 'clinician' | 'ended' | 'consent_withdrawn' | 'failed', file: typeof FILE | null = FILE): SetRecordingRequest => ({
  consultId,
  action: 'stop',
  recordingId,
  reason,
  file,
});

const mediaDoc = async (consultId: string, id: string) => (await adminDb().doc(`consults/${consultId}/media/${id}`).get()).data() as MediaDoc<Timestamp> | undefined;
const mediaCount = async (consultId: string) => (await adminDb().collection(`consults/${consultId}/media`).get()).size;

async function chainHolds(consultId: string) {
  return verifyChain(await auditOf(consultId), (await readConsult(consultId)).auditHead);
}

// ── photoEvent ───────────────────────────────────────────────────────────────────────────

describe('photoEvent', () => {
  it('records a request, a decline and a received photo as one entry each, with the hash, size and dimensions but no content', async () => {
    const { doctor, consultId } = await inCall();
    const asked = newId('photo');
    const first = await photo(doctor, { consultId, event: 'requested', photoId: asked, site: 'Maléolo medial direito' });
    const declined = await photo(doctor, { consultId, event: 'declined', photoId: asked, site: 'Maléolo medial direito' });
    expect(declined.seq).toBe(first.seq + 1);

    const sent = newId('photo');
    await photo(doctor, { consultId, event: 'requested', photoId: sent, site: null });
    const result = await photo(doctor, received(consultId, sent, { site: null }));
    expect(result).toEqual({ consultId, photoId: sent, seq: first.seq + 3 });

    const entries = (await auditOf(consultId)).filter((e) => e.action.startsWith('photo.'));
    expect(entries.map((e) => [e.action, e.seq])).toEqual([
      ['photo.requested', first.seq],
      ['photo.declined', first.seq + 1],
      ['photo.requested', first.seq + 2],
      ['photo.received', first.seq + 3],
    ]);
    expect(entries[0]).toMatchObject({ actorUid: doctor.uid, actorRole: 'clinician', context: { photoId: asked, site: 'Maléolo medial direito' } });
    expect(entries[3]!.context).toMatchObject({ photoId: sent, site: null, requested: true, sha256: hash('a'), bytes: 254_312, width: 1920, height: 1440 });
    expect(Object.keys(entries[3]!.context).sort()).toEqual(['bytes', 'height', 'ipPrefix', 'photoId', 'requested', 'sha256', 'site', 'userAgent', 'width']);

    const doc = await mediaDoc(consultId, sent);
    expect(doc).toMatchObject({ kind: 'photo', site: null, sha256: hash('a'), bytes: 254_312, width: 1920, height: 1440, requested: true, seq: result.seq, by: doctor.uid });
    expect(doc!.at).toBeInstanceOf(Timestamp);
    expect(await mediaDoc(consultId, asked)).toBeUndefined();
    expect((await chainHolds(consultId)).ok).toBe(true);
  });

  it('takes a photo the patient sent unasked, and one arriving as the consult ends', async () => {
    const { doctor, consultId } = await inCall();
    const unasked = newId('photo');
    await photo(doctor, received(consultId, unasked, { requested: false }));
    expect(await mediaDoc(consultId, unasked)).toMatchObject({ requested: false });

    await doctor.session.call('endConsult', { consultId });
    const late = newId('photo');
    const result = await photo(doctor, received(consultId, late, { sha256: hash('b') }));
    expect(await mediaDoc(consultId, late)).toMatchObject({ sha256: hash('b'), seq: result.seq });
    // Asking for a new one is over, though.
    await expectRefusal(photo(doctor, { consultId, event: 'requested', photoId: newId('photo'), site: null }), 'failed-precondition', 'illegal_transition');
  });

  it('answers the same photo received again with its first entry, and refuses a different photo under that id (photo_exists)', async () => {
    const { doctor, consultId } = await inCall();
    const id = newId('photo');
    const first = await photo(doctor, received(consultId, id));
    const head = (await readConsult(consultId)).auditHead;
    await expect(photo(doctor, received(consultId, id))).resolves.toEqual(first);
    expect((await readConsult(consultId)).auditHead).toEqual(head);

    await expectRefusal(photo(doctor, received(consultId, id, { sha256: hash('d') })), 'already-exists', 'photo_exists');
    expect(await mediaDoc(consultId, id)).toMatchObject({ sha256: hash('a'), seq: first.seq });
    expect((await readConsult(consultId)).auditHead).toEqual(head);
  });

  it('refuses another clinician, an administrator who is not its clinician, and the patient', async () => {
    const { patient, consultId } = await inCall();
    const id = newId('photo');
    await expectRefusal(photo(await clinician(), received(consultId, id)), 'permission-denied', 'not_owner');
    await expectRefusal(photo(await signedInAs('admin'), received(consultId, id)), 'permission-denied', 'not_owner');
    await expectRefusal(photo(patient, received(consultId, id)), 'permission-denied', 'not_clinician');
    expect(await mediaCount(consultId)).toBe(0);
  });

  it('refuses a request before the patient is admitted', async () => {
    const doctor = await clinician();
    const patient = await anonymousPatient();
    const { consultId, secret } = await schedule(doctor);
    await redeem(patient, consultId, secret);
    await arrangeConsent(consultId, patient.uid, 'patient');
    await adminDb().doc(`consults/${consultId}`).update({ status: 'waiting' });
    const head = (await readConsult(consultId)).auditHead;
    await expectRefusal(photo(doctor, { consultId, event: 'requested', photoId: newId('photo'), site: null }), 'failed-precondition', 'illegal_transition');
    await expectRefusal(photo(doctor, received(consultId, newId('photo'))), 'failed-precondition', 'illegal_transition');
    expect((await readConsult(consultId)).auditHead).toEqual(head);
  });

  it('refuses every event under a consent older than the photo clause (consent_outdated), saying how photos become possible', async () => {
    const { doctor, consultId } = await inCall({ patient: { version: '2026-12-02' } });
    expect(PHOTO_CONSENT_VERSION).toBe('2026-12-02.2');
    const head = (await readConsult(consultId)).auditHead;
    const refusal = await expectRefusal(photo(doctor, { consultId, event: 'requested', photoId: newId('photo'), site: null }), 'failed-precondition', 'consent_outdated');
    expect(refusal.message).toMatch(/2026-12-02\b.*does not cover wound photos/);
    expect(refusal.message).toMatch(/new consult/);
    await expectRefusal(photo(doctor, received(consultId, newId('photo'))), 'failed-precondition', 'consent_outdated');
    expect((await readConsult(consultId)).auditHead).toEqual(head);
    expect(await mediaCount(consultId)).toBe(0);
  });

  it('refuses once the patient has withdrawn, even a photo arriving after the consult ended', async () => {
    const withdrawn = await inCall();
    await withdrawn.patient.session.call('withdrawConsent', { consultId: withdrawn.consultId });
    await expectRefusal(photo(withdrawn.doctor, received(withdrawn.consultId, newId('photo'))), 'failed-precondition', 'consent_withdrawn');

    // A withdrawal on record while the consult is still admitted (written beside the consent).
    const arranged = await inCall();
    await arrangeWithdrawal(arranged.consultId, arranged.patient.uid);
    await expectRefusal(photo(arranged.doctor, { consultId: arranged.consultId, event: 'requested', photoId: newId('photo'), site: null }), 'failed-precondition', 'consent_withdrawn');
    for (const id of [withdrawn.consultId, arranged.consultId]) expect(await mediaCount(id)).toBe(0);
  });
});

// ── setRecording ─────────────────────────────────────────────────────────────────────────

describe('setRecording', () => {
  it("refuses to start without the patient's recording consent, and without the clinician's, naming whose", async () => {
    const noPatient = await inCall({ patient: { recording: false }, clinician: { recording: true } });
    const patientRefusal = await expectRefusal(recording(noPatient.doctor, start(noPatient.consultId, newId('rec'))), 'failed-precondition', 'recording_not_consented');
    expect(patientRefusal.message).toMatch(/patient's consent/);
    expect(patientRefusal.details).toMatchObject({ whose: 'patient' });

    const noClinician = await inCall({ patient: { recording: true }, clinician: { recording: false } });
    const clinicianRefusal = await expectRefusal(recording(noClinician.doctor, start(noClinician.consultId, newId('rec'))), 'failed-precondition', 'recording_not_consented');
    expect(clinicianRefusal.message).toMatch(/Your consent/);
    expect(clinicianRefusal.details).toMatchObject({ whose: 'clinician' });

    const noClinicianConsent = await inCall({ patient: { recording: true } });
    await expectRefusal(recording(noClinicianConsent.doctor, start(noClinicianConsent.consultId, newId('rec'))), 'failed-precondition', 'recording_not_consented');
    for (const id of [noPatient.consultId, noClinician.consultId, noClinicianConsent.consultId]) expect((await readConsult(id)).recording ?? null).toBeNull();
  });

  it('refuses to start before admission and after the end, and refuses the patient and another clinician', async () => {
    const { doctor, patient, consultId } = await recordable();
    await expectRefusal(recording(patient, start(consultId, newId('rec'))), 'permission-denied', 'not_clinician');
    await expectRefusal(recording(await clinician(), start(consultId, newId('rec'))), 'permission-denied', 'not_owner');
    await doctor.session.call('endConsult', { consultId });
    await expectRefusal(recording(doctor, start(consultId, newId('rec'))), 'failed-precondition', 'illegal_transition');

    const waiting = await clinician();
    const { consultId: scheduled } = await schedule(waiting);
    await expectRefusal(recording(waiting, start(scheduled, newId('rec'))), 'failed-precondition', 'illegal_transition');
    for (const id of [consultId, scheduled]) expect((await readConsult(id)).recording ?? null).toBeNull();
  });

  it('starts and stops with the saved file: the consult shows it on then closed, the entries carry the hash, media keeps it', async () => {
    const { doctor, consultId } = await recordable();
    const id = newId('rec');
    const started = await recording(doctor, start(consultId, id));
    expect(started).toMatchObject({ consultId, recordingId: id, on: true });
    const on = (await readConsult(consultId)).recording!;
    expect(on).toMatchObject({ id, on: true, stoppedAt: null, closed: false });

    // A retry of the start answers the same.
    await expect(recording(doctor, start(consultId, id))).resolves.toEqual(started);
    await expectRefusal(recording(doctor, start(consultId, newId('rec'))), 'failed-precondition', 'recording_on');

    const stopped = await recording(doctor, stop(consultId, id, 'clinician'));
    expect(stopped).toEqual({ consultId, recordingId: id, on: false, seq: started.seq + 1 });
    const off = (await readConsult(consultId)).recording!;
    expect(off).toMatchObject({ id, on: false, closed: true });
    expect((off.startedAt as Timestamp).toMillis()).toBe((on.startedAt as Timestamp).toMillis());

    const entries = (await auditOf(consultId)).filter((e) => e.action.startsWith('recording.'));
    expect(entries.map((e) => e.action)).toEqual(['recording.started', 'recording.stopped']);
    expect(entries[0]!.context).toMatchObject({ recordingId: id });
    expect(entries[1]).toMatchObject({ seq: stopped.seq, actorRole: 'clinician', context: { recordingId: id, reason: 'clinician', ...FILE } });
    expect(await mediaDoc(consultId, id)).toMatchObject({ kind: 'recording', ...FILE, reason: 'clinician', seq: stopped.seq, by: doctor.uid });
    // A retry of that stop answers the same, with no second entry.
    await expect(recording(doctor, stop(consultId, id, 'clinician'))).resolves.toEqual(stopped);
    expect((await readConsult(consultId)).auditHead.seq).toBe(stopped.seq);
    expect((await chainHolds(consultId)).ok).toBe(true);

    // Closed, a new recording may start.
    const next = newId('rec');
    await recording(doctor, start(consultId, next));
    expect((await readConsult(consultId)).recording).toMatchObject({ id: next, on: true, closed: false });
  });

  it('stops without a file (nothing could be saved): the entry says so and no media is kept', async () => {
    const { doctor, consultId } = await recordable();
    const id = newId('rec');
    await recording(doctor, start(consultId, id));
    await recording(doctor, stop(consultId, id, 'failed', null));
    expect((await auditOf(consultId)).at(-1)).toMatchObject({ action: 'recording.stopped', context: { reason: 'failed', sha256: null, bytes: null, durationMs: null, mimeType: null } });
    expect(await mediaDoc(consultId, id)).toBeUndefined();
  });

  it('refuses to stop a recording that is not under way: an unknown id, one already stopped, or none at all', async () => {
    const { doctor, consultId } = await recordable();
    await expectRefusal(recording(doctor, stop(consultId, newId('rec'), 'clinician')), 'failed-precondition', 'recording_unknown');
    const id = newId('rec');
    await recording(doctor, start(consultId, id));
    await expectRefusal(recording(doctor, stop(consultId, newId('rec'), 'clinician')), 'failed-precondition', 'recording_unknown');
    await recording(doctor, stop(consultId, id, 'clinician', null));
    await expectRefusal(recording(doctor, stop(consultId, id, 'clinician', { ...FILE, sha256: hash('e') })), 'failed-precondition', 'recording_unknown');
  });

  it('ending the consult turns the recording off in the same write (recordingCut), and a stop for the end is taken afterwards', async () => {
    const { doctor, patient, consultId } = await recordable();
    const id = newId('rec');
    await recording(doctor, start(consultId, id));
    await doctor.session.call('endConsult', { consultId });

    const cut = (await readConsult(consultId)).recording!;
    expect(cut).toMatchObject({ id, on: false, closed: false });
    expect(cut.stoppedAt).toBeInstanceOf(Timestamp);
    expect((await auditOf(consultId)).at(-1)).toMatchObject({ action: 'consult.ended', context: { recordingCut: true } });

    const stopped = await recording(doctor, stop(consultId, id, 'ended'));
    const closed = (await readConsult(consultId)).recording!;
    expect(closed).toMatchObject({ on: false, closed: true });
    expect((closed.stoppedAt as Timestamp).toMillis()).toBe((cut.stoppedAt as Timestamp).toMillis());
    expect(await mediaDoc(consultId, id)).toMatchObject({ reason: 'ended', seq: stopped.seq, sha256: FILE.sha256 });
    expect(((await mediaDoc(consultId, id)) as Extract<MediaDoc<Timestamp>, { kind: 'recording' }>).stoppedAt.toMillis()).toBe((cut.stoppedAt as Timestamp).toMillis());
    // The patient's page, which reads the consult, sees it off.
    const seen = await getDoc(doc(patient.session.db, 'consults', consultId));
    expect(seen.get('recording.on')).toBe(false);
    expect((await chainHolds(consultId)).ok).toBe(true);
  });

  it('an end with nothing being recorded carries no recordingCut', async () => {
    const { doctor, consultId } = await recordable();
    await doctor.session.call('endConsult', { consultId });
    expect((await auditOf(consultId)).at(-1)!.context).not.toHaveProperty('recordingCut');
  });

  it("the patient's withdrawal turns the recording off at once, and the clinician's page then closes it with the file", async () => {
    const { doctor, patient, consultId } = await recordable();
    const id = newId('rec');
    await recording(doctor, start(consultId, id));
    await patient.session.call('withdrawConsent', { consultId });

    expect((await readConsult(consultId)).recording).toMatchObject({ id, on: false, closed: false });
    expect((await auditOf(consultId)).at(-1)).toMatchObject({ action: 'consent.withdrawn', context: { kind: 'patient', recordingCut: true } });

    await recording(doctor, stop(consultId, id, 'consent_withdrawn'));
    expect((await readConsult(consultId)).recording).toMatchObject({ on: false, closed: true });
    expect(await mediaDoc(consultId, id)).toMatchObject({ reason: 'consent_withdrawn', sha256: FILE.sha256 });
    expect((await chainHolds(consultId)).ok).toBe(true);
  });
});
