import { describe, expect, it } from 'vitest';
import { FakeNetwork, FakeParticipant, InMemoryPeerDocs, connected, eventually } from './testing';
import type { NegotiationTiming } from './outbox';
import { addressOf } from './sdp';

const FAKE_TIMING: Partial<NegotiationTiming> = { burstMs: 10, urgentMaxWaitMs: 30, aloneMaxWaitMs: 60, trickleMs: 5, reofferDelayMs: 40, politeOfferWaitMs: 100 };

function call(timing: Partial<NegotiationTiming> = {}) {
  const docs = new InMemoryPeerDocs();
  const network = new FakeNetwork();
  const clinician = new FakeParticipant('clinician', docs, network, { ...FAKE_TIMING, ...timing });
  const patient = new FakeParticipant('patient', docs, network, { ...FAKE_TIMING, ...timing });
  return { docs, network, clinician, patient };
}

const settle = (ms = 30) => new Promise((r) => setTimeout(r, ms));

/** The clinician waits with its offer, the patient answers it, and the two connect. */
async function connectedCall() {
  const c = call();
  c.clinician.join();
  await eventually(() => c.docs.docs.has('clinician'), 'the waiting offer');
  c.patient.join();
  await eventually(() => connected(c.clinician, c.patient), 'the first connection');
  return c;
}

