// The consult record (CFM 2.314/2022): the patient says who they are, the clinician confirms it
// on video (or corrects it), writes the note, signs it and adds addenda; and no consult without
// the clinician's council registration. Values never reach the audit chain: hashes and flags do.
import { createHash } from 'node:crypto';
import type { Timestamp } from 'firebase-admin/firestore';
import { doc, getDoc } from 'firebase/firestore';
import { afterAll, describe, expect, it } from 'vitest';
import { verifyChain } from '../../functions/src/audit/chain';
import type {
  ConfirmIdentityRequest,
  ConfirmIdentityResult,
  IdentifyPatientRequest,
  IdentifyPatientResult,
  PatientIdentityInput,
  SaveRecordRequest,
  SaveRecordResult,
} from '../../functions/src/lib/api';
import type { Professional } from '../../functions/src/lib/identity';
import { RECORD_LIMITS, type RecordDoc } from '../../functions/src/lib/model';
import { TEST_PROFESSIONAL, adminDb, createUser } from '../support/admin';
import { clientSession, signInWithPassword, type ClientSession } from '../support/emulators';
import {
  anonymousPatient,
  arrangeWithdrawal,
  auditOf,
  clinician,
  closeSessions,
  expectRefusal,
  readConsult,
  redeem,
  schedule,
  signedInAs,
  waitingConsult,
  type Person,
} from './consults.support';

const ownSessions: ClientSession[] = [];
afterAll(async () => {
  await Promise.all(ownSessions.splice(0).map((s) => s.close()));
  await closeSessions();
});

// ── arrangements ─────────────────────────────────────────────────────────────────────────

/** What a patient types in the waiting room: a CPF with its dots and dash (valid check digits). */
const GIVEN: PatientIdentityInput = { fullName: 'Conceição Aparecida Ramos', birthDate: '1958-03-12', cpf: '529.982.247-25' };
const GIVEN_CPF_DIGITS = '52998224725';
/** What the clinician writes instead, from the document seen on video. */
const CORRECTED: PatientIdentityInput = { fullName: 'Conceição Aparecida Ramos Lima', birthDate: '1958-03-21', cpf: '111.444.777-35' };
const DOCUMENT = 'RG 12.345.678-9 SSP/SP';

/** Strings that must never appear in an audit entry (each value in the ways it is typed or printed). */
const SECRET_VALUES = [
  'Conceição',
  'Aparecida',
  'Ramos',
  '1958-03-12',
  '12/03/1958',
  '1958-03-21',
  GIVEN_CPF_DIGITS,
  '529.982.247',
  '11144477735',
  '111.444.777',
  '12.345.678',
];

const sha256 = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');

const identify = (by: Person, consultId: string, over: Partial<PatientIdentityInput> = {}) =>
  by.session.call<IdentifyPatientRequest, IdentifyPatientResult>('identifyPatient', { consultId, ...GIVEN, ...over });

const confirm = (by: Person, consultId: string, document: string | null, correction: PatientIdentityInput | null = null) =>
  by.session.call<ConfirmIdentityRequest, ConfirmIdentityResult>('confirmIdentity', { consultId, document, correction });

const save = (by: Person, consultId: string, text: string, mode: SaveRecordRequest['mode']) =>
  by.session.call<SaveRecordRequest, SaveRecordResult>('saveRecord', { consultId, text, mode });

const admit = (by: Person, consultId: string) => by.session.call('admitPatient', { consultId });
const end = (by: Person, consultId: string) => by.session.call('endConsult', { consultId });

/** A consult in the call: the patient consented and was admitted by the clinician. */
async function admittedConsult() {
  const world = await waitingConsult();
  await admit(world.doctor, world.consultId);
  return world;
}

const recordRef = (consultId: string) => adminDb().doc(`consults/${consultId}/record/note`);
const readRecord = async (consultId: string) => (await recordRef(consultId).get()).data() as RecordDoc<Timestamp> | undefined;

/** The record document exactly as stored: its data with every timestamp, and its update time. */
async function storedRecord(consultId: string) {
  const snap = await recordRef(consultId).get();
  return { exists: snap.exists, data: JSON.stringify(snap.data() ?? null), updateTime: snap.updateTime?.toMillis() ?? null };
}

async function chainHolds(consultId: string) {
  const consult = await readConsult(consultId);
  return verifyChain(await auditOf(consultId), consult.auditHead);
}

