// recordConsent and withdrawConsent against the emulators, called through the client SDK.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Timestamp } from 'firebase-admin/firestore';
import { signOut } from 'firebase/auth';
import { afterAll, describe, expect, it } from 'vitest';
import type { RecordConsentRequest, RecordConsentResult, WithdrawConsentResult } from '../../functions/src/lib/api';
import type { ConsultStatus } from '../../functions/src/lib/model';
import { adminDb, createUser } from '../support/admin';
import { clientSession, signInAnonymousPatient, signInWithPassword, type ClientSession } from '../support/emulators';
import { CONSENT_VERSIONS } from '../../functions/src/consent/versions';
import { shownConsentHash } from '../support/consentText';

const VERSION = CONSENT_VERSIONS.patient;
const webHash = shownConsentHash;

const sessions: ClientSession[] = [];
function session(): ClientSession {
  const s = clientSession();
  sessions.push(s);
  return s;
}
afterAll(async () => {
  await Promise.all(sessions.map((s) => s.close()));
});

interface Arranged {
  consultId: string;
  clinician: ClientSession;
  clinicianUid: string;
  patient: ClientSession;
  patientUid: string;
}

/** A consult as scheduleConsult + redeemInvite leave it, written with the admin SDK. */
async function arrangeConsult(status: ConsultStatus = 'scheduled'): Promise<Arranged> {
  const user = await createUser('clinician', 'consent');
  const clinician = session();
  const clinicianUid = await signInWithPassword(clinician, user.email, user.password);
  const patient = session();
  const patientUid = await signInAnonymousPatient(patient);
  const ref = adminDb().collection('consults').doc();
  const now = Timestamp.now();
  await ref.set({
    clinicianUid,
    patientUid,
    patientLabel: 'Paciente teste',
    scheduledFor: now,
    durationMinutes: 30,
    status,
    patientProgress: 'link_opened',
    createdAt: now,
    updatedAt: now,
    admittedAt: status === 'admitted' ? now : null,
    endedAt: status === 'ended' ? now : null,
    endReason: status === 'ended' ? 'clinician' : null,
    auditHead: { seq: 0, hash: '0'.repeat(64) },
  });
  return { consultId: ref.id, clinician, clinicianUid, patient, patientUid };
}

async function consentRequest(consultId: string, kind: 'patient' | 'clinician', locale: 'pt-BR' | 'en' = 'pt-BR'): Promise<RecordConsentRequest> {
  return { consultId, version: VERSION, locale, textHash: await webHash(kind, locale), recording: false };
}

const record = (s: ClientSession, req: unknown) => s.call<unknown, RecordConsentResult>('recordConsent', req);
const withdraw = (s: ClientSession, consultId: string) => s.call<unknown, WithdrawConsentResult>('withdrawConsent', { consultId });

/** Resolves to the callable's error code and reason, failing the test if the call succeeded. */
async function refusal(promise: Promise<unknown>): Promise<{ code: string; reason: unknown; message: string }> {
  try {
    await promise;
  } catch (error) {
    const e = error as { code: string; details?: { reason?: unknown }; message: string };
    return { code: e.code, reason: e.details?.reason, message: e.message };
  }
  throw new Error('expected the call to be refused, but it succeeded');
}

const consultData = async (id: string) => (await adminDb().doc(`consults/${id}`).get()).data()!;
const auditOf = async (id: string) =>
  (await adminDb().collection('audit').where('consultId', '==', id).get()).docs.map((d) => d.data()).sort((a, b) => a.seq - b.seq);

