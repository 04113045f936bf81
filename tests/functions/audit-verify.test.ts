// scripts/audit-verify.mjs run as a child process on chains the real callables wrote.
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Timestamp } from 'firebase-admin/firestore';
import { afterAll, describe, expect, it } from 'vitest';
import { adminDb, createUser } from '../support/admin';
import { clientSession, signInAnonymousPatient, signInWithPassword, type ClientSession } from '../support/emulators';
import { CONSENT_VERSIONS } from '../../functions/src/consent/versions';
import { shownConsentHash } from '../support/consentText';

const ROOT = path.resolve(__dirname, '../..');

function verify(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [path.join(ROOT, 'scripts/audit-verify.mjs'), ...args], { cwd: ROOT, env: process.env, timeout: 60_000 }, (error, stdout, stderr) => {
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr });
    });
  });
}

const sessions: ClientSession[] = [];
afterAll(async () => {
  await Promise.all(sessions.map((s) => s.close()));
});

const hashOf = (kind: 'patient' | 'clinician') => shownConsentHash(kind);

/** A consult whose chain has three entries: both consents, then the patient's withdrawal. */
async function consultWithChain(): Promise<string> {
  const user = await createUser('clinician', 'audit');
  const clinician = clientSession();
  const patient = clientSession();
  sessions.push(clinician, patient);
  const clinicianUid = await signInWithPassword(clinician, user.email, user.password);
  const patientUid = await signInAnonymousPatient(patient);
  const ref = adminDb().collection('consults').doc();
  const now = Timestamp.now();
  await ref.set({
    clinicianUid, patientUid, patientLabel: 'Paciente auditoria', scheduledFor: now, durationMinutes: 20,
    status: 'scheduled', patientProgress: 'link_opened', createdAt: now, updatedAt: now, admittedAt: null,
    endedAt: null, endReason: null, auditHead: { seq: 0, hash: '0'.repeat(64) },
  });
  const consent = async (kind: 'patient' | 'clinician') => ({ consultId: ref.id, version: CONSENT_VERSIONS[kind], locale: 'pt-BR', textHash: await hashOf(kind), recording: false });
  await patient.call('recordConsent', await consent('patient'));
  await clinician.call('recordConsent', await consent('clinician'));
  await patient.call('withdrawConsent', { consultId: ref.id });
  return ref.id;
}

async function entries(consultId: string) {
  const snap = await adminDb().collection('audit').where('consultId', '==', consultId).get();
  return snap.docs.sort((a, b) => a.data().seq - b.data().seq);
}

// Generous: the first call of each function starts a cold worker, slow on a loaded machine.
describe('audit:verify', { timeout: 180_000 }, () => {
  it("reports an intact consult chain with its length and the consult's head", async () => {
    const consultId = await consultWithChain();
    const head = (await adminDb().doc(`consults/${consultId}`).get()).data()!.auditHead;
    const run = await verify(consultId);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain(`chain OK: 3 entries, head ${head.hash}`);
  });

  it('names the seq and event id of an entry altered after the fact, and exits 1', async () => {
    const consultId = await consultWithChain();
    const second = (await entries(consultId))[1]!;
    await second.ref.update({ 'context.recording': true });
    const run = await verify(consultId);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(`at seq 2, event ${second.id}`);
    expect(run.stderr).toMatch(/altered/);
  });

  it('finds an entry deleted from the middle of the chain', async () => {
    const consultId = await consultWithChain();
    const [, second, third] = await entries(consultId);
    await second!.ref.delete();
    const run = await verify(consultId);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(`at seq 3, event ${third!.id}`);
  });

  it("finds the last entry deleted, against the consult's head", async () => {
    const consultId = await consultWithChain();
    await (await entries(consultId))[2]!.ref.delete();
    const run = await verify(consultId);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/at seq 2: chain ends at 2 but the consult's head says 3/);
  });

  it('exits 1 for a consult that does not exist, and 2 for something that is not a consult id', async () => {
    const missing = adminDb().collection('consults').doc().id;
    const unknown = await verify(missing);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain(`Unknown consult ${missing}`);
    const malformed = await verify('not-a-consult');
    expect(malformed.code).toBe(2);
    expect(malformed.stderr).toMatch(/not a consult id/);
  });

  it('verifies the system chain with --system', async () => {
    const run = await verify('--system');
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/^chain OK: \d+ entries, head [0-9a-f]{64} \(system chain\)$/m);
  });
});