async function expectNoValuesInAudit(consultId: string) {
  const serialized = JSON.stringify(await auditOf(consultId));
  for (const value of SECRET_VALUES) expect(serialized, `the audit chain holds "${value}"`).not.toContain(value);
}

/** A clinician account signed in with these professional claims (null: none). */
async function clinicianRegisteredAs(professional: Professional | null): Promise<Person> {
  const user = await createUser('clinician', 'registration', { professional });
  const session = clientSession();
  ownSessions.push(session);
  return { session, uid: await signInWithPassword(session, user.email, user.password) };
}

/** YYYY-MM-DD `days` from today (UTC). */
const dateInDays = (days: number) => new Date(Date.now() + days * 86_400_000).toISOString().slice(0, 10);

// ── identifyPatient ──────────────────────────────────────────────────────────────────────

describe('identifyPatient', () => {
  it('keeps the waiting patient’s name, date of birth and CPF (typed with dots, kept as digits) on the consult, and audits that it was given, never what', async () => {
    const { patient, consultId } = await waitingConsult();
    const result = await identify(patient, consultId, { fullName: '  Conceição   Aparecida Ramos ' });
    expect(result.consultId).toBe(consultId);

    const identity = (await readConsult(consultId)).patientIdentity!;
    expect(identity).toMatchObject({
      fullName: 'Conceição Aparecida Ramos',
      birthDate: '1958-03-12',
      cpf: GIVEN_CPF_DIGITS,
      statedBy: 'patient',
      confirmedAt: null,
      document: null,
    });
    expect((identity.statedAt as Timestamp).toDate().toISOString()).toBe(result.statedAt);

    // The waiting room reads it back from the consult document, as the patient's rules allow.
    const seen = await getDoc(doc(patient.session.db, 'consults', consultId));
    expect(seen.get('patientIdentity.cpf')).toBe(GIVEN_CPF_DIGITS);

    const entries = await auditOf(consultId);
    const identified = entries.filter((e) => e.action === 'patient.identified');
    expect(identified).toHaveLength(1);
    expect(identified[0]).toMatchObject({ actorUid: patient.uid, actorRole: 'patient', context: { withCpf: true, again: false } });
    expect(entries.at(-1)!.action).toBe('patient.identified');
    await expectNoValuesInAudit(consultId);
    expect((await chainHolds(consultId)).ok).toBe(true);
  });

  it('lets the patient give it again to fix a typo before the clinician has confirmed it', async () => {
    const { doctor, patient, consultId } = await waitingConsult();
    await identify(patient, consultId, { fullName: 'Conceicao Aparecida Rmos' });
    await identify(patient, consultId);
    expect((await readConsult(consultId)).patientIdentity).toMatchObject({ fullName: GIVEN.fullName, statedBy: 'patient' });
    // Still possible during the call, until the clinician confirms.
    await admit(doctor, consultId);
    await identify(patient, consultId, { birthDate: '1958-03-13' });
    expect((await readConsult(consultId)).patientIdentity).toMatchObject({ birthDate: '1958-03-13', confirmedAt: null });

    const identified = (await auditOf(consultId)).filter((e) => e.action === 'patient.identified');
    expect(identified.map((e) => e.context['again'])).toEqual([false, true, true]);
    await expectNoValuesInAudit(consultId);
  });

  it('refuses the clinician, another clinician, a signed-in stranger and another patient, writing nothing', async () => {
    const { doctor, consultId } = await waitingConsult();
    const before = await readConsult(consultId);
    await expectRefusal(identify(doctor, consultId), 'permission-denied', 'not_participant');
    await expectRefusal(identify(await clinician(), consultId), 'permission-denied', 'not_participant');
    await expectRefusal(identify(await signedInAs(null), consultId), 'permission-denied', 'not_participant');
    await expectRefusal(identify(await anonymousPatient(), consultId), 'permission-denied', 'not_participant');
    const after = await readConsult(consultId);
    expect(after.patientIdentity ?? null).toBeNull();
    expect(after.auditHead).toEqual(before.auditHead);
  });

  it('refuses a patient who has not accepted the consent yet', async () => {
    const doctor = await clinician();
    const patient = await anonymousPatient();
    const { consultId, secret } = await schedule(doctor);
    await redeem(patient, consultId, secret);
    await expectRefusal(identify(patient, consultId), 'failed-precondition', 'consent_required');
    expect((await readConsult(consultId)).patientIdentity ?? null).toBeNull();
  });

  it('refuses once the consent is withdrawn: a withdrawal beside it, and the consult its withdrawal ended', async () => {
    const waiting = await waitingConsult();
    await arrangeWithdrawal(waiting.consultId, waiting.patient.uid);
    await expectRefusal(identify(waiting.patient, waiting.consultId), 'failed-precondition', 'consent_required');

    const withdrawn = await waitingConsult();
    await withdrawn.patient.session.call('withdrawConsent', { consultId: withdrawn.consultId });
    expect((await readConsult(withdrawn.consultId)).status).toBe('ended');
    await expectRefusal(identify(withdrawn.patient, withdrawn.consultId), 'failed-precondition', 'consult_closed');
    for (const id of [waiting.consultId, withdrawn.consultId]) expect((await readConsult(id)).patientIdentity ?? null).toBeNull();
  });

  it('refuses on a closed consult, cancelled or ended', async () => {
    const cancelled = await waitingConsult();
    await cancelled.doctor.session.call('cancelConsult', { consultId: cancelled.consultId });
    await expectRefusal(identify(cancelled.patient, cancelled.consultId), 'failed-precondition', 'consult_closed');

    const ended = await admittedConsult();
    await end(ended.doctor, ended.consultId);
    await expectRefusal(identify(ended.patient, ended.consultId), 'failed-precondition', 'consult_closed');
  });

  it('refuses a CPF whose check digits are wrong, and no CPF where the clinic asks for one (the demo clinic does)', async () => {
    const { patient, consultId } = await waitingConsult();
    await expectRefusal(identify(patient, consultId, { cpf: '529.982.247-26' }), 'invalid-argument', 'invalid_input');
    await expectRefusal(identify(patient, consultId, { cpf: '111.111.111-11' }), 'invalid-argument', 'invalid_input');
    await expectRefusal(identify(patient, consultId, { cpf: '5299822472' }), 'invalid-argument', 'invalid_input');
    const missing = await expectRefusal(identify(patient, consultId, { cpf: null }), 'invalid-argument', 'invalid_input');
    expect(missing.message).toMatch(/cpf/i);
    expect((await readConsult(consultId)).patientIdentity ?? null).toBeNull();
  });

  it('refuses a birth date in the future, one that does not exist, one over 130 years back, and one not written as YYYY-MM-DD', async () => {
    const { patient, consultId } = await waitingConsult();
    for (const birthDate of [dateInDays(2), '1958-02-30', '1958-13-01', '1850-01-01', '12/03/1958', '1958-3-12']) {
      const refusal = await expectRefusal(identify(patient, consultId, { birthDate }), 'invalid-argument', 'invalid_input');
      expect(refusal.message, birthDate).toMatch(/birthDate/);
    }
    // A name too short to be one.
    await expectRefusal(identify(patient, consultId, { fullName: 'Jo' }), 'invalid-argument', 'invalid_input');
    expect((await readConsult(consultId)).patientIdentity ?? null).toBeNull();
  });

  it('refuses once the clinician has confirmed the identity, leaving the confirmed values as they are', async () => {
    const { doctor, patient, consultId } = await admittedConsult();
    await identify(patient, consultId);
    await confirm(doctor, consultId, DOCUMENT);
    const confirmed = (await readConsult(consultId)).patientIdentity;
    const refusal = await expectRefusal(identify(patient, consultId, { fullName: 'Outra Pessoa' }), 'failed-precondition', 'identity_confirmed');
    expect(refusal.message.length).toBeGreaterThan(10);
    expect((await readConsult(consultId)).patientIdentity).toEqual(confirmed);
  });
});

