// The network matrix: calls between two Chromium processes in the network lab's namespaces
// (scripts/lib/netlab.mjs), each scenario tried several times. Per scenario: the pair the network
// allowed, setup (start to a frame on both sides), recovery where the network breaks mid-call,
// frame rate and audio continuity. A blackout uses iptables; delay, jitter, loss and a shaped
// uplink use the lab's user-space wire (scripts/lib/linkwire.py), which needs no sch_netem.
import type { Browser } from 'playwright-core';
import type { WireConfig } from '../scripts/lib/netlab.mjs';
import { formatReport, qualityReport, statsRow, type StatsRow } from '../scripts/lib/quality.mjs';
import { adminDb } from '../tests/support/admin';
import { arrangeCall, until, type HarnessPeer } from '../web/harness/driver';
import { labBrowser, labPeerIn, openLabWorld, pairKind, selectedPair, type LabWorld } from '../tests/support/netlab';
import { sleep } from './harnessPages';
import { log, median, round, type Metric, type Metrics } from './lib';

type Wire = { set(config: WireConfig): void };

const TRIES = 10;
const RECOVERY_TRIES = 5;
const BLACKOUT_MS = 20_000;

interface Try {
  ok: boolean;
  setupMs: number | null;
  pair: string;
  restarts: number;
  fps: number | null;
}

const frames = async (peer: HarnessPeer) => (await peer.info()).framesShown;

/** Every consult the matrix made, for the call-quality report at its end. */
const consults: string[] = [];

/** Both pages open and started (each writes its call summary, as the app does); resolves when both show frames (or null after 30 s). */
async function connect(world: LabWorld, browsers: [Browser, Browser]) {
  const call = await arrangeCall();
  consults.push(call.consultId);
  const [clinician, patient] = await Promise.all([
    labPeerIn(world, browsers[0], call, call.clinician, { stats: '1' }),
    labPeerIn(world, browsers[1], call, call.patient, { stats: '1' }),
  ]);
  const t0 = Date.now();
  await Promise.all([clinician.start(), patient.start()]);
  const ok = await until(() => Promise.all([clinician.info(), patient.info()]), (i) => i.every((x) => x.state === 'connected' && x.framesShown > 0), 'frames', 30_000).then(
    () => true,
    () => false,
  );
  const [ci, pi] = await Promise.all([clinician.info(), patient.info()]);
  const setupMs = ok && ci.firstFrameAt && pi.firstFrameAt ? Math.max(ci.firstFrameAt, pi.firstFrameAt) - t0 : null;
  // Leaving writes each side's final summary (pair type, connect time), as a consult's end does.
  const close = async () => {
    await Promise.all([clinician, patient].map((p) => p.page.evaluate(() => window.callHarness.leave()).catch(() => undefined)));
    await Promise.all([clinician.page.close(), patient.page.close()]);
  };
  return { clinician, patient, ok, setupMs, restarts: ci.iceRestarts + pi.iceRestarts, close };
}

/** The patient's received frame rate over `ms`. */
async function fps(peer: HarnessPeer, ms = 3000): Promise<number> {
  const a = await frames(peer);
  await sleep(ms);
  return round(((await frames(peer)) - a) / (ms / 1000));
}

async function connectScenario(world: LabWorld, name: string, hosts: [string, string]): Promise<Try[]> {
  const browsers: [Browser, Browser] = [await labBrowser(world, hosts[0]), await labBrowser(world, hosts[1])];
  const tries: Try[] = [];
  try {
    for (let i = 0; i < TRIES; i++) {
      const c = await connect(world, browsers);
      try {
        tries.push({
          ok: c.ok,
          setupMs: c.setupMs,
          pair: pairKind(await selectedPair(c.patient)),
          restarts: c.restarts,
          fps: c.ok && i === 0 ? await fps(c.patient) : null,
        });
      } finally {
        await c.close();
      }
    }
  } finally {
    await Promise.all(browsers.map((b) => b.close()));
  }
  log(`  ${name}: ${tries.filter((t) => t.ok).length}/${TRIES}, pairs ${[...new Set(tries.map((t) => t.pair))].join('/')}, setup ${tries.map((t) => (t.setupMs === null ? 'x' : Math.round(t.setupMs))).join(' ')} ms`);
  return tries;
}