// Generous: the first call of each function starts a cold worker, slow on a loaded machine.
describe('recordConsent', { timeout: 180_000 }, () => {
  it("records the patient's consent immutably and moves the consult to the waiting room", async () => {
    const c = await arrangeConsult();
    const result = await record(c.patient, { ...(await consentRequest(c.consultId, 'patient')), recording: true });
    expect(result.consultId).toBe(c.consultId);
    expect(result.status).toBe('waiting');
    expect(Number.isNaN(Date.parse(result.acceptedAt))).toBe(false);

    const consent = (await adminDb().doc(`consults/${c.consultId}/consents/${c.patientUid}`).get()).data()!;
    expect(consent).toMatchObject({
      uid: c.patientUid,
      kind: 'patient',
      textVersion: VERSION,
      locale: 'pt-BR',
      textHash: await webHash('patient', 'pt-BR'),
      recording: true,
    });
    expect((consent.acceptedAt as Timestamp).toDate().toISOString()).toBe(result.acceptedAt);
    expect(typeof consent.userAgent).toBe('string');
    expect((consent.userAgent as string).length).toBeLessThanOrEqual(256);

    const consult = await consultData(c.consultId);
    expect(consult.status).toBe('waiting');
    expect(consult.patientProgress).toBe('consented');

    const audit = await auditOf(c.consultId);
    expect(audit.map((a) => a.action)).toEqual(['consent.recorded']);
    expect(audit[0]).toMatchObject({ seq: 1, actorUid: c.patientUid, actorRole: 'patient' });
    expect(audit[0]!.context).toMatchObject({ kind: 'patient', version: VERSION, locale: 'pt-BR', recording: true });
    expect(JSON.stringify(audit[0]!.context)).not.toContain('Termo');
    expect(consult.auditHead).toEqual({ seq: 1, hash: audit[0]!.hash });
  });

  it("records the clinician's consent in English without changing the consult's status", async () => {
    const c = await arrangeConsult();
    const result = await record(c.clinician, await consentRequest(c.consultId, 'clinician', 'en'));
    expect(result.status).toBe('scheduled');
    const consent = (await adminDb().doc(`consults/${c.consultId}/consents/${c.clinicianUid}`).get()).data()!;
    expect(consent).toMatchObject({ kind: 'clinician', locale: 'en', textHash: await webHash('clinician', 'en'), recording: false });
    const consult = await consultData(c.consultId);
    expect(consult.status).toBe('scheduled');
    expect(consult.patientProgress).toBe('link_opened');
    expect((await auditOf(c.consultId))[0]).toMatchObject({ action: 'consent.recorded', actorRole: 'clinician' });
  });

  it('accepting again returns the consent already in force, unchanged, without a second audit entry', async () => {
    const c = await arrangeConsult();
    const first = await record(c.patient, await consentRequest(c.consultId, 'patient'));
    const again = await record(c.patient, { ...(await consentRequest(c.consultId, 'patient', 'en')), recording: true });
    expect(again.acceptedAt).toBe(first.acceptedAt);
    expect(again.status).toBe('waiting');
    const consent = (await adminDb().doc(`consults/${c.consultId}/consents/${c.patientUid}`).get()).data()!;
    expect(consent).toMatchObject({ locale: 'pt-BR', recording: false });
    expect(await auditOf(c.consultId)).toHaveLength(1);
  });

  it('a patient reloading during the call keeps the consult admitted', async () => {
    const c = await arrangeConsult('waiting');
    await record(c.patient, await consentRequest(c.consultId, 'patient'));
    await adminDb().doc(`consults/${c.consultId}`).update({ status: 'admitted' });
    expect((await record(c.patient, await consentRequest(c.consultId, 'patient'))).status).toBe('admitted');
  });

  it('refuses a consent version that is not the current one', async () => {
    const c = await arrangeConsult();
    const r = await refusal(record(c.patient, { ...(await consentRequest(c.consultId, 'patient')), version: '2025-01-01' }));
    expect(r).toMatchObject({ code: 'functions/failed-precondition', reason: 'consent_version_unknown' });
    expect(r.message).toContain(VERSION);
  });

  it('refuses a text hash that is not the one of the text on record', async () => {
    const c = await arrangeConsult();
    // The clinician's text shown to the patient: a real hash, but of the wrong text.
    const wrongText = { ...(await consentRequest(c.consultId, 'patient')), textHash: await webHash('clinician', 'pt-BR') };
    expect(await refusal(record(c.patient, wrongText))).toMatchObject({ code: 'functions/failed-precondition', reason: 'consent_text_mismatch' });
    // The English text's hash sent with locale pt-BR.
    const wrongLocale = { ...(await consentRequest(c.consultId, 'patient')), textHash: await webHash('patient', 'en') };
    expect(await refusal(record(c.patient, wrongLocale))).toMatchObject({ reason: 'consent_text_mismatch' });
    expect((await adminDb().doc(`consults/${c.consultId}/consents/${c.patientUid}`).get()).exists).toBe(false);
    expect((await consultData(c.consultId)).status).toBe('scheduled');
  });

  it('refuses someone who is not a participant of the consult', async () => {
    const c = await arrangeConsult();
    const stranger = session();
    await signInAnonymousPatient(stranger);
    expect(await refusal(record(stranger, await consentRequest(c.consultId, 'patient')))).toMatchObject({
      code: 'functions/permission-denied',
      reason: 'not_participant',
    });
  });

  it('refuses a caller who is not signed in', async () => {
    const c = await arrangeConsult();
    await signOut(c.patient.auth);
    expect(await refusal(record(c.patient, await consentRequest(c.consultId, 'patient')))).toMatchObject({
      code: 'functions/unauthenticated',
    });
  });

  it.each(['ended', 'cancelled'] as const)('refuses consent on a consult that is %s', async (status) => {
    const c = await arrangeConsult(status);
    expect(await refusal(record(c.patient, await consentRequest(c.consultId, 'patient')))).toMatchObject({
      code: 'functions/failed-precondition',
      reason: 'consult_closed',
    });
  });

  it('answers not-found for a consult that does not exist', async () => {
    const c = await arrangeConsult();
    const missing = adminDb().collection('consults').doc().id;
    expect(await refusal(record(c.patient, await consentRequest(missing, 'patient')))).toMatchObject({
      code: 'functions/not-found',
      reason: 'consult_not_found',
    });
  });

  it('refuses malformed requests as invalid-argument', async () => {
    const c = await arrangeConsult();
    const good = await consentRequest(c.consultId, 'patient');
    for (const bad of [
      { ...good, extra: 1 },
      { ...good, locale: 'fr' },
      { ...good, textHash: 'ABC' },
      { ...good, recording: 'yes' },
      { ...good, consultId: '../x' },
      { ...good, version: 'x'.repeat(5000) },
    ]) {
      expect(await refusal(record(c.patient, bad))).toMatchObject({ code: 'functions/invalid-argument', reason: 'invalid_input' });
    }
  });
});

