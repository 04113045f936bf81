// Fault injection: the TURN relay of a relay-only call goes away for 5 s and comes back on the same
// port with the same secret (every allocation lost). The engine must notice and recover on its own.
import { randomBytes } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startCoturn, type Coturn } from '../../scripts/lib/coturn.mjs';
import { arrangeCall, harnessUrl, openPeer, relayIceServers, serveHarness, until, type HarnessPeer } from '../../web/harness/driver';

type Info = Awaited<ReturnType<HarnessPeer['info']>>;

// A relay of this file's own, away from the other suites' ports (3578 dev, 358x, 360x).
const RELAY_PORT = 3620 + Number(process.env.TC_PORT_OFFSET ?? 0);
const OUTAGE_MS = 5000;
/** Recovery waits are generous: a loaded CI machine is slow, and a recovery that never comes still fails. */
const LONG = 60_000;
const secret = randomBytes(24).toString('hex');
let coturn: Coturn | null = null;
/** The relay's URLs, the same across its restart on the same port. */
let relayUrls: string[] = [];
let server: { origin: string; close: () => Promise<void> };
const open: HarnessPeer[] = [];

beforeAll(async () => {
  coturn = await startCoturn({ port: RELAY_PORT, secrets: [secret] });
  relayUrls = coturn.urls;
  server = await serveHarness();
});
afterEach(async () => {
  await Promise.all(open.splice(0).map((p) => p.close()));
});
afterAll(async () => {
  await server?.close();
  await coturn?.stop();
});

async function relayedPair() {
  const call = await arrangeCall();
  const [clinician, patient] = await Promise.all(
    [call.clinician, call.patient].map((who) =>
      openPeer(harnessUrl(server.origin, call, who, { relay: '1', ice: JSON.stringify(relayIceServers(secret, who.uid, relayUrls)) })),
    ),
  );
  open.push(clinician!, patient!);
  return { call, clinician: clinician!, patient: patient! };
}

/** Connected, and the remote <video> has shown more than `after` frames (rVFC count, kept across connections). */
const showingPast = (after: number) => (i: Info) => i.state === 'connected' && i.framesShown > after + 10 && (i.framesDecoded ?? 0) > 0;

/** On failure, both engines' steps go to the log: a recovery that did not happen is otherwise opaque. */
async function withTraces<T>(peers: Record<string, HarnessPeer>, body: () => Promise<T>): Promise<T> {
  try {
    return await body();
  } catch (error) {
    for (const [who, peer] of Object.entries(peers)) {
      const trace = await peer.page.evaluate(() => window.callHarness.trace()).catch(() => []);
      console.error(`${who} trace:\n${trace.map((e) => `  ${JSON.stringify(e)}`).join('\n')}`);
    }
    throw error;
  }
}

describe('a relay-only call when the relay goes down for 5 s', () => {
  it('notices the stalled media, and once the relay is back it recovers by itself with frames decoded on both sides', async () => {
    const p = await relayedPair();
    await withTraces({ clinician: p.clinician, patient: p.patient }, () => outageAndRecovery(p));
  });
});

async function outageAndRecovery(p: Awaited<ReturnType<typeof relayedPair>>) {
  await Promise.all([p.clinician.start(), p.patient.start()]);
  const read = () => Promise.all([p.clinician.info(), p.patient.info()]);
  await until(read, ([c, q]) => showingPast(0)(c) && showingPast(0)(q), 'frames on both sides through the relay', LONG);
  const [c0, q0] = await until(read, ([c, q]) => c.candidateType === 'relay' && q.candidateType === 'relay', 'relay candidates in the quality snapshot', LONG);
  expect([c0.iceRestarts, q0.iceRestarts]).toEqual([0, 0]);

  await coturn!.stop();
  coturn = null;
  const statesSeen = { clinician: new Set<string>(), patient: new Set<string>() };
  const record = ([c, q]: Info[]) => {
    statesSeen.clinician.add(c!.state);
    statesSeen.patient.add(q!.state);
  };
  const down = Date.now();
  while (Date.now() - down < OUTAGE_MS) {
    record(await read());
    await new Promise((r) => setTimeout(r, 200));
  }
  coturn = await startCoturn({ port: RELAY_PORT, secrets: [secret] });
  const [cBack, qBack] = await read();
  record([cBack!, qBack!]);

  // No restartIce() from here on: the engine has to find its own way back.
  const [c1, q1] = await until(
    async () => {
      const infos = await read();
      record(infos);
      return infos;
    },
    ([c, q]) => showingPast(cBack!.framesShown)(c) && showingPast(qBack!.framesShown)(q),
    'frames on both sides after the relay came back',
    LONG,
  );
  expect(statesSeen.clinician).toContain('reconnecting');
  expect(statesSeen.patient).toContain('reconnecting');
  expect(c1.iceRestarts + q1.iceRestarts).toBeGreaterThan(0);
  expect([c1.state, q1.state]).toEqual(['connected', 'connected']);
  expect([c1.error, q1.error]).toEqual([null, null]);
  expect([c1.sessionId, q1.sessionId]).toEqual([c0.sessionId, q0.sessionId]);
  const [c2, q2] = await until(read, ([c, q]) => c.candidateType !== null && q.candidateType !== null, 'the quality snapshot', LONG);
  expect([c2.candidateType, q2.candidateType]).toEqual(['relay', 'relay']);
  // Still flowing, not a last frame or two.
  await until(read, ([c, q]) => c.framesShown > c1.framesShown + 10 && q.framesShown > q1.framesShown + 10, 'frames still flowing', LONG);
}
