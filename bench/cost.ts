// The cost of one consult and the price of cold starts, on emulators of their own (started by
// scripts/bench.mjs with the Admin SDK counted in the functions' processes, bench/cost/firestoreOps.cjs):
// - cold and warm latency of every callable: the first call of each after the emulators start,
//   then warm calls, from a client as the app makes them;
// - one consult through the app's screens, from scheduling to purge: the clinician in Chromium at
//   1280×800, the patient at 360 px, both cameras playing moving noise (a real camera's bitrate,
//   not a test pattern's). Every Firestore read, write and delete the browsers make (counted on
//   the wire, bench/cost/firestoreProxy.ts) and the functions make, every function call and its
//   time, by phase. The call is measured for CALL_S seconds and scaled to 30 minutes; what the
//   call sends (both directions) is what a relay would carry if it were relayed.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import type { Page } from 'playwright-core';
import { fixedClock } from '../functions/src/lib/clock';
import { HOT_PATH_FUNCTIONS } from '../functions/src/lib/warm';
import { purge } from '../functions/src/ops/purge';
import { DEFAULT_RETENTION } from '../functions/src/ops/retention';
import { functionLines } from '../scripts/lib/functionLogs.mjs';
import { getAuth } from 'firebase-admin/auth';
import { adminApp, adminDb, createUser } from '../tests/support/admin';
import { admitAndSee, endConsult, openClinic, readyToAdmit } from '../tests/support/appConsult';
import { launchChromium } from '../tests/support/browser';
import { clientSession, signInAnonymousPatient, signInWithPassword, type ClientSession } from '../tests/support/emulators';
import { startCountingProxy, type BrowserOps } from './cost/firestoreProxy';
import { billedSeconds, idleInstanceMonthlyUsd, PRICES } from './cost/prices';
import { log, median, round, type Metrics } from './lib';

// Two of the call's stats intervals (60 s each side, web/src/call/recovery.ts), so the periodic writes are in.
const CALL_S = Number(process.env.TC_BENCH_COST_CALL_S ?? 120);
const CONSULT_MINUTES = 30;
const WARM_CALLS = 5;
const DAY = 24 * 3_600_000;

interface Ops { reads: number; writes: number; deletes: number }
const zero = (): Ops => ({ reads: 0, writes: 0, deletes: 0 });
const minus = (a: Ops, b: Ops): Ops => ({ reads: a.reads - b.reads, writes: a.writes - b.writes, deletes: a.deletes - b.deletes });
const plus = (a: Ops, b: Ops): Ops => ({ reads: a.reads + b.reads, writes: a.writes + b.writes, deletes: a.deletes + b.deletes });
const scale = (a: Ops, k: number): Ops => ({ reads: a.reads * k, writes: a.writes * k, deletes: a.deletes * k });
const show = (o: Ops) => `${round(o.reads)} r / ${round(o.writes)} w / ${round(o.deletes)} d`;
const firestoreUsd = (o: Ops) => o.reads * PRICES.firestore.perRead + o.writes * PRICES.firestore.perWrite + o.deletes * PRICES.firestore.perDelete;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** What the functions' processes counted so far (each writes its own file). */
async function functionOps(): Promise<Ops> {
  await sleep(300); // the counters write 50 ms after an operation
  const dir = process.env.TC_FIRESTORE_OPS_DIR;
  if (!dir) throw new Error('TC_FIRESTORE_OPS_DIR is not set: run the cost step through `npm run bench`.');
  let total = zero();
  for (const f of readdirSync(dir).filter((n) => n.endsWith('.json'))) {
    try {
      total = plus(total, JSON.parse(readFileSync(path.join(dir, f), 'utf8')) as Ops);
    } catch {
      // a file being replaced: its next version is read next time
    }
  }
  return total;
}

/** The functions' log lines since `from` (bytes into the emulators' log). */
function logSince(from: number): ReturnType<typeof functionLines> {
  const file = process.env.TC_EMULATOR_LOG;
  if (!file) throw new Error('TC_EMULATOR_LOG is not set: run the cost step through `npm run bench`.');
  return functionLines(readFileSync(file).subarray(from).toString('utf8'));
}
const logSize = () => statSync(process.env.TC_EMULATOR_LOG!).size;

/** Moving noise: a camera whose every frame differs, so the encoder runs at the bitrate it is allowed. */
function noiseCamera(dir: string): string {
  const [w, h, frames] = [640, 360, 15];
  const file = path.join(dir, 'moving-noise.y4m');
  const parts = [Buffer.from(`YUV4MPEG2 W${w} H${h} F15:1 Ip A1:1 C420jpeg\n`)];
  for (let i = 0; i < frames; i++) parts.push(Buffer.from('FRAME\n'), randomBytes((w * h * 3) / 2));
  writeFileSync(file, Buffer.concat(parts));
  return file;
}