// ── confirmIdentity ──────────────────────────────────────────────────────────────────────

describe('confirmIdentity', () => {
  it('refuses before the patient is admitted, with or without a correction', async () => {
    const doctor = await clinician();
    const scheduled = await schedule(doctor);
    await expectRefusal(confirm(doctor, scheduled.consultId, null, CORRECTED), 'failed-precondition', 'illegal_transition');

    const { doctor: other, patient, consultId } = await waitingConsult();
    await identify(patient, consultId);
    await expectRefusal(confirm(other, consultId, DOCUMENT), 'failed-precondition', 'illegal_transition');
    await expectRefusal(confirm(other, consultId, null, CORRECTED), 'failed-precondition', 'illegal_transition');
    expect((await readConsult(consultId)).patientIdentity).toMatchObject({ confirmedAt: null, document: null, statedBy: 'patient' });
  });

  it('confirms what the patient gave once admitted, notes the document seen, and audits it without the values', async () => {
    const { doctor, patient, consultId } = await admittedConsult();
    await identify(patient, consultId);
    const given = (await readConsult(consultId)).patientIdentity!;

    const result = await confirm(doctor, consultId, `  ${DOCUMENT} `);
    expect(result.consultId).toBe(consultId);
    const identity = (await readConsult(consultId)).patientIdentity!;
    expect(identity).toMatchObject({
      fullName: GIVEN.fullName,
      birthDate: GIVEN.birthDate,
      cpf: GIVEN_CPF_DIGITS,
      statedBy: 'patient',
      document: DOCUMENT,
    });
    expect((identity.statedAt as Timestamp).toMillis()).toBe((given.statedAt as Timestamp).toMillis());
    expect((identity.confirmedAt as Timestamp).toDate().toISOString()).toBe(result.confirmedAt);

    const last = (await auditOf(consultId)).at(-1)!;
    expect(last).toMatchObject({
      action: 'patient.identity_confirmed',
      actorUid: doctor.uid,
      actorRole: 'clinician',
      context: { withDocument: true, withCpf: true, again: false },
    });

    // Confirming again (a later look) is recorded as such; no document this time.
    await confirm(doctor, consultId, null);
    expect((await readConsult(consultId)).patientIdentity).toMatchObject({ document: null, fullName: GIVEN.fullName });
    expect((await auditOf(consultId)).at(-1)).toMatchObject({
      action: 'patient.identity_confirmed',
      context: { withDocument: false, withCpf: true, again: true },
    });
    await expectNoValuesInAudit(consultId);
    expect((await chainHolds(consultId)).ok).toBe(true);
  });

  it('replaces the patient’s values with a correction, stated by the clinician', async () => {
    const { doctor, patient, consultId } = await admittedConsult();
    await identify(patient, consultId);
    const result = await confirm(doctor, consultId, DOCUMENT, CORRECTED);
    const identity = (await readConsult(consultId)).patientIdentity!;
    expect(identity).toMatchObject({
      fullName: CORRECTED.fullName,
      birthDate: CORRECTED.birthDate,
      cpf: '11144477735',
      statedBy: 'clinician',
      document: DOCUMENT,
    });
    expect((identity.confirmedAt as Timestamp).toDate().toISOString()).toBe(result.confirmedAt);
    expect((identity.statedAt as Timestamp).toMillis()).toBe((identity.confirmedAt as Timestamp).toMillis());
    expect((await auditOf(consultId)).at(-1)).toMatchObject({
      action: 'patient.identity_corrected',
      actorUid: doctor.uid,
      context: { withDocument: true, withCpf: true, again: false },
    });
    await expectNoValuesInAudit(consultId);
  });

  it('confirms after the consult has ended, for a record completed later', async () => {
    const { doctor, patient, consultId } = await admittedConsult();
    await identify(patient, consultId);
    await end(doctor, consultId);
    await confirm(doctor, consultId, null);
    expect((await readConsult(consultId)).patientIdentity?.confirmedAt).not.toBeNull();
  });

  it('refuses identity_missing when the patient gave nothing and no correction comes; a correction alone enters it, CPF optional', async () => {
    const { doctor, consultId } = await admittedConsult();
    await expectRefusal(confirm(doctor, consultId, DOCUMENT), 'failed-precondition', 'identity_missing');
    expect((await readConsult(consultId)).patientIdentity ?? null).toBeNull();

    await confirm(doctor, consultId, null, { ...CORRECTED, cpf: null });
    expect((await readConsult(consultId)).patientIdentity).toMatchObject({ fullName: CORRECTED.fullName, cpf: null, statedBy: 'clinician', document: null });
    expect((await auditOf(consultId)).at(-1)).toMatchObject({
      action: 'patient.identity_corrected',
      context: { withDocument: false, withCpf: false, again: false },
    });
  });

  it('refuses a correction that is not a possible identity', async () => {
    const { doctor, consultId } = await admittedConsult();
    await expectRefusal(confirm(doctor, consultId, null, { ...CORRECTED, birthDate: dateInDays(2) }), 'invalid-argument', 'invalid_input');
    await expectRefusal(confirm(doctor, consultId, null, { ...CORRECTED, cpf: '111.444.777-36' }), 'invalid-argument', 'invalid_input');
    await expectRefusal(confirm(doctor, consultId, 'x'.repeat(81), CORRECTED), 'invalid-argument', 'invalid_input');
    expect((await readConsult(consultId)).patientIdentity ?? null).toBeNull();
  });

  it('refuses another clinician, an administrator who is not its clinician, and the patient', async () => {
    const { patient, consultId } = await admittedConsult();
    await identify(patient, consultId);
    await expectRefusal(confirm(await clinician(), consultId, DOCUMENT), 'permission-denied', 'not_owner');
    await expectRefusal(confirm(await signedInAs('admin'), consultId, DOCUMENT, CORRECTED), 'permission-denied', 'not_owner');
    await expectRefusal(confirm(patient, consultId, DOCUMENT), 'permission-denied', 'not_clinician');
    expect((await readConsult(consultId)).patientIdentity).toMatchObject({ confirmedAt: null, document: null, statedBy: 'patient' });
  });
});

