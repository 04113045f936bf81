import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
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

  describe('with the functions\' logs', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'tc-report-logs-'));
    const line = (fn: string, outcome: string, ms: number, extra: Record<string, unknown> = {}) => ({ fn, outcome, ms, ...extra, severity: outcome === 'ok' ? 'INFO' : 'WARNING', message: `${fn} ${outcome}` });
    // redeemInvite answered in 10, 20, … 200 ms (one refusal among them); one failed on our side; health ok 3 times of 4.
    const lines = [
      ...Array.from({ length: 20 }, (_, i) => line('redeemInvite', i === 4 ? 'rejected' : 'ok', (i + 1) * 10)),
      line('redeemInvite', 'error', 5000),
      line('health', 'ok', 20), line('health', 'ok', 22), line('health', 'degraded', 2100), line('health', 'ok', 19),
    ];

    it('adds each function\'s calls, refusals, errors, median and p95 latency and the availability, from a Cloud Logging export', async () => {
      const now = new Date().toISOString();
      const old = new Date(Date.now() - 20 * DAY).toISOString();
      const file = path.join(dir, 'export.json');
      const entries = [
        ...lines.map((l) => ({ timestamp: now, severity: l.severity, jsonPayload: { ...l, severity: undefined }, resource: { type: 'cloud_run_revision', labels: {} } })),
        // Outside --days 7, and a line that is not one of ours.
        { timestamp: old, severity: 'INFO', jsonPayload: line('redeemInvite', 'ok', 99_999), resource: { type: 'cloud_run_revision', labels: {} } },
        { timestamp: now, severity: 'INFO', textPayload: 'Default STARTUP TCP probe succeeded', resource: { type: 'cloud_run_revision', labels: {} } },
      ];
      writeFileSync(file, JSON.stringify(entries));
      const { stdout } = await report(projectId, '--days', '7', '--json', '--no-chart', '--logs', file);
      const r = JSON.parse(stdout);
      expect(r.functions.functions).toEqual([
        { fn: 'health', calls: 4, ok: 3, rejected: 0, errors: 0, p50Ms: 21, p95Ms: 2100 },
        { fn: 'redeemInvite', calls: 21, ok: 19, rejected: 1, errors: 1, p50Ms: 105, p95Ms: 190 },
      ]);
      expect(r.functions.availability).toEqual({ checks: 4, ok: 3, ratio: 0.75 });
      const text = (await report(projectId, '--days', '7', '--no-chart', '--logs', file)).stdout;
      expect(text).toMatch(/redeemInvite\s+21\s+19\s+1\s+1\s+105 ms\s+190 ms/);
      expect(text).toContain('availability        75.00 %  (3 of 4 health checks ok)');
    });

    it('reads the emulators\' own log the same way', async () => {
      const file = path.join(dir, 'emulators.log');
      writeFileSync(file, ['i  functions: Beginning execution of "redeemInvite"', ...lines.map((l) => `\u001b[90m> \u001b[39m ${JSON.stringify(l)}`), 'i  functions: Finished'].join('\n'));
      const r = JSON.parse((await report(projectId, '--json', '--no-chart', '--logs', file)).stdout);
      expect(r.functions.functions.map((f: { fn: string; p95Ms: number }) => [f.fn, f.p95Ms])).toEqual([['health', 2100], ['redeemInvite', 190]]);
      // And this run's: the suite's functions answered, each with a latency.
      const suite = process.env.TC_EMULATOR_LOG;
      if (!suite) throw new Error('TC_EMULATOR_LOG is not set: run through `npm test`.');
      const live = JSON.parse((await report(projectId, '--json', '--no-chart', '--logs', suite)).stdout);
      const schedule = live.functions.functions.find((f: { fn: string }) => f.fn === 'scheduleConsult');
      expect(schedule?.calls).toBeGreaterThan(0);
      expect(schedule?.p50Ms).toBeGreaterThan(0);
    });

    it('says plainly when a log file is missing or holds none of our lines', async () => {
      await expect(report(projectId, '--logs', path.join(dir, 'nope.json'))).rejects.toMatchObject({ code: 1, stderr: expect.stringContaining('it does not exist') });
      const empty = path.join(dir, 'other.log');
      writeFileSync(empty, 'nothing of ours here\n');
      await expect(report(projectId, '--logs', empty)).rejects.toMatchObject({ code: 1, stderr: expect.stringContaining('holds no function log lines') });
    });
  });

  it('rejects a bad --days with exit code 2 and a sentence', async () => {
    await expect(report(projectId, '--days', 'lots')).rejects.toMatchObject({ code: 2, stderr: expect.stringContaining('--days must be a whole number') });
  });
});
