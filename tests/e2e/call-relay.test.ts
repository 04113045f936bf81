// The call engine through a real coturn (relay only): a relayed call, a relay outage it survives,
// and a rejected TURN credential reported as such instead of a call that waits forever.
import { randomBytes } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startCoturn } from '../../scripts/lib/coturn.mjs';
import { arrangeCall, harnessUrl, openPeer, printTrace, relayIceServers, serveHarness, until, type HarnessPeer } from '../../web/harness/driver';

type Coturn = Awaited<ReturnType<typeof startCoturn>>;
type Info = Awaited<ReturnType<HarnessPeer['info']>>;

const secret = randomBytes(24).toString('hex');
let coturn: Coturn;
let server: { origin: string; close: () => Promise<void> };
const open: HarnessPeer[] = [];

beforeAll(async () => {
  // A port of our own beside the other suites' relays.
  coturn = await startCoturn({ port: 3600 + Number(process.env.TC_PORT_OFFSET ?? 0), secrets: [secret] });
  server = await serveHarness();
});
afterEach(async () => {
  await Promise.all(open.splice(0).map((p) => p.close()));
});
afterAll(async () => {
  await server?.close();
  await coturn?.stop();
});

async function relayedPair(key = secret) {
  const call = await arrangeCall();
  const peers = await Promise.all(
    [call.clinician, call.patient].map((who) =>
      openPeer(harnessUrl(server.origin, call, who, { relay: '1', ice: JSON.stringify(relayIceServers(key, who.uid, coturn.urls)) })),
    ),
  );
  open.push(...peers);
  return { call, clinician: peers[0]!, patient: peers[1]! };
}

const decodingPast = (after: number) => (i: Info) => i.state === 'connected' && (i.framesDecoded ?? 0) > after + 10;

describe('a call relayed through coturn', () => {
  it('connects through the relay and both sides decode frames', async () => {
    const p = await relayedPair();
    await Promise.all([p.clinician.start(), p.patient.start()]);
    const [c, q] = await Promise.all([
      until(() => p.clinician.info(), decodingPast(0), 'clinician frames'),
      until(() => p.patient.info(), decodingPast(0), 'patient frames'),
    ]);
    await until(() => p.clinician.info(), (i) => i.candidateType === 'relay', 'the quality snapshot');
    expect([c.error, q.error]).toEqual([null, null]);
  });

  it('both sides starting at once, five calls in a row: each connects at the first attempt, without an ICE restart', async () => {
    // Relay gathering takes tens of milliseconds, long enough for an offer to finish gathering
    // while the other side's offer is being applied. That once made both sides answer each other.
    for (let i = 0; i < 5; i++) {
      const p = await relayedPair();
      await Promise.all([p.clinician.start(), p.patient.start()]);
      const [c, q] = await Promise.all([
        until(() => p.clinician.info(), decodingPast(0), 'clinician frames'),
        until(() => p.patient.info(), decodingPast(0), 'patient frames'),
      ]);
      if (c.iceRestarts + q.iceRestarts > 0) await printTrace({ clinician: p.clinician, patient: p.patient }, q.startedAt!, true);
      expect([c.iceRestarts, q.iceRestarts, c.error, q.error]).toEqual([0, 0, null, null]);
      await Promise.all(open.splice(0).map((peer) => peer.close()));
    }
  });

  it('survives a relay restart that loses every allocation: media stalls, ICE restarts, frames flow again', async () => {
    const p = await relayedPair();
    await Promise.all([p.clinician.start(), p.patient.start()]);
    await Promise.all([
      until(() => p.clinician.info(), decodingPast(0), 'clinician frames'),
      until(() => p.patient.info(), decodingPast(0), 'patient frames'),
    ]);
    const t0 = Date.now();
    await coturn.restart();
    const [c0, q0] = await Promise.all([p.clinician.info(), p.patient.info()]);
    const [c1, q1] = await Promise.all([
      until(() => p.clinician.info(), decodingPast(c0.framesDecoded ?? 0), 'clinician frames after the outage', 45_000),
      until(() => p.patient.info(), decodingPast(q0.framesDecoded ?? 0), 'patient frames after the outage', 45_000),
    ]).catch(async (e: unknown) => {
      await printTrace({ clinician: p.clinician, patient: p.patient }, t0, true);
      console.log(JSON.stringify(await p.clinician.page.evaluate(() => window.callHarness.pairs()), null, 0));
      throw e;
    });
    expect(c1.state).toBe('connected');
    expect(q1.state).toBe('connected');
    // Whichever side noticed the stall first restarted ICE (the other answers its offer).
    const [c2, q2] = await Promise.all([p.clinician.info(), p.patient.info()]);
    expect(c2.iceRestarts + q2.iceRestarts).toBeGreaterThan(0);
  });

  it('a rejected TURN credential is reported as turn-credentials-rejected, not an endless wait', async () => {
    const p = await relayedPair('not-the-secret');
    await Promise.all([p.clinician.start(), p.patient.start()]);
    const [c, q] = await Promise.all([
      until(() => p.clinician.info(), (i) => i.error !== null, 'the clinician error'),
      until(() => p.patient.info(), (i) => i.error !== null, 'the patient error'),
    ]);
    expect(c.error).toBe('turn-credentials-rejected');
    expect(q.error).toBe('turn-credentials-rejected');
    expect(c.state).not.toBe('connected');
  });
});
