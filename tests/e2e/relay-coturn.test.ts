// Relay-only calls through a real coturn on 127.0.0.1, with credentials from getIceServers.
// Each peer runs in its own Chromium; SDP travels through the test (no Firestore needed).
import { createHmac, randomBytes, randomUUID } from 'node:crypto';
import { Timestamp } from 'firebase-admin/firestore';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GetIceServersResult, IceServer } from '../../functions/src/lib/api';
import type { ConsultDoc } from '../../functions/src/lib/model';
import { turnRestCredential } from '../../functions/src/turn/coturn';
import { DEV_TURN_PORT, startCoturn } from '../../scripts/lib/coturn.mjs';
import { adminDb, createUser } from '../support/admin';
import { launchChromium } from '../support/browser';
import { clientSession, signInAnonymousPatient, signInWithPassword, type ClientSession } from '../support/emulators';

type Coturn = Awaited<ReturnType<typeof startCoturn>>;

// The harness runs the demo relay on DEV_TURN_PORT for every test; this file starts its own
// (with a second, "previous" secret) beside it, and points the issued URLs at it.
const RELAY_PORT = DEV_TURN_PORT + 2 + Number(process.env.TC_PORT_OFFSET ?? 0);

// A page on a *.localhost origin is a secure context (camera allowed) and needs no server.
const PAGE_URL = 'http://relay.localhost/';
const PAGE = `<!doctype html><title>relay</title><video id="remote" autoplay muted playsinline></video>
<script>
  window.relay = {
    async open(config) {
      const pc = new RTCPeerConnection(config);
      window.pc = pc;
      window.iceErrors = [];
      pc.addEventListener('icecandidateerror', (e) => window.iceErrors.push({ code: e.errorCode, url: e.url }));
      pc.addEventListener('track', (e) => { document.getElementById('remote').srcObject = e.streams[0]; });
      const stream = await navigator.mediaDevices.getUserMedia({ video: { width: 320, height: 240 }, audio: false });
      for (const track of stream.getTracks()) pc.addTrack(track, stream);
    },
    async gathered() {
      const pc = window.pc;
      if (pc.iceGatheringState !== 'complete') {
        await new Promise((resolve) => pc.addEventListener('icegatheringstatechange', () => pc.iceGatheringState === 'complete' && resolve()));
      }
      return pc.localDescription.sdp;
    },
    async offer() {
      await window.pc.setLocalDescription();
      return { type: 'offer', sdp: await window.relay.gathered() };
    },
    async answer(offer) {
      await window.pc.setRemoteDescription(offer);
      await window.pc.setLocalDescription();
      return { type: 'answer', sdp: await window.relay.gathered() };
    },
    async accept(answer) { await window.pc.setRemoteDescription(answer); },
    async framesDecoded() {
      let frames = 0;
      (await window.pc.getStats()).forEach((r) => { if (r.type === 'inbound-rtp' && r.kind === 'video') frames = r.framesDecoded ?? 0; });
      return frames;
    },
    async selectedPair() {
      const stats = await window.pc.getStats();
      let pairId = null;
      stats.forEach((r) => { if (r.type === 'transport' && r.selectedCandidatePairId) pairId = r.selectedCandidatePairId; });
      const pair = pairId && stats.get(pairId);
      if (!pair) return null;
      const local = stats.get(pair.localCandidateId);
      const remote = stats.get(pair.remoteCandidateId);
      return { local: local.candidateType, remote: remote.candidateType, relayProtocol: local.relayProtocol ?? null };
    },
  };
</script>`;

declare global {
  interface Window {
    pc: RTCPeerConnection;
    iceErrors: Array<{ code: number; url: string }>;
    relay: {
      open(config: RTCConfiguration): Promise<void>;
      offer(): Promise<RTCSessionDescriptionInit>;
      answer(offer: RTCSessionDescriptionInit): Promise<RTCSessionDescriptionInit>;
      accept(answer: RTCSessionDescriptionInit): Promise<void>;
      framesDecoded(): Promise<number>;
      selectedPair(): Promise<{ local: string; remote: string; relayProtocol: string | null } | null>;
    };
  }
}

