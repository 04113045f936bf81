// scripts/dr-drill.mjs run as a child process against the test run's Firestore emulator (its own
// project there), restoring into a fresh emulator it starts and stops itself.
import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { isolatedProject } from './isolated';
import { DAY, seedAudit, seedConsent, seedConsult, seedMedia } from './seed';

const ROOT = path.resolve(__dirname, '../..');

function drill(args: string[], env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [path.join(ROOT, 'scripts/dr-drill.mjs'), ...args], { cwd: ROOT, env: { ...process.env, ...env }, timeout: 170_000 },
      (error, stdout, stderr) => resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr }));
  });
}

const exportsLeft = () => readdirSync(os.tmpdir()).filter((name) => name.startsWith('tc-drdrill-'));
const tmp = mkdtempSync(path.join(os.tmpdir(), 'drdrill-test-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

interface DrillReport {
  ok: boolean;
  exportMs: number;
  restoreMs: number;
  documents: { before: number; after: number; sha256Before: string; sha256After: string };
  collections: Array<{ collection: string; before: number; after: number; same: boolean }>;
  lost: string[];
  changed: string[];
  chains: { verified: number; broken: string[] };
}

// A fresh emulator per drill: slow to start on a loaded machine.
describe('the restore drill', { timeout: 180_000 }, () => {
  it('restores a seeded day into a fresh emulator with every collection the same and every chain verified', async () => {
    const leftBefore = exportsLeft();
    const run = await drill(['--json']);
    expect(run.code, run.stderr).toBe(0);
    const report = JSON.parse(run.stdout) as DrillReport;
    expect(report).toMatchObject({ ok: true, lost: [], changed: [] });
    expect(report.documents.after).toBe(report.documents.before);
    expect(report.documents.sha256After).toBe(report.documents.sha256Before);
    const collections = Object.fromEntries(report.collections.map((c) => [c.collection, c]));
    for (const name of ['consults', 'audit', 'system', 'rateLimits', 'consults/{id}/private', 'consults/{id}/consents', 'consults/{id}/peers',
      'consults/{id}/stats', 'consults/{id}/record', 'consults/{id}/media']) {
      expect(collections[name], name).toMatchObject({ same: true });
      expect(collections[name]!.before, name).toBeGreaterThan(0);
      expect(collections[name]!.after, name).toBe(collections[name]!.before);
    }
    // Eight consults and the system chain.
    expect(report.chains).toEqual({ verified: 9, broken: [] });
    expect(report.exportMs).toBeGreaterThan(0);
    expect(report.restoreMs).toBeGreaterThan(0);
    expect(exportsLeft()).toEqual(leftBefore);
  });

  it('exits 1 naming the document a restore lost and the chain that no longer verifies, and cleans up all the same', async () => {
    const leftBefore = exportsLeft();
    const run = await drill(['--simulate-loss', 'audit']);
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/^audit\s+\d+\s+\d+\s+DIFFERS$/m);
    expect(run.stderr).toContain('The restore lost data:');
    expect(run.stderr).toMatch(/1 document\(s\) lost: audit\/[A-Za-z0-9]{20}/);
    expect(run.stderr).toMatch(/chain BROKEN \((consult [A-Za-z0-9]{20}|system chain)\) at seq \d+/);
    expect(exportsLeft()).toEqual(leftBefore);
  });
});

describe('dr:drill --verify-only', () => {
  it('writes a manifest of a database and finds, against it, a consent that went missing', async () => {
    const { projectId, db } = isolatedProject('drdrill-verify');
    const env = { TC_PROJECT_ID: projectId };
    const at = Date.UTC(2026, 11, 2, 13, 0, 0);
    const id = await seedConsult(db, { status: 'ended', scheduledForMs: at - DAY });
    await seedConsent(db, id, 'patient-1', 'patient', at - DAY);
    await seedAudit(db, id, 'consent.recorded', at - DAY, { uid: 'patient-1', role: 'patient' });
    await seedMedia(db, id, 'photo-0123456789', at);
    const manifest = path.join(tmp, 'manifest.json');

    const first = await drill(['--verify-only', '--manifest', manifest], env);
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout).toMatch(/^consults\/\{id\}\/consents\s+1\s+[0-9a-f]{64}$/m);
    expect(first.stdout).toContain('chains   2 verified, 0 broken');

    const same = await drill(['--verify-only', '--compare', manifest], env);
    expect(same.code, same.stderr).toBe(0);
    expect(same.stdout).toContain('lost     nothing');

    await db.doc(`consults/${id}/consents/patient-1`).delete();
    const after = await drill(['--verify-only', '--compare', manifest], env);
    expect(after.code).toBe(1);
    expect(after.stderr).toContain(`1 document(s) lost: consults/${id}/consents/patient-1`);
  });
});
