// The alert policies' log-based metrics (monitoring/) against what our functions really log.
// Each condition is brought about against the emulators (a refused link, relay credentials,
// calls that connected and one that never did), the functions' lines are read from the
// emulators' log, and each metric's filter must match exactly the lines it should. Two
// conditions cannot be caused on a suite others share (the relay going down, a function failing
// on our side): the real health function and the real callable wrapper run in this process
// against a closed port and a failing handler, and their lines are read from their output.
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { getApps, initializeApp } from 'firebase-admin/app';
import { PROJECT_ID } from '../support/emulators';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { adminDb } from '../support/admin';
import { matches, parseFilter, type LogEntry } from '../support/logFilter';
import { functionLines } from '../../scripts/lib/functionLogs.mjs';
import { anonymousPatient, clinician, closeSessions, inCall, redeem, schedule } from '../functions/consults.support';

const ROOT = path.resolve(new URL('.', import.meta.url).pathname, '../..');

interface Metric { name: string; filter: string }
interface Policy { displayName: string; conditions: Array<{ conditionThreshold: { filter: string; denominatorFilter?: string } }> }
const readAll = <T>(dir: string): T[] =>
  readdirSync(path.join(ROOT, 'monitoring', dir)).filter((f) => f.endsWith('.json')).sort()
    .map((f) => JSON.parse(readFileSync(path.join(ROOT, 'monitoring', dir, f), 'utf8')) as T);
const metrics = readAll<Metric>('metrics');
const policies = readAll<Policy>('policies');
const filterOf = (name: string) => metrics.find((m) => m.name === name)!.filter;

/** Our lines in a stretch of log text, as Cloud Logging stores them (the report reads them the same way). */
const linesIn = (text: string): LogEntry[] => functionLines(text);

function emulatorLog(): { size: () => number; since: (offset: number) => LogEntry[] } {
  const file = process.env.TC_EMULATOR_LOG;
  if (!file) throw new Error('TC_EMULATOR_LOG is not set: run through `npm test`.');
  return {
    size: () => (existsSync(file) ? statSync(file).size : 0),
    since: (offset) => linesIn(readFileSync(file).subarray(offset).toString('utf8')),
  };
}

afterAll(closeSessions);