describe('withdrawConsent', { timeout: 180_000 }, () => {
  async function admittedWithPeers(): Promise<Arranged> {
    const c = await arrangeConsult();
    await record(c.patient, await consentRequest(c.consultId, 'patient'));
    await record(c.clinician, await consentRequest(c.consultId, 'clinician'));
    await adminDb().doc(`consults/${c.consultId}`).update({ status: 'admitted', admittedAt: Timestamp.now() });
    for (const [uid, role] of [[c.patientUid, 'patient'], [c.clinicianUid, 'clinician']] as const) {
      await adminDb().doc(`consults/${c.consultId}/peers/${uid}`).set({
        sessionId: 's1', role, seq: 1, description: null, candidates: [], candidatesComplete: false, updatedAt: Timestamp.now(),
      });
    }
    return c;
  }

  it("a patient's withdrawal ends the consult, keeps the consent as evidence and removes the signaling documents", async () => {
    const c = await admittedWithPeers();
    const result = await withdraw(c.patient, c.consultId);
    expect(result).toMatchObject({ consultId: c.consultId, status: 'ended' });

    const consult = await consultData(c.consultId);
    expect(consult).toMatchObject({ status: 'ended', endReason: 'consent_withdrawn', patientProgress: 'withdrawn' });
    expect((consult.endedAt as Timestamp).toDate().toISOString()).toBe(result.withdrawnAt);

    const consents = adminDb().collection(`consults/${c.consultId}/consents`);
    expect((await consents.doc(c.patientUid).get()).exists).toBe(true);
    const withdrawal = (await consents.doc(`${c.patientUid}-withdrawal`).get()).data()!;
    expect(withdrawal.uid).toBe(c.patientUid);
    expect((withdrawal.withdrawnAt as Timestamp).toDate().toISOString()).toBe(result.withdrawnAt);

    expect((await adminDb().doc(`consults/${c.consultId}/peers/${c.patientUid}`).get()).exists).toBe(false);
    expect((await adminDb().doc(`consults/${c.consultId}/peers/${c.clinicianUid}`).get()).exists).toBe(false);

    const audit = await auditOf(c.consultId);
    expect(audit.map((a) => a.action)).toEqual(['consent.recorded', 'consent.recorded', 'consent.withdrawn']);
    expect(audit[2]!.context).toMatchObject({ kind: 'patient', statusBefore: 'admitted', status: 'ended' });
    expect(consult.auditHead).toEqual({ seq: 3, hash: audit[2]!.hash });
  });

  it("a clinician's withdrawal ends the consult too", async () => {
    const c = await admittedWithPeers();
    expect((await withdraw(c.clinician, c.consultId)).status).toBe('ended');
    const consult = await consultData(c.consultId);
    expect(consult).toMatchObject({ status: 'ended', endReason: 'consent_withdrawn', patientProgress: 'consented' });
    expect((await adminDb().doc(`consults/${c.consultId}/peers/${c.clinicianUid}`).get()).exists).toBe(false);
  });

  it('withdrawing twice is refused with a sentence saying it is already done', async () => {
    const c = await admittedWithPeers();
    await withdraw(c.patient, c.consultId);
    const r = await refusal(withdraw(c.patient, c.consultId));
    expect(r).toMatchObject({ code: 'functions/failed-precondition', reason: 'consent_withdrawn' });
    expect(r.message).toMatch(/already withdrawn/);
  });

  it('a participant who withdrew cannot consent again on that consult', async () => {
    const c = await arrangeConsult();
    await record(c.patient, await consentRequest(c.consultId, 'patient'));
    await withdraw(c.patient, c.consultId);
    const r = await refusal(record(c.patient, await consentRequest(c.consultId, 'patient')));
    expect(r).toMatchObject({ code: 'functions/failed-precondition', reason: 'consent_withdrawn' });
    expect(r.message).toMatch(/new link/);
  });

  it('there is nothing to withdraw before consenting', async () => {
    const c = await arrangeConsult();
    expect(await refusal(withdraw(c.patient, c.consultId))).toMatchObject({ code: 'functions/failed-precondition', reason: 'consent_required' });
  });

  it('refuses someone who is not a participant, and a caller who is not signed in', async () => {
    const c = await admittedWithPeers();
    const stranger = session();
    await signInAnonymousPatient(stranger);
    expect(await refusal(withdraw(stranger, c.consultId))).toMatchObject({ reason: 'not_participant' });
    const anonymous = session();
    expect(await refusal(withdraw(anonymous, c.consultId))).toMatchObject({ code: 'functions/unauthenticated' });
    expect((await consultData(c.consultId)).status).toBe('admitted');
  });
});
