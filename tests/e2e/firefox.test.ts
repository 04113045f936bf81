// A Firefox patient and a Chromium clinician: directly and through the relay, with the data
// channel (the chat) both ways and an ICE restart from either side. Patients use many browsers;
// the engine must not be Chromium's alone.
import { randomBytes } from 'node:crypto';
import type { Browser } from 'puppeteer-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startCoturn } from '../../scripts/lib/coturn.mjs';
import { arrangeCall, harnessUrl, openPeer, relayIceServers, serveHarness, until, type CallPeer } from '../../web/harness/driver';
import { launchFirefox, openFirefoxPeer } from '../support/firefox';
import { framesBothWays, pairKind, selectedPair } from '../support/netlab';

type Coturn = Awaited<ReturnType<typeof startCoturn>>;

const secret = randomBytes(24).toString('hex');
let coturn: Coturn;
let server: { origin: string; close: () => Promise<void> };
let firefox: Browser;
const open: CallPeer[] = [];

beforeAll(async () => {
  coturn = await startCoturn({ port: 3620 + Number(process.env.TC_PORT_OFFSET ?? 0), secrets: [secret] });
  server = await serveHarness();
  firefox = await launchFirefox();
}, 180_000);
afterEach(async () => {
  await Promise.all(open.splice(0).map((p) => p.close()));
});
afterAll(async () => {
  await firefox?.close();
  await server?.close();
  await coturn?.stop();
});

async function mixedCall(relay: boolean) {
  const call = await arrangeCall();
  const extra = (uid: string): Record<string, string> =>
    relay ? { relay: '1', ice: JSON.stringify(relayIceServers(secret, uid, coturn.urls)) } : {};
  const [clinician, patient] = await Promise.all([
    openPeer(harnessUrl(server.origin, call, call.clinician, extra(call.clinician.uid))),
    openFirefoxPeer(firefox, harnessUrl(server.origin, call, call.patient, extra(call.patient.uid))),
  ]);
  open.push(clinician, patient);
  await Promise.all([clinician.start(), patient.start()]);
  return { clinician, patient };
}

const chatTexts = (peer: CallPeer) => peer.page.evaluate(() => window.callHarness.chatTexts());

describe('a Firefox patient with a Chromium clinician', () => {
  it('connects directly, frames both ways, and the chat crosses the data channel both ways', async () => {
    const c = await mixedCall(false);
    await framesBothWays(c, [0, 0], 60_000);
    expect(pairKind(await selectedPair(c.patient))).toBe('host');
    await c.clinician.page.evaluate(() => window.callHarness.chat('Bom dia, consegue me ouvir?'));
    await c.patient.page.evaluate(() => window.callHarness.chat('Sim, estou ouvindo.'));
    await until(() => chatTexts(c.patient), (t) => t.includes('them:Bom dia, consegue me ouvir?'), 'the clinician’s message in Firefox');
    await until(() => chatTexts(c.clinician), (t) => t.includes('them:Sim, estou ouvindo.'), 'the patient’s message in Chromium');
  });

  it('connects through the relay, and an ICE restart from either side recovers with frames on both', async () => {
    const c = await mixedCall(true);
    await framesBothWays(c, [0, 0], 60_000);
    expect(pairKind(await selectedPair(c.patient))).toBe('relay');
    expect(pairKind(await selectedPair(c.clinician))).toBe('relay');
    for (const side of [c.clinician, c.patient] as CallPeer[]) {
      const [ci, pi] = await Promise.all([c.clinician.info(), c.patient.info()]);
      await side.page.evaluate(() => window.callHarness.restartIce());
      // A new ICE generation on both sides (new ufrags), and frames flowing again on both.
      await until(() => c.clinician.info(), (i) => i.localUfrag !== ci.localUfrag, 'a new ICE generation in Chromium');
      await until(() => c.patient.info(), (i) => i.localUfrag !== pi.localUfrag, 'a new ICE generation in Firefox');
      await framesBothWays(c, [ci.framesDecoded ?? 0, pi.framesDecoded ?? 0]);
    }
    const [ci, pi] = await Promise.all([c.clinician.info(), c.patient.info()]);
    expect([ci.state, pi.state, ci.error, pi.error]).toEqual(['connected', 'connected', null, null]);
  });
});
