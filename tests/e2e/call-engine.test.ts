// The call engine between two Chromium processes with fake media, signaling through the
// Firestore emulator under the real rules.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { adminDb } from '../support/admin';
import { arrangeCall, harnessUrl, openPeer, printTrace as print, serveHarness, until, type ArrangedCall, type HarnessPeer } from '../../web/harness/driver';

type Pair = { call: ArrangedCall; clinician: HarnessPeer; patient: HarnessPeer };
const printTrace = (p: Pair, t0: number) => print({ clinician: p.clinician, patient: p.patient }, t0);

let server: { origin: string; close: () => Promise<void> };
const open: HarnessPeer[] = [];

beforeAll(async () => {
  server = await serveHarness();
});
afterEach(async () => {
  await Promise.all(open.splice(0).map((p) => p.close()));
});
afterAll(async () => {
  await server?.close();
});

async function pair(extra: Record<string, string> = {}): Promise<Pair> {
  const call = await arrangeCall();
  const [clinician, patient] = await Promise.all([
    openPeer(harnessUrl(server.origin, call, call.clinician, extra)),
    openPeer(harnessUrl(server.origin, call, call.patient, extra)),
  ]);
  open.push(clinician, patient);
  return { call, clinician, patient };
}

/** Both pages show remote frames, and both decoders have gone past `after`. */
async function bothDecoding(p: Pair, after: [number, number] = [0, 0]) {
  const read = () => Promise.all([p.clinician.info(), p.patient.info()]);
  return until(
    read,
    ([c, q]) => c.framesShown > 0 && q.framesShown > 0 && (c.framesDecoded ?? 0) > after[0] + 5 && (q.framesDecoded ?? 0) > after[1] + 5,
    'frames decoded on both sides',
  );
}