// Every peer connection a page makes, for its byte counters.
const PC_WATCH = `(() => {
  const Base = window.RTCPeerConnection;
  if (!Base) return;
  const pcs = (window.__benchPcs = []);
  window.RTCPeerConnection = class extends Base { constructor(...a) { super(...a); pcs.push(this); } };
})()`;

async function bytesOf(page: Page): Promise<{ sent: number; received: number }> {
  return page.evaluate(`(async () => {
    let sent = 0, received = 0;
    for (const pc of window.__benchPcs ?? []) {
      if (pc.connectionState === 'closed') continue;
      (await pc.getStats()).forEach((r) => { if (r.type === 'transport') { sent += r.bytesSent ?? 0; received += r.bytesReceived ?? 0; } });
    }
    return { sent, received };
  })()`);
}

// ---- cold starts -------------------------------------------------------------------------

/** The callables in the order a consult meets them; each called with an empty payload, which it refuses after loading. */
const CALLABLES: Array<{ name: string; as: 'clinician' | 'patient' }> = [
  { name: 'scheduleConsult', as: 'clinician' },
  { name: 'redeemInvite', as: 'patient' },
  { name: 'recordConsent', as: 'patient' },
  { name: 'getIceServers', as: 'patient' },
  { name: 'identifyPatient', as: 'patient' },
  { name: 'admitPatient', as: 'clinician' },
  { name: 'photoEvent', as: 'clinician' },
  { name: 'setRecording', as: 'clinician' },
  { name: 'confirmIdentity', as: 'clinician' },
  { name: 'saveRecord', as: 'clinician' },
  { name: 'endConsult', as: 'clinician' },
  { name: 'withdrawConsent', as: 'patient' },
  { name: 'announceDelay', as: 'clinician' },
  { name: 'rescheduleConsult', as: 'clinician' },
  { name: 'cancelConsult', as: 'clinician' },
  { name: 'reissueInvite', as: 'clinician' },
];
/** On the patient's path (link → consent → call) or the clinician's admission: a cold start there is felt. */
const CRITICAL = new Set<string>(HOT_PATH_FUNCTIONS);

async function timed(session: ClientSession, name: string): Promise<number> {
  const t0 = performance.now();
  await session.call(name, {}).catch(() => undefined); // refused: the payload is empty
  return performance.now() - t0;
}

async function measureColdStarts(): Promise<{ rows: Array<{ name: string; coldMs: number; warmMs: number }>; metrics: Metrics }> {
  const account = await createUser('clinician', 'cold');
  const clinician = clientSession();
  const patient = clientSession();
  await signInWithPassword(clinician, account.email, account.password);
  await signInAnonymousPatient(patient);
  const rows: Array<{ name: string; coldMs: number; warmMs: number }> = [];
  try {
    for (const { name, as } of CALLABLES) {
      const session = as === 'clinician' ? clinician : patient;
      const coldMs = await timed(session, name);
      const warm: number[] = [];
      for (let i = 0; i < WARM_CALLS; i++) warm.push(await timed(session, name));
      rows.push({ name, coldMs: round(coldMs), warmMs: round(median(warm)) });
    }
  } finally {
    await Promise.allSettled([clinician.close(), patient.close()]);
  }
  log('cold and warm latency per callable (emulators; first call after start, then the median of 5):');
  for (const r of rows) log(`  ${r.name.padEnd(18)} cold ${String(r.coldMs).padStart(6)} ms  warm ${String(r.warmMs).padStart(5)} ms${CRITICAL.has(r.name) ? '  (critical path: minInstances 1 in production)' : ''}`);
  const critical = rows.filter((r) => CRITICAL.has(r.name));
  const penalties = rows.map((r) => r.coldMs - r.warmMs);
  const monthly = idleInstanceMonthlyUsd();
  return {
    rows,
    metrics: {
      cold_start_penalty_ms_median: {
        value: round(median(penalties)),
        unit: 'ms',
        target: 1500,
        better: 'lower',
        note: `cold − warm over the ${rows.length} callables on the emulators (a new process loading the functions); production adds the container's start. The hot path (${critical.map((r) => r.name).join(', ')}) keeps an instance warm in production`,
      },
      cold_start_penalty_ms_max: { value: round(Math.max(...penalties)), unit: 'ms', target: 2500, better: 'lower', note: 'same sample, the slowest' },
      min_instances_usd_month: {
        value: round(monthly * CRITICAL.size, 2),
        unit: 'US$',
        target: 60,
        better: 'lower',
        note: `${CRITICAL.size} functions × 1 idle instance (${PRICES.functionSize.vcpu} vCPU, ${PRICES.functionSize.gib} GiB) × US$ ${round(monthly, 2)} a month at Cloud Run's Tier 1 idle rate (${PRICES.asOf})`,
      },
    },
  };
}