/** Measures a break mid-call: `breakIt` at time 0, `mendIt` (if any) later; returns ms from the mend (or break) to frames again on both sides. */
async function recoveryScenario(
  world: LabWorld,
  hosts: [string, string],
  breakIt: () => void,
  mendIt: (() => void) | null,
  afterMs: number,
  after?: () => void,
): Promise<{ ms: number | null; states: string[] }[]> {
  const browsers: [Browser, Browser] = [await labBrowser(world, hosts[0]), await labBrowser(world, hosts[1])];
  const out: { ms: number | null; states: string[] }[] = [];
  try {
    for (let i = 0; i < RECOVERY_TRIES; i++) {
      const c = await connect(world, browsers);
      try {
        if (!c.ok) {
          out.push({ ms: null, states: ['never connected'] });
          continue;
        }
        await sleep(1500);
        breakIt();
        const states = new Set<string>();
        if (mendIt) {
          const end = Date.now() + afterMs;
          while (Date.now() < end) {
            for (const info of await Promise.all([c.clinician.info(), c.patient.info()])) states.add(info.state);
            await sleep(250);
          }
          mendIt();
        }
        const from = Date.now();
        const before = await Promise.all([frames(c.clinician), frames(c.patient)]);
        const back = await until(
          () => Promise.all([c.clinician.info(), c.patient.info()]),
          (i) => i.every((x, k) => x.state === 'connected' && x.framesShown > before[k]! + 5),
          'frames again',
          60_000,
        ).then(() => Date.now() - from, () => null);
        out.push({ ms: back, states: [...states] });
      } finally {
        after?.();
        await c.close();
      }
    }
  } finally {
    await Promise.all(browsers.map((b) => b.close()));
  }
  return out;
}

/** The median of recoveries, one that never came counting as the 60 s waited for it. */
function recoveryMetric(results: { ms: number | null }[], target: number, what: string): Metric {
  const all = results.map((r) => r.ms ?? 60_000);
  return {
    value: round(median(all)),
    unit: 'ms',
    target,
    better: 'lower',
    note: `median of ${results.length}, ${what}; all: ${results.map((r) => (r.ms === null ? 'never' : Math.round(r.ms))).join(' ')}`,
  };
}

