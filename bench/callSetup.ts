// call_setup_ms (median, p95), firestore_writes_per_call and calls_stuck, measured as DESIGN.md's
// reference was: each peer in its own Chromium process, an admitted consult with the clinician
// already waiting (its offer on the server), the patient prepared as the app's waiting room does
// (the clinician's document read, nothing written), t0 when the patient starts its session (as
// admission starts it), and the end when requestVideoFrameCallback has fired on the remote <video>
// of both sides (the later one).
//
// The baseline, the classic pattern (bench/classic.ts), is measured in the same run, interleaved
// call by call (ours first on even calls, the baseline first on odd ones), on the same browsers,
// emulators and ICE servers, and the ratios of the medians and p95s are reported.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { launchChromium } from '../tests/support/browser';
import { PROJECT_ID, firestoreHost } from '../tests/support/emulators';
import { CLASSIC_RULES } from './classic';
import { openCall, serveOwnHarness, sleep, within } from './harnessPages';
import { log, median, percentile, round, type Metrics } from './lib';

type Engine = 'ours' | 'classic';
const PAGES: Record<Engine, string> = { ours: 'call.html', classic: 'classic.html' };

const WARMUP = 2;
const CALLS = Number(process.env.TC_BENCH_CALLS ?? 100);
/** Slower than this, a call's traces are printed to find where its time went. */
const SLOW_MS = 3000;
/** A call without a frame on both sides by then counts as stuck. */
const STUCK_MS = 20_000;

interface CallResult {
  setupMs: number | null;
  /** Signaling writes of both peers until both left (the leave deletes included). */
  writes: number;
  /** Of those, the ones made by the time both showed a first frame. */
  setupWrites: number;
}

async function oneCall(origin: string, browsers: [Browser, Browser], engine: Engine = 'ours'): Promise<CallResult> {
  const c = await openCall(origin, browsers, () => ({}), PAGES[engine]);
  try {
    await c.clinician.start();
    const waiting = await within(10_000, () => c.clinician.info(), (i) => i.ackedWrites >= 1);
    if (!waiting) throw new Error("the clinician's offer never reached the server");
    await c.patient.start();
    const both = await within(STUCK_MS, () => Promise.all([c.clinician.info(), c.patient.info()]), ([a, b]) => a.firstFrameAt !== null && b.firstFrameAt !== null, 100);
    if (!both) {
      const [a, b] = await Promise.all([c.clinician.info(), c.patient.info()]);
      log(`  stuck call ${c.call.consultId}: clinician ${a.state}, patient ${b.state}`);
      return { setupMs: null, writes: a.writes + b.writes, setupWrites: a.writes + b.writes };
    }
    const [a, b] = both;
    const setupMs = Math.max(a.firstFrameAt!, b.firstFrameAt!) - b.startedAt!;
    // A slow call, or one that needed more than the two setup writes, prints its traces by itself.
    if (process.env.TC_BENCH_TRACE || setupMs > SLOW_MS || (engine === 'ours' && a.writes + b.writes > 2)) {
      log(`  ${engine} call of ${round(setupMs)} ms:`);
      // Where a call's setup time goes: both engines' steps relative to the patient's start.
      const t0 = b.startedAt!;
      for (const [who, pg] of [['clinician', c.clinician], ['patient', c.patient]] as const) {
        const trace = (await pg.page.evaluate(() => window.callHarness.trace())) as Array<{ at: number; event: string }>;
        log(`  ${who}: ${trace.filter((t) => t.at >= t0 - 50).map((t) => `${t.event}@${t.at - t0}${'state' in t ? `:${String((t as { state?: unknown }).state)}` : ''}`).join(' ')}`);
      }
      log(`  first frames: clinician +${round(a.firstFrameAt! - t0)} patient +${round(b.firstFrameAt! - t0)}`);
    }
    // A real call goes on for minutes: let the last candidates be written before counting.
    let settled = a.writes + b.writes;
    for (let i = 0; i < 10; i++) {
      await sleep(500);
      const [x, y] = await Promise.all([c.clinician.info(), c.patient.info()]);
      if (x.writes + y.writes === settled) break;
      settled = x.writes + y.writes;
    }
    // The consult ends for both at once (endConsult), as after a real call.
    await Promise.all([c.clinician.leave(), c.patient.leave()]);
    const [x, y] = await Promise.all([c.clinician.info(), c.patient.info()]);
    return { setupMs, writes: x.writes + y.writes, setupWrites: a.writes + b.writes };
  } finally {
    await c.close();
  }
}