// ── saveRecord ───────────────────────────────────────────────────────────────────────────

describe('saveRecord', () => {
  const NOTE_1 = 'Úlcera venosa em maléolo medial E, 3 x 2 cm, leito com granulação.';
  const NOTE_2 = `${NOTE_1}\nBordas regulares, sem sinais de infecção. Mantida terapia compressiva.`;

  it('saves a draft and saves the next draft over it, auditing each with the hash and length of the text, never the text', async () => {
    const { doctor, consultId } = await admittedConsult();
    await expect(save(doctor, consultId, NOTE_1, 'draft')).resolves.toEqual({ consultId, signed: false, hash: sha256(NOTE_1), addenda: 0 });
    const first = await readRecord(consultId);
    expect(first).toMatchObject({ note: NOTE_1, noteHash: sha256(NOTE_1), signedAt: null, signedBy: null, addenda: [] });

    await expect(save(doctor, consultId, NOTE_2, 'draft')).resolves.toEqual({ consultId, signed: false, hash: sha256(NOTE_2), addenda: 0 });
    const second = (await readRecord(consultId))!;
    expect(second).toMatchObject({ note: NOTE_2, noteHash: sha256(NOTE_2), signedAt: null, addenda: [] });
    expect(second.savedAt.toMillis()).toBeGreaterThanOrEqual(first!.savedAt.toMillis());

    const saved = (await auditOf(consultId)).filter((e) => e.action === 'record.saved');
    expect(saved.map((e) => e.context)).toMatchObject([
      { hash: sha256(NOTE_1), chars: NOTE_1.length },
      { hash: sha256(NOTE_2), chars: NOTE_2.length },
    ]);
    expect(saved.every((e) => e.actorUid === doctor.uid)).toBe(true);
    const serialized = JSON.stringify(await auditOf(consultId));
    expect(serialized).not.toContain('maléolo');
    expect(serialized).not.toContain('granulação');
    expect((await chainHolds(consultId)).ok).toBe(true);
  });

  it('hashes the text as stored: line breaks made \\n and the ends trimmed', async () => {
    const { doctor, consultId } = await admittedConsult();
    const typed = '  Curativo trocado.\r\nSem exsudato.\rRetorno em 7 dias.  \n';
    const stored = 'Curativo trocado.\nSem exsudato.\nRetorno em 7 dias.';
    await expect(save(doctor, consultId, typed, 'draft')).resolves.toMatchObject({ hash: sha256(stored) });
    expect(await readRecord(consultId)).toMatchObject({ note: stored, noteHash: sha256(stored) });
  });

  it('signing freezes the note: a later draft or sign is refused and the record stays byte for byte', async () => {
    const { doctor, consultId } = await admittedConsult();
    await save(doctor, consultId, NOTE_1, 'draft');
    await expect(save(doctor, consultId, NOTE_2, 'sign')).resolves.toEqual({ consultId, signed: true, hash: sha256(NOTE_2), addenda: 0 });
    const signed = (await readRecord(consultId))!;
    expect(signed).toMatchObject({ note: NOTE_2, noteHash: sha256(NOTE_2), signedBy: doctor.uid, addenda: [] });
    expect(signed.signedAt!.toMillis()).toBe(signed.savedAt.toMillis());
    expect((await auditOf(consultId)).at(-1)).toMatchObject({ action: 'record.signed', actorUid: doctor.uid, context: { hash: sha256(NOTE_2), chars: NOTE_2.length } });

    const before = await storedRecord(consultId);
    const head = (await readConsult(consultId)).auditHead;
    await expectRefusal(save(doctor, consultId, 'Outra versão da nota.', 'draft'), 'failed-precondition', 'record_signed');
    await expectRefusal(save(doctor, consultId, 'Outra versão da nota.', 'sign'), 'failed-precondition', 'record_signed');
    await expectRefusal(save(doctor, consultId, NOTE_2, 'sign'), 'failed-precondition', 'record_signed');
    expect(await storedRecord(consultId)).toEqual(before);
    expect((await readConsult(consultId)).auditHead).toEqual(head);
  });

  it('refuses an addendum before the note is signed, with no note or with a draft', async () => {
    const { doctor, consultId } = await admittedConsult();
    await expectRefusal(save(doctor, consultId, 'Adendo.', 'addendum'), 'failed-precondition', 'record_unsigned');
    expect((await recordRef(consultId).get()).exists).toBe(false);
    await save(doctor, consultId, NOTE_1, 'draft');
    const before = await storedRecord(consultId);
    await expectRefusal(save(doctor, consultId, 'Adendo.', 'addendum'), 'failed-precondition', 'record_unsigned');
    expect(await storedRecord(consultId)).toEqual(before);
  });

  it('appends addenda in order after signing, each with the sha256 of its text, and the audit entries carry the same hashes', async () => {
    const { doctor, consultId } = await admittedConsult();
    await save(doctor, consultId, NOTE_1, 'sign');
    // Written after the call ended, as a late result comes in.
    await end(doctor, consultId);
    const texts = ['Cultura do leito: negativa.', 'Paciente relatou dor 2/10 por telefone.', 'Encaminhada à angiologia.'];
    for (const [i, text] of texts.entries()) {
      await expect(save(doctor, consultId, text, 'addendum')).resolves.toEqual({ consultId, signed: true, hash: sha256(text), addenda: i + 1 });
    }
    const record = (await readRecord(consultId))!;
    expect(record.note).toBe(NOTE_1);
    expect(record.noteHash).toBe(sha256(NOTE_1));
    expect(record.addenda.map(({ text, hash, by }) => ({ text, hash, by }))).toEqual(texts.map((text) => ({ text, hash: sha256(text), by: doctor.uid })));
    const times = record.addenda.map((a) => a.at.toMillis());
    expect(times).toEqual([...times].sort((a, b) => a - b));

    const entries = await auditOf(consultId);
    expect(entries.find((e) => e.action === 'record.signed')!.context).toMatchObject({ hash: record.noteHash, chars: NOTE_1.length });
    expect(entries.filter((e) => e.action === 'record.addendum').map((e) => e.context)).toMatchObject(
      record.addenda.map((a, i) => ({ hash: a.hash, chars: a.text.length, addendum: i + 1 })),
    );
    expect(JSON.stringify(entries)).not.toContain('angiologia');
    expect((await chainHolds(consultId)).ok).toBe(true);
  });

  it('refuses before the patient is admitted, writing no record', async () => {
    const doctor = await clinician();
    const scheduled = await schedule(doctor);
    await expectRefusal(save(doctor, scheduled.consultId, NOTE_1, 'draft'), 'failed-precondition', 'illegal_transition');
    const waiting = await waitingConsult();
    await expectRefusal(save(waiting.doctor, waiting.consultId, NOTE_1, 'sign'), 'failed-precondition', 'illegal_transition');
    for (const id of [scheduled.consultId, waiting.consultId]) expect((await recordRef(id).get()).exists).toBe(false);
  });

  it('refuses another clinician, an administrator who is not its clinician, and the patient', async () => {
    const { doctor, patient, consultId } = await admittedConsult();
    await expectRefusal(save(await clinician(), consultId, NOTE_1, 'draft'), 'permission-denied', 'not_owner');
    await expectRefusal(save(await signedInAs('admin'), consultId, NOTE_1, 'draft'), 'permission-denied', 'not_owner');
    await expectRefusal(save(patient, consultId, NOTE_1, 'draft'), 'permission-denied', 'not_clinician');
    expect((await recordRef(consultId).get()).exists).toBe(false);
    // Nor once the note is signed.
    await save(doctor, consultId, NOTE_1, 'sign');
    const before = await storedRecord(consultId);
    await expectRefusal(save(await clinician(), consultId, 'Adendo alheio.', 'addendum'), 'permission-denied', 'not_owner');
    await expectRefusal(save(patient, consultId, 'Adendo da paciente.', 'addendum'), 'permission-denied', 'not_clinician');
    expect(await storedRecord(consultId)).toEqual(before);
  });

  it('refuses to sign an empty note or add an empty addendum, and text over the limits (invalid-argument)', async () => {
    const { doctor, consultId } = await admittedConsult();
    await expectRefusal(save(doctor, consultId, '', 'sign'), 'invalid-argument', 'invalid_input');
    await expectRefusal(save(doctor, consultId, ' \n\t ', 'sign'), 'invalid-argument', 'invalid_input');
    await expectRefusal(save(doctor, consultId, 'x'.repeat(RECORD_LIMITS.noteMax + 1), 'draft'), 'invalid-argument', 'invalid_input');
    await expectRefusal(save(doctor, consultId, `Nota${'\u0007'}`, 'draft'), 'invalid-argument', 'invalid_input');
    await expectRefusal(save(doctor, consultId, NOTE_1, 'final' as unknown as SaveRecordRequest['mode']), 'invalid-argument', 'invalid_input');
    expect((await recordRef(consultId).get()).exists).toBe(false);

    await save(doctor, consultId, NOTE_1, 'sign');
    const before = await storedRecord(consultId);
    await expectRefusal(save(doctor, consultId, '   ', 'addendum'), 'invalid-argument', 'invalid_input');
    await expectRefusal(save(doctor, consultId, 'x'.repeat(RECORD_LIMITS.addendumMax + 1), 'addendum'), 'invalid-argument', 'invalid_input');
    expect(await storedRecord(consultId)).toEqual(before);
  });

  it(`takes ${RECORD_LIMITS.addendaMax} addenda and refuses the next with resource-exhausted (record_full)`, async () => {
    const { doctor, consultId } = await admittedConsult();
    await save(doctor, consultId, NOTE_1, 'sign');
    for (let n = 1; n <= RECORD_LIMITS.addendaMax; n++) {
      const result = await save(doctor, consultId, `Adendo ${n}.`, 'addendum');
      expect(result.addenda).toBe(n);
    }
    const before = await storedRecord(consultId);
    await expectRefusal(save(doctor, consultId, 'Adendo a mais.', 'addendum'), 'resource-exhausted', 'record_full');
    expect(await storedRecord(consultId)).toEqual(before);
    const record = (await readRecord(consultId))!;
    expect(record.addenda.map((a) => a.text)).toEqual(Array.from({ length: RECORD_LIMITS.addendaMax }, (_, i) => `Adendo ${i + 1}.`));
  }, 120_000);
});