// ---- one consult, scheduling to purge ----------------------------------------------------

interface Phase { name: string; browser: Ops; functions: Ops; calls: number; billedS: number }

export async function measureCost(): Promise<Metrics> {
  const cold = await measureColdStarts();
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'tc-cost-'));
  const camera = noiseCamera(tmp);
  const firestorePort = Number(process.env.FIRESTORE_EMULATOR_HOST!.split(':')[1]);
  const proxy = await startCountingProxy(firestorePort);
  const args = [`--proxy-server=http://127.0.0.1:${proxy.port}`, '--proxy-bypass-list=<-loopback>', `--use-file-for-fake-video-capture=${camera}`];
  const [clinicianBrowser, patientBrowser] = await Promise.all([launchChromium(args), launchChromium(args)]);
  const phases: Phase[] = [];
  const consultLines: ReturnType<typeof functionLines> = [];
  let mark = { browser: proxy.ops() as Ops, functions: await functionOps(), log: logSize() };
  const close = async (name: string) => {
    const now = { browser: proxy.ops() as Ops, functions: await functionOps(), log: logSize() };
    const lines = logSince(mark.log).filter((l) => l.jsonPayload.fn !== 'health');
    consultLines.push(...lines);
    phases.push({
      name,
      browser: minus(now.browser, mark.browser),
      functions: minus(now.functions, mark.functions),
      calls: lines.length,
      billedS: lines.reduce((s, l) => s + billedSeconds(typeof l.jsonPayload.ms === 'number' ? l.jsonPayload.ms : 0), 0),
    });
    mark = now;
  };
  let callBytes = 0;
  let consultId = '';
  try {
    const clinic = await openClinic(clinicianBrowser);
    await clinic.context.addInitScript(PC_WATCH);
    await close('clinician signs in (once a day, not per consult)');
    const ready = await readyToAdmit(clinic, patientBrowser, { initScript: PC_WATCH });
    consultId = ready.consultId;
    await close('schedule, link, consent, device check, waiting');
    await admitAndSee(clinic, ready);
    await close('admission and connection');
    // Settle the bandwidth estimate, then measure the call as it runs.
    await sleep(15_000);
    await close('first 15 s of the call');
    const before = await Promise.all([bytesOf(clinic.page), bytesOf(ready.patient)]);
    await sleep(CALL_S * 1000);
    const after = await Promise.all([bytesOf(clinic.page), bytesOf(ready.patient)]);
    callBytes = after[0].sent - before[0].sent + (after[1].sent - before[1].sent);
    await close(`the call, ${CALL_S} s`);
    await endConsult(clinic, ready);
    await close('end');
    await clinic.close();
  } finally {
    await Promise.allSettled([clinicianBrowser.close(), patientBrowser.close()]);
    await proxy.close();
    rmSync(tmp, { recursive: true, force: true });
  }

  // Purge as the daily job runs it: the day after (signaling), after the stats retention, and
  // after the record's 20 years. Counted in this process; the database holds only this consult.
  const require = createRequire(import.meta.url);
  const { countOps, counts } = require('./cost/firestoreOps.cjs') as { countOps(F: unknown): Ops; counts: Ops };
  countOps((require('@google-cloud/firestore') as { Firestore: unknown }).Firestore);
  const db = adminDb();
  const ended = Date.now();
  const purgeStart = { ...counts };
  for (const at of [ended + DAY, ended + (DEFAULT_RETENTION.statsDays + 1) * DAY, ended + (DEFAULT_RETENTION.clinicalRecordYears * 366 + 1) * DAY]) {
    await purge(db, fixedClock(at), DEFAULT_RETENTION, getAuth(adminApp()));
  }
  phases.push({ name: 'purge (3 daily runs: signaling, stats, the record after 20 years)', browser: zero(), functions: minus({ ...counts }, purgeStart), calls: 0, billedS: 0 });
  const left = await db.collection('audit').where('consultId', '==', consultId).limit(1).get();
  if (!left.empty) throw new Error('the purge after 20 years left the consult\'s audit chain: the cost of purging is not all counted');

  // A 30-minute consult: the measured call scaled, everything else once. Signing in is not per consult.
  const perConsult = phases.filter((p) => !p.name.startsWith('clinician signs in'));
  const callPhase = perConsult.find((p) => p.name.startsWith('the call'))!;
  const callMinutes = CONSULT_MINUTES - 0.25; // the first 15 s are their own phase
  const k = (callMinutes * 60) / CALL_S;
  let firestore = zero();
  let calls = 0;
  let billedS = 0;
  for (const p of perConsult) {
    const factor = p === callPhase ? k : 1;
    firestore = plus(firestore, scale(plus(p.browser, p.functions), factor));
    calls += p.calls * factor;
    billedS += p.billedS * factor;
  }
  const compute = billedS * (PRICES.functionSize.vcpu * PRICES.run.perVcpuSecond + PRICES.functionSize.gib * PRICES.run.perGibSecond) + calls * PRICES.run.perRequest;
  const usd = firestoreUsd(firestore) + compute;
  const relayGb = (callBytes / CALL_S) * CONSULT_MINUTES * 60 / 1e9;

  // Each function's calls in the consult: its first is the first real request its instance served
  // (the cold pass only loaded it). The hot path connects to Firestore as its instance starts.
  const byFn = new Map<string, number[]>();
  for (const l of consultLines) {
    if (l.jsonPayload.outcome !== 'ok' || typeof l.jsonPayload.ms !== 'number') continue;
    const fn = String(l.jsonPayload.fn);
    byFn.set(fn, [...(byFn.get(fn) ?? []), l.jsonPayload.ms]);
  }
  log('each function\'s calls in the consult, ms (the first is its instance\'s first real request):');
  for (const [fn, ms] of byFn) log(`  ${fn.padEnd(18)} ${ms.join(', ')}${CRITICAL.has(fn) ? '  (connects on start)' : ''}`);
  const firstOf = (hot: boolean) => [...byFn].filter(([fn]) => CRITICAL.has(fn) === hot).map(([, ms]) => ms[0]!);

  log(`one consult, by phase (Firestore: browsers + functions; function calls and billed seconds):`);
  for (const p of phases) log(`  ${p.name.padEnd(62)} browsers ${show(p.browser).padEnd(24)} functions ${show(p.functions).padEnd(22)} ${p.calls} calls, ${round(p.billedS, 1)} s`);
  log(`a ${CONSULT_MINUTES}-minute consult (the call scaled ×${round(k, 1)}): Firestore ${show(firestore)}, ${round(calls)} function calls, ${round(billedS, 1)} billed s`);
  log(`  US$ ${usd.toFixed(6)} = Firestore ${firestoreUsd(firestore).toFixed(6)} + functions ${compute.toFixed(6)} (prices ${PRICES.asOf}, bench/cost/prices.ts)`);
  log(`  the call sent ${round(callBytes / CALL_S * 8 / 1000)} kbit/s (both directions); relayed for ${CONSULT_MINUTES} min: ${round(relayGb, 3)} GB → Twilio US$ ${round(relayGb * PRICES.relay.twilioPerGb, 3)}, coturn egress US$ ${round(relayGb * PRICES.relay.coturnEgressPerGb, 3)}`);

  return {
    ...cold.metrics,
    hot_path_first_request_ms_max: {
      value: Math.max(...firstOf(true)),
      unit: 'ms',
      target: 1000,
      better: 'lower',
      note: `the slowest first request of a fresh ${[...CRITICAL].join('/')} instance in the consult (it connected to Firestore as it started); others' first requests: ${firstOf(false).join(', ')} ms`,
    },
    consult_cost_usd: {
      value: Number(usd.toFixed(6)),
      unit: 'US$',
      target: 0.001,
      better: 'lower',
      note: `Firestore ${show(firestore)} + ${round(calls)} function calls (${round(billedS, 1)} s billed), a ${CONSULT_MINUTES}-min consult scheduling → purge; relay not included; list prices ${PRICES.asOf}`,
    },
    consult_firestore_reads: { value: round(firestore.reads), unit: 'reads', target: 600, better: 'lower', note: 'browsers (on the wire) + functions (Admin SDK), per consult' },
    consult_firestore_writes: { value: round(firestore.writes), unit: 'writes', target: 200, better: 'lower', note: 'same' },
    consult_function_calls: { value: round(calls), unit: 'calls', target: 60, better: 'lower', note: 'callables per consult, health checks apart' },
    relay_gb_per_consult: {
      value: round(relayGb, 3),
      unit: 'GB',
      target: 1,
      better: 'lower',
      note: `what a relayed ${CONSULT_MINUTES}-min consult carries (both directions, moving-noise cameras, measured ${CALL_S} s): Twilio US$ ${round(relayGb * PRICES.relay.twilioPerGb, 2)}, coturn egress US$ ${round(relayGb * PRICES.relay.coturnEgressPerGb, 2)}`,
    },
  };
}

// Run by scripts/bench.mjs as its own step (its own emulators).
if (import.meta.url === `file://${process.argv[1]}`) {
  const metrics = await measureCost();
  writeFileSync(process.env.TC_BENCH_COST_OUT ?? path.join(os.tmpdir(), 'tc-cost.json'), JSON.stringify(metrics));
  // The SDKs' connections (admin, the client sessions of the cold-start pass) would keep the process alive.
  process.exit(0);
}
