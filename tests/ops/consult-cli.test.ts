// `npm run consult -- end`: an administrator ends any consult from the command line, run as a
// child process against the running emulators.
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { adminDb, createUser } from '../support/admin';
import { auditOf, closeSessions, inCall, readConsult, schedule, clinician } from '../functions/consults.support';

afterAll(closeSessions);

const ROOT = path.resolve(import.meta.dirname, '../..');

function consultCli(...args: string[]): Promise<{ code: number; out: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [path.join(ROOT, 'scripts/consult.mjs'), ...args], { cwd: ROOT, env: process.env, timeout: 60_000 }, (error, stdout, stderr) => {
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, out: stdout + stderr });
    });
  });
}

describe('npm run consult -- end', () => {
  it("ends another clinician's admitted consult as the administrator named, with its signaling", async () => {
    const { doctor, patient, consultId } = await inCall();
    const peers = adminDb().collection(`consults/${consultId}/peers`);
    await peers.doc(patient.uid).set({ sessionId: 's2', role: 'patient', seq: 1, description: null, candidates: [], candidatesComplete: false });
    const boss = await createUser('admin', 'admin');
    const run = await consultCli('end', consultId, '--as', boss.email);
    expect(run.out).toContain(`Ended consult ${consultId}`);
    expect(run.code).toBe(0);
    expect(await readConsult(consultId)).toMatchObject({ status: 'ended', endReason: 'admin' });
    expect((await peers.get()).size).toBe(0);
    const uid = boss.uid;
    expect((await auditOf(consultId)).at(-1)).toMatchObject({ action: 'consult.ended', actorUid: uid, actorRole: 'admin', context: { endReason: 'admin' } });
    expect(doctor.uid).not.toBe(uid);
  });

  it('refuses someone who is not an administrator, an unknown account, a closed consult and a malformed id, changing nothing', async () => {
    const { consultId } = await schedule(await clinician());
    const plain = await createUser('clinician', 'clin');
    const notAdmin = await consultCli('end', consultId, '--as', plain.email);
    expect(notAdmin).toMatchObject({ code: 1 });
    expect(notAdmin.out).toContain('is not an administrator');
    const unknown = await consultCli('end', consultId, '--as', `nobody-${randomUUID().slice(0, 8)}@test.teleconsulta.invalid`);
    expect(unknown.code).toBe(1);
    expect((await readConsult(consultId)).status).toBe('scheduled');
    const boss = await createUser('admin', 'admin');
    expect((await consultCli('end', consultId, '--as', boss.email)).code).toBe(0);
    const again = await consultCli('end', consultId, '--as', boss.email);
    expect(again.code).toBe(1);
    expect(again.out).toContain('Not ended');
    expect((await consultCli('end', 'not-an-id', '--as', boss.email)).code).toBe(2);
    expect((await consultCli('end', consultId)).code).toBe(2);
  });
});