// ── scheduleConsult and the professional registration ────────────────────────────────────

describe('scheduleConsult and the clinician’s registration', () => {
  it('refuses a clinician account without a professional registration (failed-precondition professional_unregistered), creating nothing', async () => {
    const unregistered = await clinicianRegisteredAs(null);
    const refusal = await expectRefusal(schedule(unregistered), 'failed-precondition', 'professional_unregistered');
    expect(refusal.message).toMatch(/registration/);
    const count = await adminDb().collection('consults').where('clinicianUid', '==', unregistered.uid).count().get();
    expect(count.data().count).toBe(0);
  });

  it('refuses an account whose registration claim is malformed', async () => {
    const malformed = await clinicianRegisteredAs({ name: 'Ana', council: 'XYZ', number: '12', uf: 'SP' } as unknown as Professional);
    await expectRefusal(schedule(malformed), 'failed-precondition', 'professional_unregistered');
  });

  it('copies the account’s registration to the consult as its clinician', async () => {
    const registration: Professional = { name: 'Dr. João Lima', council: 'CRM', number: '98765', uf: 'RJ' };
    const doctor = await clinicianRegisteredAs(registration);
    const { consultId } = await schedule(doctor);
    expect((await readConsult(consultId)).clinician).toEqual(registration);

    const usual = await clinician();
    const other = await schedule(usual);
    expect((await readConsult(other.consultId)).clinician).toEqual(TEST_PROFESSIONAL);
  });
});
