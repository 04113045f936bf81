import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import type { Auth } from 'firebase-admin/auth';
import type { Firestore } from 'firebase-admin/firestore';
import { beforeAll, describe, expect, it } from 'vitest';
import { verifyChain, type ChainedFields } from '../../functions/src/audit/chain';
import type { ConsultDoc } from '../../functions/src/lib/model';
import { isolatedProject } from './isolated';
import { DAY, seedAudit, seedConsent, seedConsult, seedInvite, seedMedia, seedPeer, seedRecord, seedStats } from './seed';

const ROOT = path.resolve(__dirname, '../..');
const run = promisify(execFile);
const subject = (projectId: string, ...args: string[]) =>
  run(process.execPath, ['scripts/subject.mjs', ...args, '--project', projectId], { cwd: ROOT, env: process.env });

async function chain(db: Firestore, consultId: string | null) {
  const snap = await db.collection('audit').where('consultId', '==', consultId).get();
  return snap.docs.map((d) => d.data() as ChainedFields & { hash: string });
}

describe('data-subject requests (LGPD) through npm run subject', () => {
  let db: Firestore;
  let auth: Auth;
  let projectId: string;
  let patientUid: string;
  let consultId: string;
  let otherConsultId: string;
  const now = Date.now();

  beforeAll(async () => {
    ({ db, auth, projectId } = isolatedProject('subject'));
    patientUid = (await auth.createUser({})).uid; // an anonymous patient's account
    consultId = await seedConsult(db, { status: 'ended', scheduledForMs: now - DAY, patientUid, patientLabel: 'Ref. 2231 — curativo' });
    await seedInvite(db, consultId, now + DAY, patientUid);
    await seedConsent(db, consultId, patientUid, 'patient', now - DAY);
    await seedConsent(db, consultId, 'clinician-1', 'clinician', now - DAY);
    await db.doc(`consults/${consultId}/consents/${patientUid}-withdrawal`).set({ uid: patientUid, withdrawnAt: new Date(now - DAY + 60_000), userAgent: 'test' });
    await seedStats(db, consultId, patientUid, now - DAY);
    await seedStats(db, consultId, 'clinician-1', now - DAY);
    await seedPeer(db, consultId, patientUid); // left behind by a crashed tab
    await seedRecord(db, consultId, now - DAY);
    await seedMedia(db, consultId, 'photo-0123456789', now - DAY);
    await seedAudit(db, consultId, 'invite.redeemed', now - DAY, { uid: patientUid, role: 'patient' }, { ipPrefix: '203.0.113.0/24', userAgent: 'PatientPhone/1' });
    await seedAudit(db, consultId, 'consent.recorded', now - DAY, { uid: patientUid, role: 'patient' });
    await seedAudit(db, consultId, 'patient.admitted', now - DAY, { uid: 'clinician-1', role: 'clinician' }, { ipPrefix: '198.51.100.0/24', userAgent: 'ClinicDesk/9' });
    // Somebody else's consult: untouched by both requests.
    otherConsultId = await seedConsult(db, { status: 'ended', scheduledForMs: now - DAY, patientUid: 'another-patient' });
    await seedStats(db, otherConsultId, 'another-patient', now - DAY);
    await seedAudit(db, otherConsultId, 'consent.recorded', now - DAY, { uid: 'another-patient', role: 'patient' });
  });

  it('export writes everything held about the patient, and nothing of other patients, to a private file', async () => {
    const out = path.join(mkdtempSync(path.join(tmpdir(), 'tc-subject-')), 'export.json');
    const { stdout } = await subject(projectId, 'export', patientUid, '--out', out);
    expect(stdout).toContain(`Exported 1 consult(s), 3 audit entries and the account of ${patientUid}`);
    expect(statSync(out).mode & 0o777).toBe(0o600);
    const data = JSON.parse(readFileSync(out, 'utf8'));
    expect(data).toMatchObject({ format: 'teleconsulta.subject-export/1', patientUid, account: { uid: patientUid, anonymous: true } });
    expect(data.consults).toHaveLength(1);
    const [c] = data.consults;
    expect(c.consultId).toBe(consultId);
    expect(c.consult).toMatchObject({ patientUid, patientLabel: 'Ref. 2231 — curativo', status: 'ended' });
    expect(c.consult.scheduledFor).toMatch(/^\d{4}-\d\d-\d\dT/);
    expect(c.consent).toMatchObject({ uid: patientUid, kind: 'patient' });
    expect(c.consentWithdrawal).toMatchObject({ uid: patientUid });
    expect(c.stats).toMatchObject({ connectMs: 300 });
    expect(c.signaling).toMatchObject({ role: 'patient' });
    expect(c.invite).toEqual({ redeemedBy: patientUid, expiresAt: expect.any(String) });
    expect(c.consult.patientIdentity).toMatchObject({ fullName: 'Maria da Silva Souza', birthDate: '1958-03-12', cpf: '52998224725' });
    expect(c.clinicalRecord).toMatchObject({ note: 'Curativo trocado.', signedAt: expect.any(String), addenda: [] });
    expect(c.media).toEqual([
      { id: 'photo-0123456789', kind: 'photo', site: 'Calcanhar esquerdo', sha256: 'e'.repeat(64), bytes: 254_312, width: 1920, height: 1440, requested: true, at: expect.any(String), seq: 1, by: 'clinician-1' },
    ]);
    expect(data.auditEntries.map((e: { action: string }) => e.action)).toEqual(['invite.redeemed', 'consent.recorded', 'patient.admitted']);
    // The patient's own address prefix and browser are theirs; the clinician's are not.
    expect(data.auditEntries[0].context).toMatchObject({ ipPrefix: '203.0.113.0/24', userAgent: 'PatientPhone/1' });
    expect(data.auditEntries[2].context).toEqual({ uid: 'clinician-1', withheld: ['ipPrefix', 'userAgent'] });
    const text = readFileSync(out, 'utf8');
    expect(text).not.toContain('198.51.100');
    expect(text).not.toContain('ClinicDesk');
    expect(text).not.toContain('another-patient');
    expect(text).not.toContain('secretHash');
  });

  it('erase removes stats, signaling, the invite binding and the account, and keeps the record, consents and audit', async () => {
    const { stdout } = await subject(projectId, 'erase', patientUid, '--yes');
    expect(stdout).toContain('1 call-stats, 1 signaling and 1 invite document(s); account deleted');
    expect(stdout).toContain('Kept for the clinical-record retention (20 years, Lei 13.787/2018; LGPD art. 16 I): 1 consult record(s), ' +
      '1 patient identification(s), 1 clinical note(s), 2 consent document(s), 1 photo and recording record(s)');

    const base = `consults/${consultId}`;
    expect((await db.doc(`${base}/stats/${patientUid}`).get()).exists).toBe(false);
    expect((await db.doc(`${base}/peers/${patientUid}`).get()).exists).toBe(false);
    expect((await db.doc(`${base}/private/invite`).get()).exists).toBe(false);
    await expect(auth.getUser(patientUid)).rejects.toMatchObject({ code: 'auth/user-not-found' });

    const consult = (await db.doc(base).get()).data() as ConsultDoc;
    expect(consult).toMatchObject({ patientUid, patientLabel: 'Ref. 2231 — curativo' });
    expect((await db.doc(`${base}/consents/${patientUid}`).get()).exists).toBe(true);
    expect((await db.doc(`${base}/consents/${patientUid}-withdrawal`).get()).exists).toBe(true);
    expect((await db.doc(`${base}/stats/clinician-1`).get()).exists).toBe(true);
    expect((await db.doc(`${base}/record/note`).get()).exists).toBe(true);
    expect((await db.doc(`${base}/media/photo-0123456789`).get()).exists).toBe(true);
    expect(consult.patientIdentity).toMatchObject({ fullName: 'Maria da Silva Souza' });

    const entries = await chain(db, consultId);
    expect(verifyChain(entries, consult.auditHead)).toMatchObject({ ok: true, length: 4 });
    const erased = entries.find((e) => e.action === 'subject.erased')!;
    expect(erased).toMatchObject({ actorRole: 'system', context: { subjectUid: patientUid, statsDeleted: 1, signalingDeleted: 1, inviteDeleted: 1, via: 'subject-cli' } });

    const system = await chain(db, null);
    expect(system.map((e) => e.action)).toContain('subject.erased');
    expect(system.find((e) => e.action === 'subject.erased')!.context).toMatchObject({ subjectUid: patientUid, accountDeleted: true, consults: 1 });
  });

  it('leaves other patients’ data alone', async () => {
    expect((await db.doc(`consults/${otherConsultId}/stats/another-patient`).get()).exists).toBe(true);
    expect(await chain(db, otherConsultId)).toHaveLength(1);
  });

  it('refuses to erase a patient with an open consult, and changes nothing', async () => {
    const uid = (await auth.createUser({})).uid;
    const open = await seedConsult(db, { status: 'waiting', scheduledForMs: now + DAY, patientUid: uid });
    await seedStats(db, open, uid, now);
    await expect(subject(projectId, 'erase', uid, '--yes')).rejects.toMatchObject({
      code: 1,
      stderr: expect.stringContaining(`open consult(s) (${open}): cancel or end them first`),
    });
    expect((await db.doc(`consults/${open}/stats/${uid}`).get()).exists).toBe(true);
    expect((await auth.getUser(uid)).uid).toBe(uid);
  });

  it('asks for --yes before erasing, and rejects a malformed uid', async () => {
    await expect(subject(projectId, 'erase', patientUid)).rejects.toMatchObject({ code: 2, stderr: expect.stringContaining('add --yes') });
    await expect(subject(projectId, 'export', '../../etc/passwd')).rejects.toMatchObject({ code: 2, stderr: expect.stringContaining('is not a Firebase uid') });
  });
});