const distribution = (values: number[]) =>
  [...values.reduce((m, v) => m.set(v, (m.get(v) ?? 0) + 1), new Map<number, number>())]
    .sort(([x], [y]) => x - y)
    .map(([v, n]) => `${v}×${n}`)
    .join(', ');

/** Our rules plus the baseline's room, for this run only; the returned function puts ours back. */
async function allowClassicRooms(): Promise<() => Promise<void>> {
  const ours = readFileSync(path.resolve(import.meta.dirname, '../firestore.rules'), 'utf8');
  const anchor = 'match /databases/{database}/documents {';
  if (!ours.includes(anchor)) throw new Error('firestore.rules has no documents block to add the baseline room to');
  const put = async (content: string) => {
    const res = await fetch(`http://${firestoreHost()}/emulator/v1/projects/${PROJECT_ID}:securityRules`, {
      method: 'PUT',
      body: JSON.stringify({ rules: { files: [{ content }] } }),
    });
    if (!res.ok) throw new Error(`the emulator refused the rules: ${await res.text()}`);
  };
  await put(ours.replace(anchor, `${anchor}\n${CLASSIC_RULES}`));
  return () => put(ours);
}

function summary(results: CallResult[]) {
  const setups = results.flatMap((r) => (r.setupMs === null ? [] : [r.setupMs]));
  return {
    setups,
    stuck: results.length - setups.length,
    writes: results.map((r) => r.writes),
    median: round(median(setups)),
    p95: round(percentile(setups, 95)),
  };
}

export async function measureCallSetup(): Promise<Metrics> {
  const server = await serveOwnHarness();
  const browsers: [Browser, Browser] = [await launchChromium(), await launchChromium()];
  const restoreRules = await allowClassicRooms();
  const results: Record<Engine, CallResult[]> = { ours: [], classic: [] };
  try {
    for (let i = 0; i < WARMUP + CALLS; i++) {
      const order: Engine[] = i % 2 === 0 ? ['ours', 'classic'] : ['classic', 'ours'];
      for (const engine of order) {
        const r = await oneCall(server.origin, browsers, engine);
        if (i >= WARMUP) results[engine].push(r);
      }
      if (i >= WARMUP && (i - WARMUP + 1) % 10 === 0) log(`  ${i - WARMUP + 1}/${CALLS} calls of each`);
    }
  } finally {
    await restoreRules().catch((e: unknown) => log(`restoring the rules failed: ${String(e)}`));
    await Promise.all(browsers.map((b) => b.close()));
    await server.close();
  }
  const ours = summary(results.ours);
  const base = summary(results.classic);
  for (const [name, s] of [['ours', ours], ['classic baseline', base]] as const) {
    log(`call setup, ${name}: n=${s.setups.length}, median ${s.median} ms, p95 ${s.p95} ms, stuck ${s.stuck}`);
    log(`  all (ms): ${s.setups.map((v) => Math.round(v)).join(' ')}`);
    log(`  signaling writes per call, both peers: ${distribution(s.writes)}`);
  }
  log(`  ours, made by the first frame on both sides: ${distribution(results.ours.map((r) => r.setupWrites))}`);
  const how = `n=${ours.setups.length} after ${WARMUP} warm-up, each peer its own Chromium, prepared patient's start → rVFC frame on both`;
  const baseHow = `the classic pattern (bench/classic.ts), interleaved call by call in this run: median ${base.median} ms, p95 ${base.p95} ms, n=${base.setups.length}`;
  return {
    call_setup_ms_median: { value: ours.median, unit: 'ms', target: round(0.6 * base.median), better: 'lower', note: `${how}; target 0.6× the baseline's median in this run` },
    call_setup_ms_p95: { value: ours.p95, unit: 'ms', target: base.p95, better: 'lower', note: `same sample; target the baseline's p95 in this run` },
    call_setup_vs_baseline_median: { value: round(ours.median / base.median, 2), unit: '×', target: 0.6, better: 'lower', note: baseHow },
    call_setup_vs_baseline_p95: { value: round(ours.p95 / base.p95, 2), unit: '×', target: 1.0, better: 'lower', note: `same samples; the baseline's writes per call: ${distribution(base.writes)}` },
    firestore_writes_per_call: {
      value: Math.max(...ours.writes),
      unit: 'writes',
      target: 4,
      better: 'lower',
      note: `most in one call of ${ours.writes.length}, both peers, leave deletes included (${distribution(ours.writes)})`,
    },
    calls_stuck: { value: ours.stuck, unit: 'calls', target: 0, better: 'lower', note: `no frame on both sides within ${STUCK_MS / 1000} s, of ${results.ours.length} (baseline: ${base.stuck})` },
  };
}