describe('negotiation over the peer documents', () => {
  it('a participant alone offers to anyone, and the one who arrives later answers it in its first write', async () => {
    const { docs, clinician, patient } = call();
    clinician.join();
    await eventually(() => docs.docs.get('clinician')?.description?.type === 'offer', 'the waiting offer');
    const offer = docs.docs.get('clinician')!;
    expect(addressOf(offer.description!.sdp)).toEqual({ to: '*', seq: null });
    expect(offer.candidates.length).toBeGreaterThan(0);
    expect(offer.candidatesComplete).toBe(true);

    patient.join();
    await eventually(() => connected(clinician, patient), 'the call to connect');
    await settle();
    expect(docs.writes).toBe(2);
    expect(docs.docs.get('patient')!.description!.type).toBe('answer');
    expect(addressOf(docs.docs.get('patient')!.description!.sdp)).toEqual({ to: clinician.sessionId, seq: offer.seq });
  });

  it('the one who arrives later answers without first making an offer of its own (no rollback, no second gathering)', async () => {
    const { docs, clinician, patient } = call();
    docs.firstReadMs = 20; // reading their document takes longer than creating the connection
    clinician.join();
    await eventually(() => docs.docs.get('clinician')?.description?.type === 'offer', 'the waiting offer');
    patient.join();
    await eventually(() => connected(clinician, patient), 'the call to connect');
    expect(patient.events.filter((e) => e.type === 'described').map((e) => e.type === 'described' && e.kind)).toEqual(['answer']);
    expect(docs.writes).toBe(2);
  });

  it('an offer read before the connection exists (connection settings still loading) is answered once it does', async () => {
    const { docs, clinician, patient } = call();
    clinician.join();
    await eventually(() => docs.docs.get('clinician')?.description?.type === 'offer', 'the waiting offer');
    patient.join({ startAfterMs: 30 });
    await eventually(() => connected(clinician, patient), 'the call to connect', 1000);
    expect(patient.events.filter((e) => e.type === 'described').map((e) => e.type === 'described' && e.kind)).toEqual(['answer']);
    expect(docs.writes).toBe(2);
  });

  it('a negotiationneeded fired while that offer is being applied does not start a second negotiation', async () => {
    // The browser queues negotiationneeded when the tracks are added; it may fire while the
    // waiting offer is still being applied (the state is still "stable"), and run after the answer.
    const { docs, network, clinician, patient } = call();
    network.remoteDescriptionMs = 20;
    clinician.join();
    await eventually(() => docs.docs.get('clinician')?.description?.type === 'offer', 'the waiting offer');
    patient.join({ startAfterMs: 30 });
    await eventually(() => connected(clinician, patient), 'the call to connect', 1000);
    await settle(100);
    expect(patient.events.filter((e) => e.type === 'described').map((e) => e.type === 'described' && e.kind)).toEqual(['answer']);
    expect(docs.writes).toBe(2);
  });

  it('gathering that completes while the answer is being written costs no second write', async () => {
    const { docs, clinician, patient } = call();
    docs.ackDelayMs = 80; // a slow server: the answer's write is still in flight when gathering ends
    clinician.join();
    await eventually(() => docs.docs.get('clinician')?.description?.type === 'offer', 'the waiting offer');
    patient.join();
    await eventually(() => connected(clinician, patient), 'the call to connect');
    await settle(200);
    expect(docs.writes).toBe(2);
  });

  it('works the same way round when the patient waits first', async () => {
    const { docs, clinician, patient } = call();
    patient.join();
    await eventually(() => docs.docs.get('patient')?.description?.type === 'offer', 'the waiting offer');
    clinician.join();
    await eventually(() => connected(clinician, patient), 'the call to connect');
    await settle();
    expect(docs.writes).toBe(2);
  });

  it('both starting at the same moment (admission): the patient waits for the clinician\'s offer and answers it, two writes', async () => {
    const { docs, clinician, patient } = call();
    clinician.gatherDelayMs = 30;
    patient.join();
    clinician.join();
    await eventually(() => connected(clinician, patient), 'the call to connect');
    await settle();
    expect(docs.history.map((d) => `${d.to}:${d.signal?.description?.type}`)).toEqual(['patient:offer', 'clinician:answer']); // recipient:type
    expect(docs.writes).toBe(2);
  });

  it('a patient alone offers once its polite wait is over, and the clinician who comes later answers', async () => {
    const { docs, clinician, patient } = call();
    patient.join();
    await eventually(() => docs.docs.has('patient'), "the patient's offer after its wait", 2000);
    clinician.join();
    await eventually(() => connected(clinician, patient), 'the call to connect');
    expect(docs.docs.get('clinician')!.description!.type).toBe('answer');
  });

  it('both starting at the same moment (glare) connect: the patient yields to the clinician', async () => {
    const { docs, clinician, patient } = call({ politeOfferWaitMs: 0 });
    docs.hold(); // both offers cross each other
    clinician.join();
    patient.join();
    await eventually(() => docs.docs.has('clinician') && docs.docs.has('patient'), 'both offers written');
    docs.release();
    await eventually(() => connected(clinician, patient), 'the call to connect');
    await settle();
    expect(docs.docs.get('clinician')!.description!.type).toBe('offer');
    expect(docs.docs.get('patient')!.description!.type).toBe('answer');
    expect(docs.writes).toBeLessThanOrEqual(3);
  });

  it('an offer that arrives before ours was written is answered instead (no glare write)', async () => {
    const { docs, clinician, patient } = call();
    patient.join();
    clinician.join();
    await eventually(() => connected(clinician, patient), 'the call to connect');
    await settle();
    expect(docs.writes).toBeLessThanOrEqual(3);
  });

  it('an offer still gathering when the other offer arrives is withdrawn: it is never written over the answer', async () => {
    // Both start together; the patient's offer is out first. While the clinician applies it (which
    // takes a browser a few ms), its own offer finishes gathering. Writing that offer then would
    // make both sides answer each other: two DTLS clients, a call that never connects.
    const { docs, network, clinician, patient } = call({ politeOfferWaitMs: 0 });
    network.remoteDescriptionMs = 20;
    clinician.gatherDelayMs = 10;
    clinician.join();
    patient.join();
    await eventually(() => connected(clinician, patient), 'the call to connect');
    await settle();
    expect(docs.history.filter((d) => d.to === 'patient').map((d) => d.signal?.description?.type)).toEqual(['answer']);
    expect(docs.writes).toBe(2);
  });

  it('an answer that the connection refuses (a DTLS role it cannot take) is followed by a fresh connection at once', async () => {
    const { docs, clinician, patient } = await connectedCall();
    const first = clinician.pc!;
    // A transport that became the DTLS client cannot take an answer that makes it one again.
    first.dtlsRole = 'client';
    clinician.negotiator.restartIce();
    await eventually(() => clinician.pc !== first && connected(clinician, patient), 'a new connection that connects', 3000);
  });

  for (const who of ['clinician', 'patient'] as const) {
    it(`a reload of the ${who} rejoins the same call on a new session`, async () => {
      const { docs, clinician, patient } = call();
      clinician.join();
      await eventually(() => docs.docs.has('clinician'), 'the waiting offer');
      patient.join();
      await eventually(() => connected(clinician, patient), 'the first connection');
      const reloading = who === 'clinician' ? clinician : patient;
      const before = reloading.sessionId;
      reloading.reload();
      expect(reloading.sessionId).not.toBe(before);
      await eventually(() => connected(clinician, patient), 'the call after the reload');
      expect(docs.docs.get(who)!.sessionId).toBe(reloading.sessionId);
    });

    it(`a ${who} whose tab died without cleaning up can come back: its stale document is not answered blindly`, async () => {
      const { docs, clinician, patient } = call();
      clinician.join();
      await eventually(() => docs.docs.has('clinician'), 'the waiting offer');
      patient.join();
      await eventually(() => connected(clinician, patient), 'the first connection');
      const crashing = who === 'clinician' ? clinician : patient;
      crashing.reload({ clean: false });
      await eventually(() => connected(clinician, patient), 'the call after the crash', 3000);
    });
  }

  it('duplicate and out-of-order documents are ignored', async () => {
    const { docs, clinician, patient } = await connectedCall();
    const firstOffer = structuredClone(docs.docs.get('clinician')!);
    const answer = structuredClone(docs.docs.get('patient')!);

    clinician.negotiator.restartIce();
    await eventually(() => docs.docs.get('clinician')!.seq > firstOffer.seq && connected(clinician, patient), 'the ICE restart');
    const pcs = [clinician.pc, patient.pc];
    // Old documents arriving late, and the current ones twice.
    docs.redeliver('patient', firstOffer);
    docs.redeliver('clinician', answer);
    docs.redeliver('patient', docs.docs.get('clinician')!);
    docs.redeliver('clinician', docs.docs.get('patient')!);
    await settle();
    expect([clinician.pc, patient.pc]).toEqual(pcs);
    expect(connected(clinician, patient)).toBe(true);
  });

  it('documents of an earlier session are ignored once a newer session spoke', async () => {
    const { docs, clinician, patient } = await connectedCall();
    const oldPatientDoc = structuredClone(docs.docs.get('patient')!);
    patient.reload();
    await eventually(() => connected(clinician, patient), 'the call after the reload');
    const pc = clinician.pc;
    docs.redeliver('clinician', oldPatientDoc);
    await settle();
    expect(clinician.pc).toBe(pc);
    expect(clinician.negotiator.remoteSession).toBe(patient.sessionId);
    expect(connected(clinician, patient)).toBe(true);
  });

  it('deliveries released in reverse order still end connected', async () => {
    const { docs, clinician, patient } = call();
    clinician.join();
    await eventually(() => docs.docs.has('clinician'), 'the waiting offer');
    docs.hold();
    patient.join();
    clinician.negotiator.restartIce();
    await settle(60);
    docs.release((held) => [...held].reverse());
    await eventually(() => connected(clinician, patient), 'the call to connect', 3000);
  });

  it('an ICE restart keeps the connection and its DTLS identity, with a new ICE generation', async () => {
    const { docs, clinician, patient } = await connectedCall();
    const [cpc, ppc, ufrag] = [clinician.pc, patient.pc, patient.pc!.ufrag];
    patient.negotiator.restartIce();
    await eventually(() => patient.pc!.ufrag !== ufrag && connected(clinician, patient), 'the restart to complete');
    expect([clinician.pc, patient.pc]).toEqual([cpc, ppc]);
  });

  it('both restarting ICE at once (glare on a live call) still converges', async () => {
    const { docs, clinician, patient } = await connectedCall();
    const ufrags = [clinician.pc!.ufrag, patient.pc!.ufrag];
    docs.hold();
    clinician.negotiator.restartIce();
    patient.negotiator.restartIce();
    await settle(60);
    docs.release();
    await eventually(
      () => clinician.pc!.ufrag !== ufrags[0] && patient.pc!.ufrag !== ufrags[1] && connected(clinician, patient),
      'both restarts to settle',
    );
  });

  it('a participant who leaves is forgotten, and whoever comes next finds a fresh offer to answer', async () => {
    const { docs, clinician, patient } = await connectedCall();
    const answered = docs.docs.get('clinician')!.seq;
    patient.leave();
    await eventually(() => clinician.negotiator.remoteSession === null, 'the clinician to notice');
    await eventually(
      () => docs.docs.get('clinician')!.seq > answered && addressOf(docs.docs.get('clinician')!.description!.sdp)?.to === '*',
      'a fresh offer to anyone',
    );
    await settle();
    const writes = docs.writes;
    patient.join();
    await eventually(() => connected(clinician, patient), 'the next connection');
    await settle();
    expect(docs.writes - writes).toBe(1);
  });

  it('a participant whose page went away (a reload) is offered afresh at once; one who left waits the quiet delay', async () => {
    for (const expectedBack of [true, false]) {
      const c = call({ reofferDelayMs: 2000 });
      c.clinician.join();
      await eventually(() => c.docs.docs.has('clinician'), 'the waiting offer');
      c.patient.join();
      await eventually(() => connected(c.clinician, c.patient), 'the first connection');
      const answered = c.docs.docs.get('clinician')!.seq;
      c.clinician.negotiator.remoteLeft(c.clinician.negotiator.remoteSession!, expectedBack);
      await settle(400);
      const fresh = c.docs.docs.get('clinician')!.seq > answered;
      expect(fresh, `expectedBack=${expectedBack}`).toBe(expectedBack);
      c.clinician.leave();
      c.patient.leave();
    }
  });

  it('when both leave within moments of each other, nobody writes a fresh offer', async () => {
    const { docs, clinician, patient } = await connectedCall();
    await settle();
    patient.leave();
    await settle(10);
    clinician.leave();
    await settle(80);
    expect(docs.writes).toBe(4);
  });

  it('an offer already sent but not yet acknowledged counts as sent: crossing restarts still converge', async () => {
    const { docs, clinician, patient } = await connectedCall();
    const ufrags = [clinician.pc!.ufrag, patient.pc!.ufrag];
    docs.ackDelayMs = 40;
    patient.negotiator.restartIce();
    clinician.negotiator.restartIce();
    await eventually(
      () => clinician.pc!.ufrag !== ufrags[0] && patient.pc!.ufrag !== ufrags[1] && connected(clinician, patient),
      'both sides on a new ICE generation',
    );
  });
});