async function openPeer(browser: Browser, iceServers: IceServer[]): Promise<Page> {
  const page = await browser.newPage();
  await page.route(PAGE_URL, (route) => route.fulfill({ contentType: 'text/html', body: PAGE }));
  await page.goto(PAGE_URL);
  await page.evaluate((servers) => window.relay.open({ iceServers: servers, iceTransportPolicy: 'relay' }), iceServers);
  return page;
}

/** Offer from a, answer from b, each after its gathering completed (no trickle needed here). */
async function negotiate(a: Page, b: Page): Promise<{ offer: string; answer: string }> {
  const offer = await a.evaluate(() => window.relay.offer());
  const answer = await b.evaluate((o) => window.relay.answer(o), offer);
  await a.evaluate((ans) => window.relay.accept(ans), answer);
  return { offer: offer.sdp!, answer: answer.sdp! };
}

const relayCandidates = (sdp: string) => sdp.split('\n').filter((l) => l.startsWith('a=candidate:') && l.includes(' typ relay'));

async function expectRelayCall(a: Page, b: Page): Promise<void> {
  const { offer, answer } = await negotiate(a, b);
  expect(relayCandidates(offer).length).toBeGreaterThan(0);
  expect(relayCandidates(answer).length).toBeGreaterThan(0);
  for (const page of [a, b]) {
    await page.waitForFunction(() => window.pc.connectionState === 'connected', undefined, { timeout: 60_000, polling: 100 });
    await page.waitForFunction(() => window.relay.framesDecoded().then((n) => n > 0), undefined, { timeout: 60_000, polling: 100 });
    expect(await page.evaluate(() => window.relay.selectedPair())).toMatchObject({ local: 'relay', remote: 'relay' });
  }
}

/** Gathering ends without a relay candidate, the server said 401, and ICE never even starts. */
async function expectRefusedByRelay(a: Page, b: Page): Promise<void> {
  const { offer, answer } = await negotiate(a, b);
  expect(relayCandidates(offer)).toEqual([]);
  expect(relayCandidates(answer)).toEqual([]);
  for (const page of [a, b]) {
    const state = await page.evaluate(() => ({ errors: window.iceErrors, connection: window.pc.connectionState, gathering: window.pc.iceGatheringState }));
    expect(state.gathering).toBe('complete');
    expect(state.errors.map((e) => e.code)).toContain(401);
    expect(state.connection).not.toBe('connected');
    expect(await page.evaluate(() => window.relay.framesDecoded())).toBe(0);
  }
}

const withCredential = (servers: IceServer[], credential: { username: string; credential: string }): IceServer[] =>
  servers.map((s) => (s.username ? { ...s, ...credential } : s));

const atTestRelay = (servers: IceServer[]): IceServer[] =>
  servers.map((s) => ({ ...s, urls: [s.urls].flat().map((u) => u.replace(`:${DEV_TURN_PORT}?`, `:${RELAY_PORT}?`)) }));

