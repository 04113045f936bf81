// scripts/audit-verify.mjs run as a child process on chains the real callables wrote.
import { execFile } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Timestamp } from 'firebase-admin/firestore';
import { afterAll, describe, expect, it } from 'vitest';
import { adminDb, createUser } from '../support/admin';
import { clientSession, signInAnonymousPatient, signInWithPassword, type ClientSession } from '../support/emulators';
import { CONSENT_VERSIONS } from '../../functions/src/consent/versions';
import { shownConsentHash } from '../support/consentText';
import { NO_HEAD, appendAudit, type AuditHead } from '../../functions/src/audit/append';

const ROOT = path.resolve(__dirname, '../..');

function verify(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [path.join(ROOT, 'scripts/audit-verify.mjs'), ...args], { cwd: ROOT, env: process.env, timeout: 60_000 }, (error, stdout, stderr) => {
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr });
    });
  });
}

const sessions: ClientSession[] = [];
const tmp = mkdtempSync(path.join(os.tmpdir(), 'audit-verify-'));
afterAll(async () => {
  await Promise.all(sessions.map((s) => s.close()));
  rmSync(tmp, { recursive: true, force: true });
});

const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

/** A photo and a recording as the clinician's device keeps them: random bytes stand in for both. */
function mediaFiles() {
  const photo = randomBytes(48_213);
  const video = randomBytes(300_001);
  const photoPath = path.join(tmp, `ferida-${photo.subarray(0, 4).toString('hex')}.jpg`);
  const videoPath = path.join(tmp, `consulta-${video.subarray(0, 4).toString('hex')}.webm`);
  writeFileSync(photoPath, photo);
  writeFileSync(videoPath, video);
  return { photo, video, photoPath, videoPath };
}

/**
 * A consult whose chain recorded those two files, entry by entry as photoEvent and setRecording
 * append them (the callables' own tests cover how they get there).
 */
async function consultWithMedia(photo: Buffer, video: Buffer): Promise<string> {
  const db = adminDb();
  const ref = db.collection('consults').doc();
  const now = Timestamp.now();
  await ref.set({
    clinicianUid: 'clinician-audit', patientUid: 'patient-audit', patientLabel: 'Paciente fotos', scheduledFor: now, durationMinutes: 20,
    status: 'ended', patientProgress: 'consented', createdAt: now, updatedAt: now, admittedAt: now, endedAt: now, endReason: 'clinician', auditHead: NO_HEAD,
  });
  const actor = { uid: 'clinician-audit', role: 'clinician' } as const;
  const atMs = Date.parse('2026-12-02T13:20:00Z');
  await db.runTransaction(async (tx) => {
    let head: AuditHead = NO_HEAD;
    head = appendAudit(db, tx, head, { consultId: ref.id, action: 'photo.requested', actor, atMs, details: { photoId: 'photo-0123456789', site: 'Calcanhar esquerdo' } });
    head = appendAudit(db, tx, head, {
      consultId: ref.id, action: 'photo.received', actor, atMs: atMs + 20_000,
      details: { photoId: 'photo-0123456789', site: 'Calcanhar esquerdo', requested: true, sha256: sha256(photo), bytes: photo.length, width: 1920, height: 1440 },
    });
    head = appendAudit(db, tx, head, {
      consultId: ref.id, action: 'recording.stopped', actor, atMs: atMs + 300_000,
      details: { recordingId: 'rec-0123456789', reason: 'clinician', sha256: sha256(video), bytes: video.length, durationMs: 305_000, mimeType: 'video/webm;codecs=vp8,opus' },
    });
    tx.update(ref, { auditHead: head });
  });
  return ref.id;
}

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

  it('accepts a photo and a recording whose hash and size the chain recorded, saying which entry', async () => {
    const { photo, video, photoPath, videoPath } = mediaFiles();
    const consultId = await consultWithMedia(photo, video);
    const photoRun = await verify(consultId, '--file', photoPath);
    expect(photoRun.code, photoRun.stderr).toBe(0);
    expect(photoRun.stdout).toContain('chain OK: 3 entries');
    expect(photoRun.stdout).toContain(`file MATCHES: ${photoPath} (sha256 ${sha256(photo)}) is the photo.received at seq 2, 2026-12-02T13:20:20.000Z`);
    expect(photoRun.stdout).toContain(`"Calcanhar esquerdo", ${photo.length} bytes, 1920×1440 px`);

    const videoRun = await verify(consultId, '--file', videoPath);
    expect(videoRun.code, videoRun.stderr).toBe(0);
    expect(videoRun.stdout).toMatch(/is the recording\.stopped at seq 3, .*: recording, 300001 bytes, 305 s \(305000 ms\), video\/webm;codecs=vp8,opus/);
  });

  it('rejects the same photo with one byte changed, printing its sha256, and a photo of another consult', async () => {
    const { photo, video, photoPath } = mediaFiles();
    const consultId = await consultWithMedia(photo, video);
    const altered = Buffer.from(photo);
    altered[1000] = altered[1000]! ^ 0x01;
    const alteredPath = path.join(tmp, 'alterada.jpg');
    writeFileSync(alteredPath, altered);
    const run = await verify(consultId, '--file', alteredPath);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(`file NOT RECORDED: ${alteredPath} (sha256 ${sha256(altered)}, ${altered.length} bytes) is not a photo or recording recorded in consult ${consultId}'s chain`);

    const other = mediaFiles();
    const otherConsult = await consultWithMedia(other.photo, other.video);
    const elsewhere = await verify(otherConsult, '--file', photoPath);
    expect(elsewhere.code).toBe(1);
    expect(elsewhere.stderr).toContain('file NOT RECORDED');
  });

  it('says plainly when the file is missing (exit 1), and refuses --file without a consult (exit 2)', async () => {
    const { photo, video } = mediaFiles();
    const consultId = await consultWithMedia(photo, video);
    const missing = path.join(tmp, 'nao-existe.jpg');
    const run = await verify(consultId, '--file', missing);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(`Cannot read ${missing}: no such file.`);
    const directory = await verify(consultId, '--file', tmp);
    expect(directory.code).toBe(1);
    expect(directory.stderr).toContain('it is not a file');
    const usage = await verify('--system', '--file', missing);
    expect(usage.code).toBe(2);
  });

  it('verifies the system chain with --system', async () => {
    const run = await verify('--system');
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/^chain OK: \d+ entries, head [0-9a-f]{64} \(system chain\)$/m);
  });
});
