// Fault injection: the patient's tab goes away mid-call, once closed (the page says goodbye) and
// once with its whole browser process killed (nothing is said). The clinician must see the patient
// gone, and the patient must be able to come back to the same consult with media flowing again.
import { chromium, type Browser, type BrowserServer } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { CHROMIUM_ARGS, CHROMIUM_PATH, launchChromium } from '../support/browser';
import { arrangeCall, harnessUrl, openPeer, openPeerIn, serveHarness, until, type ArrangedCall, type HarnessPeer } from '../../web/harness/driver';

type Info = Awaited<ReturnType<HarnessPeer['info']>>;

let server: { origin: string; close: () => Promise<void> };
const cleanups: (() => Promise<unknown>)[] = [];

beforeAll(async () => {
  server = await serveHarness();
});
afterEach(async () => {
  await Promise.all(cleanups.splice(0).map((c) => c().catch(() => {})));
});
afterAll(async () => {
  await server?.close();
});

/** Connected, and the remote <video> has shown more than `after` frames (rVFC count of that page). */
const showingPast = (after: number) => (i: Info) =>
  i.state === 'connected' && i.remotePresent && i.framesShown > after + 10 && (i.framesDecoded ?? 0) > 0;

async function clinicianIn(call: ArrangedCall): Promise<HarnessPeer> {
  const clinician = await openPeer(harnessUrl(server.origin, call, call.clinician));
  cleanups.push(() => clinician.close());
  return clinician;
}

/** Both sides connected and decoding; returns the clinician's view at that moment. */
async function inCall(clinician: HarnessPeer, patient: HarnessPeer): Promise<[Info, Info]> {
  await Promise.all([clinician.start(), patient.start()]);
  return until(() => Promise.all([clinician.info(), patient.info()]), ([c, q]) => showingPast(0)(c) && showingPast(0)(q), 'frames on both sides', 60_000);
}

/** The patient comes back in `browser`, and frames flow again both ways. */
async function rejoins(browser: Browser, call: ArrangedCall, clinician: HarnessPeer, before: Info, goneSession: string | null) {
  const clinicianGone = await clinician.info();
  const patient = await openPeerIn(browser, harnessUrl(server.origin, call, call.patient));
  cleanups.push(() => patient.close());
  await patient.start();
  const [c, q] = await until(
    () => Promise.all([clinician.info(), patient.info()]),
    ([c, q]) => showingPast(clinicianGone.framesShown)(c) && showingPast(0)(q),
    'frames on both sides after the patient rejoined',
    60_000,
  );
  expect(q.sessionId).not.toBe(goneSession);
  expect(c.sessionId).toBe(before.sessionId);
  expect([c.state, q.state]).toEqual(['connected', 'connected']);
  expect([c.error, q.error]).toEqual([null, null]);
}

describe("the patient's tab going away mid-call", () => {
  it('a closed tab: the clinician sees the patient leave, and the patient rejoins from a new tab with frames both ways', async () => {
    const call = await arrangeCall();
    const clinician = await clinicianIn(call);
    const patientBrowser = await launchChromium();
    cleanups.push(() => patientBrowser.close());
    const patient = await openPeerIn(patientBrowser, harnessUrl(server.origin, call, call.patient));
    const [c0, q0] = await inCall(clinician, patient);

    await patient.page.close();
    const gone = await until(() => clinician.info(), (i) => !i.remotePresent && i.state !== 'connected', 'the clinician to see the patient leave', 30_000);
    expect(gone.state).toBe('connecting');

    await rejoins(patientBrowser, call, clinician, c0, q0.sessionId);
  });

  it("a killed browser process: the clinician's call leaves 'connected', and the patient rejoins from a new browser with frames both ways", async () => {
    const call = await arrangeCall();
    const clinician = await clinicianIn(call);
    // A browser server, so that its process can be killed like a crash (no pagehide, no bye).
    const crashing: BrowserServer = await chromium.launchServer({ executablePath: CHROMIUM_PATH, headless: true, args: CHROMIUM_ARGS });
    cleanups.push(() => crashing.kill());
    const crashingBrowser = await chromium.connect(crashing.wsEndpoint());
    const patient = await openPeerIn(crashingBrowser, harnessUrl(server.origin, call, call.patient));
    const [c0, q0] = await inCall(clinician, patient);

    crashing.process().kill('SIGKILL');
    const gone = await until(() => clinician.info(), (i) => i.state !== 'connected', "the clinician's call to leave 'connected'", 30_000);
    expect(['reconnecting', 'connecting']).toContain(gone.state);

    const freshBrowser = await launchChromium();
    cleanups.push(() => freshBrowser.close());
    await rejoins(freshBrowser, call, clinician, c0, q0.sessionId);
  });
});
