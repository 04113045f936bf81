// relay_recovery_ms: a relay-only call whose coturn goes down for 5 s (every allocation lost) and
// is started again on the same port with the same secret; from that start to the first new remote
// frame (requestVideoFrameCallback) on both sides, the later one. The engine recovers on its own.
import { randomBytes } from 'node:crypto';
import type { Browser, Page } from 'playwright-core';
import { startCoturn, type Coturn } from '../scripts/lib/coturn.mjs';
import { launchChromium } from '../tests/support/browser';
import { relayIceServers } from '../web/harness/driver';
import { openCall, serveOwnHarness, sleep, within, type HarnessCall } from './harnessPages';
import { log, median, round, type Metrics } from './lib';

const TRIALS = 5;
const OUTAGE_MS = 5000;
/** A call not back by then counts as not recovered. */
const GIVE_UP_MS = 60_000;
// Away from the relays of `npm test` (3578, 358x, 360x, 362x).
const RELAY_PORT = 3640 + Number(process.env.TC_PORT_OFFSET ?? 0);

/** Epoch ms of every frame the remote <video> presents from now on (kept in the page). */
async function recordFrames(page: Page): Promise<void> {
  // A string, not a function: the bench runs under tsx, whose helpers do not exist in the page.
  await page.evaluate(`(() => {
    const video = document.getElementById('remote');
    const frames = (window.benchFrames = []);
    const tick = (now) => {
      frames.push(performance.timeOrigin + now);
      video.requestVideoFrameCallback(tick);
    };
    video.requestVideoFrameCallback(tick);
  })()`);
}

const firstFrameAfter = (page: Page, t: number) =>
  page.evaluate((after) => (window as unknown as { benchFrames: number[] }).benchFrames.find((f) => f > after) ?? null, t);

export async function measureRelayRecovery(): Promise<Metrics> {
  const secret = randomBytes(24).toString('hex');
  let coturn: Coturn | null = await startCoturn({ port: RELAY_PORT, secrets: [secret] });
  const urls = coturn.urls; // the same across its restarts on this port
  const credentials = (uid: string) => ({ relay: '1', ice: JSON.stringify(relayIceServers(secret, uid, urls)) });
  const server = await serveOwnHarness();
  const browsers: [Browser, Browser] = [await launchChromium(), await launchChromium()];
  const values: number[] = [];
  let unrecovered = 0;
  try {
    for (let i = 0; i < TRIALS; i++) {
      const c: HarnessCall = await openCall(server.origin, browsers, credentials);
      try {
        await Promise.all([c.clinician.start(), c.patient.start()]);
        const flowing = await within(30_000, () => Promise.all([c.clinician.info(), c.patient.info()]), (infos) =>
          infos.every((x) => x.state === 'connected' && x.framesShown > 10),
        100);
        if (!flowing) throw new Error(`the relayed call ${c.call.consultId} never connected`);
        await Promise.all([recordFrames(c.clinician.page), recordFrames(c.patient.page)]);

        await coturn!.stop();
        coturn = null;
        await sleep(OUTAGE_MS);
        const restartedAt = Date.now();
        coturn = await startCoturn({ port: RELAY_PORT, secrets: [secret] });
        const back = await within(GIVE_UP_MS, () => Promise.all([firstFrameAfter(c.clinician.page, restartedAt), firstFrameAfter(c.patient.page, restartedAt)]), (f) =>
          f.every((x) => x !== null),
        100);
        const restarts = (await Promise.all([c.clinician.info(), c.patient.info()])).map((x) => x.iceRestarts);
        if (!back) {
          unrecovered++;
          log(`  trial ${i + 1}: no frame on both sides within ${GIVE_UP_MS / 1000} s (ICE restarts ${restarts.join('/')})`);
          continue;
        }
        const ms = Math.max(back[0]!, back[1]!) - restartedAt;
        values.push(ms);
        log(`  trial ${i + 1}: ${Math.round(ms)} ms (clinician +${Math.round(back[0]! - restartedAt)}, patient +${Math.round(back[1]! - restartedAt)}; ICE restarts ${restarts.join('/')})`);
        await Promise.all([c.clinician.leave(), c.patient.leave()]);
      } finally {
        await c.close();
      }
    }
  } finally {
    await Promise.all(browsers.map((b) => b.close()));
    await server.close();
    await coturn?.stop();
  }
  const all = [...values.map((v) => Math.round(v)), ...Array<string>(unrecovered).fill('never')];
  log(`relay recovery: n=${values.length}, median ${round(median(values))} ms; all: ${all.join(' ')}`);
  return {
    relay_recovery_ms: {
      // A trial that never recovered counts as the longest wait.
      value: round(median([...values, ...Array<number>(unrecovered).fill(GIVE_UP_MS)])),
      unit: 'ms',
      target: 3000,
      better: 'lower',
      note: `median of ${TRIALS} (${all.join(', ')} ms); coturn down ${OUTAGE_MS / 1000} s, from its restart to a new frame on both sides`,
    },
  };
}