export async function measureNetworks(): Promise<Metrics> {
  let wire: Wire | null = null;
  const world = await openLabWorld(async (lab) => {
    lab.router('office', { nat: 'none' });
    lab.router('home', { nat: 'eim' });
    lab.router('clinic', { nat: 'symmetric' });
    lab.router('carrier', { nat: 'symmetric' });
    lab.router('guest', { nat: 'symmetric', filter: 'tcp443' });
    lab.router('wifi', { nat: 'eim' });
    lab.router('cell', { nat: 'symmetric' });
    lab.router('weak', { nat: 'eim' });
    lab.router('wired', { nat: 'eim' });
    lab.host('lan-a', { via: ['office'] });
    lab.host('lan-b', { via: ['office'] });
    lab.host('pat-home', { via: ['home'] });
    lab.host('clin-nat', { via: ['clinic'] });
    lab.host('pat-cgnat', { via: ['carrier'] });
    lab.host('pat-443', { via: ['guest'] });
    lab.host('pat-phone', { via: ['wifi', 'cell'] });
    lab.host('pat-weak', { via: ['weak'] });
    wire = await lab.wiredHost('pat-wire', { via: 'wired' });
    lab.host('clin-pub', { via: 'internet' });
  });
  if (!wire) throw new Error('the lab has no wire');
  const metrics: Metrics = {};
  const since = Date.now();
  const lab = world.lab;
  const weakNs = `${lab.prefix}-weak`;
  try {
    const matrix: Array<[string, string, [string, string], string]> = [
      ['same_lan', '1 same LAN', ['lan-a', 'lan-b'], 'host'],
      ['eim_nat', '2 patient behind an endpoint-independent NAT', ['clin-pub', 'pat-home'], 'srflx'],
      ['symmetric_nats', '3 both behind symmetric NATs', ['clin-nat', 'pat-cgnat'], 'relay'],
      ['tcp443_only', '4 patient network: UDP dropped, TCP 443 only', ['clin-pub', 'pat-443'], 'relay'],
    ];
    for (const [key, title, hosts, expected] of matrix) {
      const tries = await connectScenario(world, title, hosts);
      const ok = tries.filter((t) => t.ok);
      const pairs = [...new Set(ok.map((t) => t.pair))];
      metrics[`net_${key}_connects`] = {
        value: ok.filter((t) => t.pair === expected).length,
        unit: `of ${TRIES}`,
        target: TRIES,
        better: 'higher',
        note: `${title}: connected ${ok.length}/${TRIES} on ${pairs.join('/') || 'nothing'} (expected ${expected}); ICE restarts ${tries.map((t) => t.restarts).join(' ')}; ${tries[0]?.fps ?? '?'} fps at the patient`,
      };
      const setups = ok.map((t) => t.setupMs!).filter((v) => v !== null);
      metrics[`net_${key}_setup_ms`] = {
        value: round(median(setups)),
        unit: 'ms',
        target: 2000,
        better: 'lower',
        note: `median of ${setups.length}, start() to a frame on both sides; all: ${setups.map(Math.round).join(' ')}`,
      };
    }

    // 5: Wi-Fi → 4G mid-call (a new address behind a carrier's symmetric NAT; the old one gone).
    const moves = await recoveryScenario(world, ['clin-pub', 'pat-phone'], () => lab.switchTo('pat-phone', 'cell'), null, 0, () => lab.switchTo('pat-phone', 'wifi'));
    metrics.net_wifi_to_4g_ms = recoveryMetric(moves, 2000, 'from the switch to new frames on both sides');

    // 8: 20 s of 100 % loss on the patient's router, then restored.
    const drop = ['FORWARD', '-j', 'DROP'];
    const blackouts = await recoveryScenario(
      world,
      ['clin-pub', 'pat-weak'],
      () => lab.iptables(weakNs, '-I', ...drop),
      () => lab.iptables(weakNs, '-D', ...drop),
      BLACKOUT_MS,
    );
    metrics.net_blackout_recovery_ms = recoveryMetric(
      blackouts,
      3000,
      `${BLACKOUT_MS / 1000} s of 100 % loss, from the restore to new frames on both sides; states seen during it: ${[...new Set(blackouts.flatMap((b) => b.states))].join('/')}`,
    );

    // 6: a weak link on the wire: 100 ms and ±15 ms each way (200 ms RTT, 30 ms of jitter), 1.5 % loss each way (3 %).
    Object.assign(metrics, await weakLink(world, wire));
    Object.assign(metrics, await thinUplink(world, wire));

    // What `npm run report` makes of these calls, from the summaries each side wrote.
    const report = await matrixReport(since);
    log(`  the matrix as the call-quality report sees it:\n${formatReport(report)}`);
    metrics.net_matrix_report_connected_pct = {
      value: round((report.consults.successRate ?? 0) * 100),
      unit: '%',
      target: 100,
      better: 'higher',
      note: `the report over the matrix's ${report.consults.admitted} calls: ${report.consults.connected} connected, ${round((report.relayedShare ?? 0) * 100)} % relayed, setup median ${report.setupMs.median} ms (the sides' own connect times)`,
    };
  } finally {
    await world.close();
  }
  return metrics;
}

async function matrixReport(sinceMs: number) {
  const db = adminDb();
  const stats: StatsRow[] = [];
  for (const consultId of consults) {
    for (const d of (await db.collection(`consults/${consultId}/stats`).get()).docs) stats.push(statsRow(consultId, d.data()));
  }
  return qualityReport({ admissions: consults.map((consultId) => ({ consultId, atMs: sinceMs })), stats, sinceMs, untilMs: Date.now() });
}