describe('alert policies', () => {
  it('count only metrics defined here, and every filter is one our evaluator reads', () => {
    expect(metrics.length).toBeGreaterThanOrEqual(8);
    expect(policies.length).toBeGreaterThanOrEqual(7);
    const names = new Set(metrics.map((m) => m.name));
    for (const p of policies) {
      for (const c of p.conditions) {
        for (const f of [c.conditionThreshold.filter, c.conditionThreshold.denominatorFilter].filter(Boolean) as string[]) {
          expect(names, `${p.displayName}: ${f}`).toContain(/user\/([a-z0-9_]+)/.exec(f)![1]);
        }
      }
    }
    for (const m of metrics) expect(() => parseFilter(m.filter), m.name).not.toThrow();
  });

  it('match exactly the lines of the conditions they watch, brought about on the emulators', { timeout: 90_000 }, async () => {
    const log = emulatorLog();
    const start = log.size();

    // A refused link (a wrong secret), twice.
    const doctor = await clinician();
    const { consultId: guessed } = await schedule(doctor);
    const stranger = await anonymousPatient();
    for (let i = 0; i < 2; i++) await redeem(stranger, guessed, 'x'.repeat(43)).catch(() => undefined);

    // A call that connected (its stats say so) and one that never did.
    const good = await inCall({ clinician: {} });
    await good.patient.session.call('getIceServers', { consultId: good.consultId });
    await adminDb().doc(`consults/${good.consultId}/stats/${good.patient.uid}`).set({ connectMs: 640, candidateType: 'relay' }, { merge: true });
    await good.doctor.session.call('endConsult', { consultId: good.consultId });
    const stuck = await inCall({ clinician: {} });
    await stuck.doctor.session.call('endConsult', { consultId: stuck.consultId });
    // A consult ended before anyone was admitted is not a call.
    const { consultId: neverAdmitted } = await schedule(doctor);
    await doctor.session.call('cancelConsult', { consultId: neverAdmitted });

    // The emulator writes its log as the functions answer; give the last lines a moment.
    let lines: LogEntry[] = [];
    const ids = [guessed, good.consultId, stuck.consultId, neverAdmitted];
    const ours = (e: LogEntry) => ids.includes(String(e.jsonPayload['consultId']));
    for (let i = 0; i < 50; i++) {
      lines = log.since(start).filter(ours);
      if (lines.filter((e) => e.jsonPayload['fn'] === 'endConsult').length >= 2) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    const counted = (name: string) => lines.filter((e) => matches(filterOf(name), e)).map((e) => `${String(e.jsonPayload['fn'])}:${String(e.jsonPayload['consultId'])}`);

    expect(counted('tc_invite_redeem_failed')).toEqual([`redeemInvite:${guessed}`, `redeemInvite:${guessed}`]);
    expect(counted('tc_turn_mints')).toEqual([`getIceServers:${good.consultId}`]);
    expect(counted('tc_calls_ended').sort()).toEqual([`endConsult:${good.consultId}`, `endConsult:${stuck.consultId}`].sort());
    expect(counted('tc_calls_not_connected')).toEqual([`endConsult:${stuck.consultId}`]);
    // Every line is a function call; none of these failed on our side, and no health check ran here.
    expect(counted('tc_function_calls')).toHaveLength(lines.length);
    expect(lines.length).toBeGreaterThanOrEqual(12);
    for (const name of ['tc_function_errors', 'tc_health_degraded', 'tc_relay_unreachable']) expect(counted(name), name).toEqual([]);
    // The connected call's line says so, and how.
    const goodEnd = lines.find((e) => e.jsonPayload['fn'] === 'endConsult' && e.jsonPayload['consultId'] === good.consultId)!;
    expect(goodEnd.jsonPayload['figures']).toEqual({ admitted: true, connected: true, relayed: true });
  });

  it('match the health check\'s lines when the relay does not answer, and a function failing on our side', async () => {
    const written: string[] = [];
    const capture = (...args: unknown[]) => void written.push(args.map(String).join(' '));
    const spies = (['log', 'info', 'warn', 'error', 'debug'] as const).map((level) => vi.spyOn(console, level).mockImplementation(capture));
    const env = { ...process.env };
    try {
      // The real health function, its relay pointing at a port nobody listens on.
      Object.assign(process.env, {
        TURN_PROVIDER: 'coturn', TURN_URLS: 'turn:127.0.0.1:9?transport=udp', TURN_SHARED_SECRET: 'alerts-test-secret',
        TWILIO_ACCOUNT_SID: 'unused', TWILIO_API_KEY_SID: 'unused', TWILIO_API_KEY_SECRET: 'unused',
        FIREBASE_CONFIG: JSON.stringify({ projectId: PROJECT_ID }),
      });
      // The functions' own Firestore (the default app), on the emulator like every test here.
      if (!getApps().some((a) => a.name === '[DEFAULT]')) initializeApp({ projectId: PROJECT_ID });
      const { health } = await import('../../functions/src/ops/health');
      const res = { statusCode: 0, set() { return this; }, status(code: number) { this.statusCode = code; return this; }, json() { return this; } };
      await (health as unknown as (req: unknown, res: unknown) => Promise<void>)({ method: 'GET', headers: {}, get: () => undefined }, res);
      expect(res.statusCode).toBe(503);

      // The real callable wrapper around a handler that throws what no caller could have caused.
      const { callable } = await import('../../functions/src/lib/callable');
      const { zConsultRef } = await import('../../functions/src/lib/schemas');
      const failing = callable('benchNoop', zConsultRef, 'signed-in', async () => {
        throw new Error('the database went away');
      });
      const run = (failing as unknown as { run(req: unknown): Promise<unknown> }).run;
      await expect(run({ data: { consultId: 'A'.repeat(20) }, auth: { uid: 'u1', token: {} }, rawRequest: { body: { data: { consultId: 'A'.repeat(20) } }, headers: {}, ip: '127.0.0.1', get: () => undefined } })).rejects.toThrow();
    } finally {
      spies.forEach((s) => s.mockRestore());
      process.env = env;
    }

    const lines = linesIn(written.join('\n'));
    const counted = (name: string) => lines.filter((e) => matches(filterOf(name), e)).map((e) => `${String(e.jsonPayload['fn'])}:${String(e.jsonPayload['outcome'])}`);
    expect(counted('tc_health_degraded')).toEqual(['health:degraded']);
    expect(counted('tc_relay_unreachable')).toEqual(['health:degraded']);
    expect(counted('tc_function_errors')).toEqual(['benchNoop:error']);
    expect(counted('tc_function_calls').sort()).toEqual(['benchNoop:error', 'health:degraded']);
    for (const name of ['tc_invite_redeem_failed', 'tc_turn_mints', 'tc_calls_ended', 'tc_calls_not_connected']) expect(counted(name), name).toEqual([]);
  });
});

describe('the log filter evaluator', () => {
  const entry: LogEntry = {
    severity: 'WARNING',
    jsonPayload: { fn: 'redeemInvite', outcome: 'rejected', reason: 'invite_invalid', ms: 12, figures: { turnOk: false, n: 3 } },
    resource: { type: 'cloud_run_revision', labels: { service_name: 'redeeminvite' } },
  };
  it.each([
    ['jsonPayload.fn="redeemInvite"', true],
    ['jsonPayload.fn="redeeminvite"', false],
    ['jsonPayload.fn:"redeem"', true],
    ['jsonPayload.outcome!="ok"', true],
    ['jsonPayload.missing!="ok"', false],
    ['jsonPayload.missing:*', false],
    ['jsonPayload.reason:*', true],
    ['jsonPayload.figures.turnOk=false', true],
    ['jsonPayload.figures.turnOk=true', false],
    ['jsonPayload.figures.n>=3 AND jsonPayload.ms<20', true],
    ['jsonPayload.ms>20 OR jsonPayload.outcome="rejected"', true],
    ['NOT jsonPayload.outcome="rejected"', false],
    ['-jsonPayload.outcome="ok"', true],
    ['severity>=WARNING', true],
    ['severity>=ERROR', false],
    ['resource.type="cloud_run_revision" (jsonPayload.fn="x" OR jsonPayload.fn="redeemInvite")', true],
  ])('%s → %s', (filter, expected) => {
    expect(matches(filter, entry)).toBe(expected);
  });
  it.each(['jsonPayload.fn=', 'jsonPayload.fn="x', '(jsonPayload.fn="x"', 'redeemInvite', 'jsonPayload.fn ! "x"'])('refuses %s', (filter) => {
    expect(() => parseFilter(filter)).toThrow();
  });
});