describe('a call between two browsers through the Firestore emulator', () => {
  it('connects, both sides decode frames, and leaving removes the signaling data and is seen at once', async () => {
    const p = await pair({ stats: '1' });
    await p.clinician.start();
    await until(() => p.clinician.info(), (i) => i.ackedWrites >= 1, 'the waiting offer on the server');
    await p.patient.start();
    const [c, q] = await bothDecoding(p);
    expect(c.state).toBe('connected');
    expect(q.state).toBe('connected');
    expect(c.candidateType ?? 'host').toBe('host');
    const setupMs = Math.max(c.firstFrameAt!, q.firstFrameAt!) - q.startedAt!;
    console.log(`call setup ${Math.round(setupMs)} ms; signaling writes clinician ${c.writes}, patient ${q.writes}`);
    await printTrace(p, q.startedAt!);

    await p.patient.page.evaluate(() => window.callHarness.leave());
    const after = await until(() => p.clinician.info(), (i) => !i.remotePresent && i.state === 'connecting', 'the clinician to see the patient leave', 10_000);
    expect(after.framesShown).toBeGreaterThan(0);
    const peerDoc = await adminDb().doc(`consults/${p.call.consultId}/peers/${p.call.patient.uid}`).get();
    expect(peerDoc.exists).toBe(false);
    await p.clinician.page.evaluate(() => window.callHarness.leave());
    const [cEnd, qEnd] = await Promise.all([p.clinician.info(), p.patient.info()]);
    console.log(`firestore writes per call (both peers, deletes included): ${cEnd.writes + qEnd.writes}`);
    // The one who arrived second answered in its very first write (description and candidates together).
    const published = (await p.patient.page.evaluate(() => window.callHarness.trace())).filter((e) => e.event === 'published');
    expect(published[0]).toMatchObject({ kind: 'answer' });
    expect(published[0]!.candidates).toBeGreaterThan(0);
    // Two descriptions and two deletes; a candidate found after the answer left may add one write.
    expect(cEnd.writes).toBe(2);
    expect(qEnd.writes).toBeLessThanOrEqual(3);
    const peers = await adminDb().collection(`consults/${p.call.consultId}/peers`).get();
    expect(peers.size).toBe(0);
    // Each side left its call summary, marked final.
    const stats = await adminDb().doc(`consults/${p.call.consultId}/stats/${p.call.patient.uid}`).get();
    expect(stats.get('final')).toBe(true);
    expect(stats.get('connectMs')).toBeGreaterThanOrEqual(0);
    expect(stats.get('candidateType')).toBe('host');
  });

  it('video starts at half resolution for a quick first picture, then climbs to the camera\'s full resolution', async () => {
    const p = await pair();
    await p.clinician.start();
    await until(() => p.clinician.info(), (i) => i.ackedWrites >= 1, 'the waiting offer on the server');
    await p.patient.start();
    const [c0, q0] = await bothDecoding(p);
    // The fake camera gives 1280×720; the first frame each side shows is half of that.
    expect([c0.firstFrameSize, q0.firstFrameSize]).toEqual([{ width: 640, height: 360 }, { width: 640, height: 360 }]);
    // On loopback the uplink estimate soon allows full resolution; the adaptation raises it by itself.
    const read = () => Promise.all([p.clinician.info(), p.patient.info()]);
    await until(read, ([c, q]) => c.frameSize?.width === 1280 && q.frameSize?.width === 1280, 'full resolution on both sides', 30_000);
  });

  it('switching camera mid-call replaces the track: no renegotiation, and the other side keeps decoding', async () => {
    // Chromium's second fake camera feeds no frames to WebRTC at all, so the switch is made as the
    // call screen's front/rear button makes it on a one-camera device: the camera is closed and
    // opened again (phones cannot hold two), and the new track replaces the old in the sender.
    const p = await pair();
    await p.clinician.start();
    await until(() => p.clinician.info(), (i) => i.ackedWrites >= 1, 'the waiting offer on the server');
    await p.patient.start();
    await bothDecoding(p);
    // Late candidates may still be written in the first second; count from after that.
    await new Promise((r) => setTimeout(r, 1500));
    const [c0, q0] = await Promise.all([p.clinician.info(), p.patient.info()]);
    const before = await p.patient.page.evaluate(() => window.callHarness.sendingTrack());
    const afterId = await p.patient.page.evaluate(() => window.callHarness.switchCamera());
    expect(before?.readyState).toBe('live');
    expect(afterId).not.toBe(before?.id);
    expect(await p.patient.page.evaluate(() => window.callHarness.sendingTrack())).toEqual({ id: afterId, readyState: 'live' });
    const [c1, q1] = await bothDecoding(p, [c0.framesDecoded ?? 0, q0.framesDecoded ?? 0]);
    // Same sessions, same ICE generation, and not one signaling write more.
    expect([c1.sessionId, q1.sessionId, q1.localUfrag]).toEqual([c0.sessionId, q0.sessionId, q0.localUfrag]);
    expect([c1.writes, q1.writes]).toEqual([c0.writes, q0.writes]);
    expect([c1.iceRestarts, q1.iceRestarts]).toEqual([0, 0]);
  });

  it('both starting at the same moment (glare) still connect', async () => {
    const p = await pair();
    await Promise.all([p.clinician.start(), p.patient.start()]);
    const [c, q] = await bothDecoding(p);
    await printTrace(p, q.startedAt!);
    expect([c.state, q.state]).toEqual(['connected', 'connected']);
  });

  it('a page reload rejoins the same call and media flows again', async () => {
    const p = await pair({ autostart: '1' });
    const [c0, q0] = await bothDecoding(p);
    await p.patient.page.reload();
    await p.patient.page.waitForFunction(() => window.callHarness !== undefined);
    const [c1, q1] = await bothDecoding(p);
    expect(q1.sessionId).not.toBe(q0.sessionId);
    expect(c1.sessionId).toBe(c0.sessionId);
    expect([c1.state, q1.state]).toEqual(['connected', 'connected']);
    const doc = await adminDb().doc(`consults/${p.call.consultId}/peers/${p.call.patient.uid}`).get();
    expect(doc.get('sessionId')).toBe(q1.sessionId);
  });

  it('a forced ICE restart completes and media keeps flowing', async () => {
    const p = await pair();
    await p.clinician.start();
    await p.patient.start();
    const [c0, q0] = await bothDecoding(p);
    await p.clinician.page.evaluate(() => window.callHarness.restartIce());
    const [c1, q1] = await until(
      () => Promise.all([p.clinician.info(), p.patient.info()]),
      ([c, q]) => c.localUfrag !== c0.localUfrag && q.localUfrag !== q0.localUfrag && c.state === 'connected' && q.state === 'connected',
      'new ICE credentials on both sides',
    );
    await printTrace(p, c0.startedAt!);
    expect(c1.iceRestarts).toBeGreaterThanOrEqual(1);
    await bothDecoding(p, [c1.framesDecoded ?? 0, q1.framesDecoded ?? 0]);
  });
});
