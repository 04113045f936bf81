import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import type { Firestore } from 'firebase-admin/firestore';
import { beforeAll, describe, expect, it } from 'vitest';
import { isolatedProject } from './isolated';
import { DAY, HOUR, seedAudit, seedConsult, seedStats } from './seed';

const ROOT = path.resolve(__dirname, '../..');
const run = promisify(execFile);

async function report(projectId: string, ...args: string[]) {
  return run(process.execPath, ['scripts/report.mjs', '--project', projectId, ...args], { cwd: ROOT, env: process.env });
}

describe('npm run report on the emulators', () => {
  let db: Firestore;
  let projectId: string;
  const now = Date.now();

  async function admitted(daysAgo: number, sides: Array<Record<string, unknown>>) {
    const at = now - daysAgo * DAY;
    const id = await seedConsult(db, { status: 'ended', scheduledForMs: at });
    await seedAudit(db, id, 'patient.admitted', at, { uid: 'clinician-1', role: 'clinician' });
    for (const [i, side] of sides.entries()) await seedStats(db, id, i === 0 ? 'clinician-1' : 'patient-1', at + HOUR, side);
    return id;
  }

  beforeAll(async () => {
    ({ db, projectId } = isolatedProject('report'));
    // Within the last 7 days: 5 admitted consults, 4 connected (one through TURN), one never connected.
    await admitted(1, [{ connectMs: 300, candidateType: 'host', rttMs: 8, packetLossPct: 0 }, { connectMs: 320, candidateType: 'host', rttMs: 9, packetLossPct: 0 }]);
    await admitted(1, [{ connectMs: 500, candidateType: 'srflx', rttMs: 30, packetLossPct: 0.5 }]);
    await admitted(2, [{ connectMs: 1200, candidateType: 'relay', rttMs: 150, packetLossPct: 4 }, { connectMs: 1100, candidateType: 'relay', rttMs: 140, packetLossPct: 2 }]);
    await admitted(3, [{ connectMs: 400, candidateType: 'host', rttMs: 12, packetLossPct: 1 }]);
    await admitted(3, [{ connectMs: null, candidateType: null, rttMs: null, packetLossPct: null }]);
    // Scheduled but never admitted: not part of the success rate.
    await seedConsult(db, { status: 'cancelled', scheduledForMs: now - DAY });
    // Admitted 20 days ago: outside --days 7.
    await admitted(20, [{ connectMs: 9000, candidateType: 'relay', rttMs: 900, packetLossPct: 30 }]);
  });

  it('prints the known figures as JSON with --json', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'tc-report-'));
    const { stdout, stderr } = await report(projectId, '--days', '7', '--json', '--chart', path.join(dir, 'q.svg'));
    const r = JSON.parse(stdout);
    expect(r.consults).toEqual({ admitted: 5, connected: 4, successRate: 0.8 });
    // Setup per consult is its slower side: 320, 500, 1200, 400.
    expect(r.setupMs).toEqual({ median: 450, p95: 1200, n: 4 });
    expect(r.relayedShare).toBe(0.25);
    expect(r.rttMs).toEqual({ p95: 150, n: 6 });
    expect(r.packetLossPct).toEqual({ p95: 4, n: 6 });
    expect(r.daily.reduce((sum: number, d: { admitted: number }) => sum + d.admitted, 0)).toBe(5);
    expect(r.source).toContain(projectId);
    expect(stderr).toContain(`Chart written to ${path.join(dir, 'q.svg')}`);
    const svg = readFileSync(path.join(dir, 'q.svg'), 'utf8');
    expect(svg).toContain('<svg');
    expect(svg.match(/class="success"/g)!.length).toBeGreaterThanOrEqual(2);
  });

  it('counts the older consult when the window reaches back to it', async () => {
    const { stdout } = await report(projectId, '--days', '30', '--json', '--no-chart');
    expect(JSON.parse(stdout).consults).toEqual({ admitted: 6, connected: 5, successRate: 0.8333 });
  });

  it('prints a readable summary by default', async () => {
    const { stdout } = await report(projectId, '--days', '7', '--no-chart');
    expect(stdout).toContain('connection success   80.0 %  (4 of 5 admitted consults connected)');
    expect(stdout).toContain('time to connect      median 450 ms, p95 1200 ms');
    expect(stdout).toContain('relayed calls        25.0 %');
  });

  it('rejects a bad --days with exit code 2 and a sentence', async () => {
    await expect(report(projectId, '--days', 'lots')).rejects.toMatchObject({ code: 2, stderr: expect.stringContaining('--days must be a whole number') });
  });
});