describe('a relay-only call through coturn with credentials from getIceServers', () => {
  const sessions: ClientSession[] = [];
  const previousSecret = randomBytes(24).toString('hex');
  let coturn: Coturn;
  let browsers: [Browser, Browser];
  let servers: { clinician: GetIceServersResult; patient: GetIceServersResult };
  let uids: { clinician: string; patient: string };
  const pages: Page[] = [];

  beforeAll(async () => {
    const secret = process.env.TC_TURN_SECRET;
    if (!secret) throw new Error('TC_TURN_SECRET is not set: run through `npm test`.');
    const user = await createUser('clinician', 'relay');
    const clinician = clientSession();
    const patient = clientSession();
    sessions.push(clinician, patient);
    uids = { clinician: await signInWithPassword(clinician, user.email, user.password), patient: await signInAnonymousPatient(patient) };

    const consultId = randomUUID().replaceAll('-', '').slice(0, 20);
    const now = Timestamp.now();
    const consult: ConsultDoc<Timestamp> = {
      clinicianUid: uids.clinician, patientUid: uids.patient, patientLabel: 'Relay test', scheduledFor: now, durationMinutes: 30,
      status: 'admitted', patientProgress: 'consented', createdAt: now, updatedAt: now, admittedAt: now, endedAt: null, endReason: null,
      auditHead: { seq: 0, hash: '0'.repeat(64) },
    };
    const db = adminDb();
    await db.doc(`consults/${consultId}`).set(consult);
    for (const [kind, uid] of Object.entries(uids)) {
      await db.doc(`consults/${consultId}/consents/${uid}`).set({ uid, kind, textVersion: 'test', locale: 'pt-BR', textHash: 'f'.repeat(64), recording: false, userAgent: 'test', acceptedAt: now });
    }
    const call = (s: ClientSession) => s.call<{ consultId: string }, GetIceServersResult>('getIceServers', { consultId });
    const issued = { clinician: await call(clinician), patient: await call(patient) };
    for (const r of Object.values(issued)) {
      expect(r.provider).toBe('coturn');
      expect(r.iceServers.find((s) => s.username)?.urls).toEqual([
        `turn:127.0.0.1:${DEV_TURN_PORT}?transport=udp`,
        `turn:127.0.0.1:${DEV_TURN_PORT}?transport=tcp`,
      ]);
    }
    servers = {
      clinician: { ...issued.clinician, iceServers: atTestRelay(issued.clinician.iceServers) },
      patient: { ...issued.patient, iceServers: atTestRelay(issued.patient.iceServers) },
    };
    // Accepting the current and a previous secret, as during a rotation.
    coturn = await startCoturn({ port: RELAY_PORT, secrets: [secret, previousSecret] });
    browsers = [await launchChromium(), await launchChromium()];
  });

  afterAll(async () => {
    await Promise.all(pages.map((p) => p.close().catch(() => {})));
    await Promise.all((browsers ?? []).map((b) => b?.close()));
    await coturn?.stop();
    await Promise.all(sessions.map((s) => s.close()));
  });

  async function pair(clinicianServers: IceServer[], patientServers: IceServer[]): Promise<[Page, Page]> {
    const a = await openPeer(browsers[0], clinicianServers);
    const b = await openPeer(browsers[1], patientServers);
    pages.push(a, b);
    return [a, b];
  }

  it('connects both sides through relay candidates only, and both decode video', async () => {
    const [a, b] = await pair(servers.clinician.iceServers, servers.patient.iceServers);
    await expectRelayCall(a, b);
  });

  it('still connects with credentials signed by the previous secret while the relay accepts both', async () => {
    const expiry = Math.floor(Date.now() / 1000) + 600;
    const [a, b] = await pair(
      withCredential(servers.clinician.iceServers, turnRestCredential(previousSecret, uids.clinician, expiry)),
      withCredential(servers.patient.iceServers, turnRestCredential(previousSecret, uids.patient, expiry)),
    );
    await expectRelayCall(a, b);
  });

  it('never connects with a forged credential (HMAC of the wrong secret)', async () => {
    const forge = (r: GetIceServersResult) => {
      const username = r.iceServers.find((s) => s.username)!.username!;
      return withCredential(r.iceServers, { username, credential: createHmac('sha1', 'not-the-secret').update(username).digest('base64') });
    };
    const [a, b] = await pair(forge(servers.clinician), forge(servers.patient));
    await expectRefusedByRelay(a, b);
  });

  it('never connects with an expired credential', async () => {
    const secret = process.env.TC_TURN_SECRET!;
    const expired = Math.floor(Date.now() / 1000) - 60;
    const [a, b] = await pair(
      withCredential(servers.clinician.iceServers, turnRestCredential(secret, uids.clinician, expired)),
      withCredential(servers.patient.iceServers, turnRestCredential(secret, uids.patient, expired)),
    );
    await expectRefusedByRelay(a, b);
  });
});