/** 7: the patient's uplink capped at 400 kbps, then 120 kbps, then lifted. */
export async function thinUplink(world: LabWorld, wire: Wire): Promise<Metrics> {
  const browsers: [Browser, Browser] = [await labBrowser(world, 'clin-pub'), await labBrowser(world, 'pat-wire')];
  // A carrier's uplink: shaped (a queue of 300 ms, then drops), with 40 ms each way.
  const cap = (kbps: number | null) => wire.set({ up: { delayMs: 40, rateKbps: kbps ?? 0, queueMs: 300 }, down: { delayMs: 40 } });
  try {
    cap(null);
    const c = await connect(world, browsers);
    if (!c.ok) throw new Error('the thin-uplink call never connected');
    await sleep(12_000); // past the ladder's warm-up, at full size
    const full = (await c.clinician.info()).frameSize;

    cap(400);
    await sleep(15_000);
    const at400 = await c.clinician.info();
    const fps400 = await fps(c.clinician, 5000);
    const paused400 = (await c.patient.info()).videoPaused;

    await c.clinician.page.evaluate(() => window.callHarness.watchAudio());
    const cappedAt = Date.now();
    cap(120);
    const pausedIn = await until(
      () => Promise.all([c.patient.info(), c.clinician.info()]),
      ([p, q]) => p.videoPaused && q.remoteVideoPaused,
      'the video paused on both sides',
      40_000,
    ).then(() => Date.now() - cappedAt, () => null);
    await sleep(Math.max(0, 25_000 - (Date.now() - cappedAt)));
    const audio = await c.clinician.page.evaluate(() => window.callHarness.audioReport());
    const state120 = (await c.clinician.info()).state;

    const liftedAt = Date.now();
    cap(null);
    const before = (await c.clinician.info()).framesShown;
    const backIn = await until(
      () => Promise.all([c.patient.info(), c.clinician.info()]),
      ([p, q]) => !p.videoPaused && !q.remoteVideoPaused && q.framesShown > before + 10,
      'the video back',
      90_000,
    ).then(() => Date.now() - liftedAt, () => null);
    await c.close();
    const size = (f: { width: number; height: number } | null) => (f ? `${f.width}×${f.height}` : '?');
    return {
      net_thin_400_fps: {
        value: fps400,
        unit: 'fps',
        target: 10,
        better: 'higher',
        note: `patient uplink shaped to 400 kbps: the clinician's picture ${size(full)} → ${size(at400.frameSize)}, video ${paused400 ? 'PAUSED' : 'on'}`,
      },
      net_thin_120_pause_ms: {
        value: pausedIn ?? 40_000,
        unit: 'ms',
        target: 10_000,
        better: 'lower',
        note: `shaped to 120 kbps: from the cap to the video paused with the notice's state on both sides${pausedIn === null ? ' (never)' : ''}; call ${state120}`,
      },
      net_thin_120_audio_gap_ms: {
        value: audio?.longestGapMs ?? 25_000,
        unit: 'ms',
        target: 300,
        better: 'lower',
        note: `the clinician's longest concealed audio stretch in the 25 s from the 120 kbps cap on (the pause included); concealed ${audio?.concealedPct ?? '?'}%`,
      },
      net_thin_resume_ms: {
        value: backIn ?? 90_000,
        unit: 'ms',
        target: 20_000,
        better: 'lower',
        note: `from the cap lifted to the patient's video back on the clinician's screen, by itself${backIn === null ? ' (never)' : ''}`,
      },
    };
  } finally {
    wire.set({});
    await Promise.all(browsers.map((b) => b.close()));
  }
}

/** 6: 20 s on a weak link; the audio's continuity, the call's state and what the quality indicator says. */
export async function weakLink(world: LabWorld, wire: Wire): Promise<Metrics> {
  const way = { delayMs: 100, jitterMs: 15, lossPct: 1.5 };
  wire.set({ up: way, down: way });
  const browsers: [Browser, Browser] = [await labBrowser(world, 'clin-pub'), await labBrowser(world, 'pat-wire')];
  try {
    const c = await connect(world, browsers);
    if (!c.ok) throw new Error('the call on the weak link never connected');
    await sleep(3000);
    await Promise.all([c.clinician.page.evaluate(() => window.callHarness.watchAudio()), c.patient.page.evaluate(() => window.callHarness.watchAudio())]);
    const rate = await fps(c.clinician, 20_000);
    const [ca, pa] = await Promise.all([c.clinician.page.evaluate(() => window.callHarness.audioReport()), c.patient.page.evaluate(() => window.callHarness.audioReport())]);
    const q = await c.patient.page.evaluate(() => window.callHarness.quality());
    const states = (await Promise.all([c.clinician.info(), c.patient.info()])).map((i) => i.state);
    await c.close();
    return {
      net_weak_link_audio_gap_ms: {
        value: Math.max(ca?.longestGapMs ?? 60_000, pa?.longestGapMs ?? 60_000),
        unit: 'ms',
        target: 300,
        better: 'lower',
        note: `20 s at 200 ms RTT, ±15 ms each way, 3 % loss: the longest concealed audio stretch on either side (concealed ${ca?.concealedPct}% / ${pa?.concealedPct}%); clinician ${rate} fps; calls ${states.join('/')}`,
      },
      net_weak_link_rtt_error_pct: {
        value: q?.rttMs ? round((Math.abs(q.rttMs - 200) / 200) * 100) : 100,
        unit: '%',
        target: 25,
        better: 'lower',
        note: `the patient's indicator: RTT ${q?.rttMs ?? '?'} ms against the link's 200 ms, loss ${q?.packetLossPct ?? '?'} %, says "${q?.level}"`,
      },
      net_weak_link_said_not_good: {
        value: q?.level === 'good' ? 0 : 1,
        unit: 'yes',
        target: 1,
        better: 'higher',
        note: `the indicator's level on that link: ${q?.level}`,
      },
    };
  } finally {
    wire.set({});
    await Promise.all(browsers.map((b) => b.close()));
  }
}
