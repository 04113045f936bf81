import { describe, expect, it } from 'vitest';
import { FakeBrowserConnection, FakeStream } from './fakeBrowser';
import { createCallSession, type CallSession } from './session';
import { FakeNetwork, InMemoryPeerDocs, eventually } from './testing';
import type { CallRole, Signaling } from './types';

/** Short enough for milliseconds of test; the write budgets stay wide, so a loaded machine does not split a write. */
const FAST = {
  burstMs: 5,
  urgentMaxWaitMs: 200,
  aloneMaxWaitMs: 400,
  trickleMs: 200,
  reofferDelayMs: 20,
  disconnectedGraceMs: 20,
  statsIntervalMs: 10,
  reconnectRetryMs: 30,
  connectWatchdogMs: 400,
};

function signalingFor(docs: InMemoryPeerDocs, role: CallRole): Signaling {
  return {
    get writeCount() {
      return docs.writes;
    },
    async publish(signal) {
      docs.write(role, signal);
    },
    async remove() {
      docs.write(role, null);
    },
    watchRemote: (onSignal) => docs.watch(role, onSignal),
  };
}

/** One participant's session on fake connections; its connections are kept for the test to act on. */
function participant(role: CallRole, docs: InMemoryPeerDocs, network: FakeNetwork) {
  const stream = new FakeStream();
  const connections: FakeBrowserConnection[] = [];
  const session: CallSession = createCallSession({
    consultId: 'c1',
    uid: role,
    role,
    signaling: signalingFor(docs, role),
    getIceServers: async () => ({ iceServers: [], expiresAt: new Date(Date.now() + 3_600_000).toISOString() }),
    localStream: stream.asMediaStream,
    createPeerConnection: (config) => {
      const pc = new FakeBrowserConnection(network, config);
      connections.push(pc);
      return pc as unknown as RTCPeerConnection;
    },
    timing: FAST,
    leaveOnPageHide: false,
  });
  return { session, stream, connections, pc: () => connections[connections.length - 1]! };
}

function call() {
  const docs = new InMemoryPeerDocs();
  const network = new FakeNetwork();
  return { docs, network, clinician: participant('clinician', docs, network), patient: participant('patient', docs, network) };
}

async function connectedCall() {
  const c = call();
  await c.clinician.session.start();
  await eventually(() => c.docs.docs.has('clinician'), 'the clinician waiting with an offer');
  await c.patient.session.start();
  await eventually(() => c.clinician.session.state.get() === 'connected' && c.patient.session.state.get() === 'connected', 'both connected');
  return c;
}

describe('a call session wired to fake connections', () => {
  it('two participants connect in two writes, see each other, and leaving costs one delete each', async () => {
    const c = await connectedCall();
    expect(c.docs.writes).toBe(2);
    expect(c.clinician.session.remotePresent.get()).toBe(true);
    expect(c.patient.session.remoteStream.get()).not.toBeNull();
    await c.patient.session.leave();
    await eventually(() => c.clinician.session.state.get() === 'connecting', 'the clinician waiting again');
    expect(c.clinician.session.remotePresent.get()).toBe(false);
    await c.clinician.session.leave();
    expect(c.docs.writes).toBe(4);
    expect(c.docs.docs.size).toBe(0);
  });

  it('a page that goes away (a reload) leaves its last picture with a "coming back" notice; a bye does not', async () => {
    const c = await connectedCall();
    const picture = c.clinician.session.remoteStream.get();
    await c.patient.session.leave('away');
    await eventually(() => c.clinician.session.state.get() === 'connecting', 'the clinician waiting again');
    expect(c.clinician.session.remoteAway.get()).toBe(true);
    expect(c.clinician.session.remoteStream.get()).toBe(picture);

    // The patient comes back in a new session: the notice goes and a new picture arrives.
    const back = participant('patient', c.docs, c.network);
    await back.session.start();
    await eventually(() => c.clinician.session.state.get() === 'connected', 'connected again', 3000);
    expect(c.clinician.session.remoteAway.get()).toBe(false);
    await eventually(() => c.clinician.session.remoteStream.get() !== picture, 'the new picture');

    await back.session.leave('bye');
    await eventually(() => c.clinician.session.state.get() === 'connecting', 'the clinician waiting again');
    expect(c.clinician.session.remoteAway.get()).toBe(false);
    expect(c.clinician.session.remoteStream.get()).toBeNull();
    await c.clinician.session.leave();
  });

  it('the end of the call stops our camera and microphone, and a closed consult says why', async () => {
    const c = await connectedCall();
    await c.patient.session.consultEnded();
    expect(c.patient.session.state.get()).toBe('ended');
    expect(c.patient.session.error.get()?.reason).toBe('consult-ended');
    expect(c.patient.stream.getTracks().map((t) => t.readyState)).toEqual(['ended', 'ended']);
    expect(c.patient.session.peerConnection()).toBeNull();
    await c.clinician.session.leave();
  });

  it('a connection that drops is restarted by the recovery policy and the call comes back', async () => {
    const c = await connectedCall();
    const before = c.clinician.pc();
    before.drop();
    expect(c.clinician.session.state.get()).toBe('reconnecting');
    await eventually(() => c.clinician.session.state.get() === 'connected', 'connected again', 3000);
    expect(c.clinician.session.iceRestarts.get()).toBeGreaterThanOrEqual(1);
    // An ICE restart: the same connection, a new ICE generation.
    expect(c.clinician.pc()).toBe(before);
    await Promise.all([c.clinician.session.leave(), c.patient.session.leave()]);
  });

  it('media that stops arriving on a connection still called connected is noticed from the stats and restarted', async () => {
    const c = await connectedCall();
    await eventually(() => (c.patient.session.quality.get()?.bitrateKbps ?? 0) > 0, 'media flowing');
    const states: string[] = [];
    c.patient.session.state.subscribe((state) => states.push(state));
    c.patient.pc().mediaStalled = true;
    await eventually(() => c.patient.session.iceRestarts.get() >= 1, 'the stall noticed and ICE restarted', 2000);
    expect(states[0]).toBe('reconnecting');
    c.patient.pc().mediaStalled = false;
    await eventually(() => c.patient.session.state.get() === 'connected', 'media back', 2000);
    await Promise.all([c.clinician.session.leave(), c.patient.session.leave()]);
  });

  it('a session that only prepared (the waiting room) writes nothing, not even a delete when it ends', async () => {
    const c = call();
    await c.clinician.session.start();
    await eventually(() => c.docs.docs.has('clinician'), 'the waiting offer');
    c.patient.session.prepare();
    await new Promise((r) => setTimeout(r, 50));
    await c.patient.session.leave();
    expect(c.docs.writes).toBe(1);
    expect(c.patient.stream.getTracks().every((t) => t.readyState === 'ended')).toBe(true);
    await c.clinician.session.leave();
  });
});
