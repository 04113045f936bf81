import { describe, expect, it } from 'vitest';
import { FakeClock, timers } from './clock';
import { createCredentials, type IceServersResult } from './credentials';
import type { CallError } from './errors';

const TURN: RTCIceServer[] = [{ urls: 'turn:127.0.0.1:3478', username: 'u', credential: 'c' }];

/** A connection's gathering, as far as the credentials watch it. */
class Gathering extends EventTarget {
  iceGatheringState: RTCIceGatheringState = 'gathering';
  candidate(type: 'host' | 'relay') {
    this.dispatchEvent(Object.assign(new Event('icecandidate'), { candidate: { type } }));
  }
  refused(code: number) {
    this.dispatchEvent(Object.assign(new Event('icecandidateerror'), { errorCode: code }));
  }
  complete() {
    this.iceGatheringState = 'complete';
    this.dispatchEvent(new Event('icegatheringstatechange'));
    this.iceGatheringState = 'gathering';
  }
}

function credentials() {
  const clock = new FakeClock(Date.parse('2026-12-02T10:00:00Z'));
  const fetched: number[] = [];
  const fresh: boolean[] = [];
  const errors: CallError[] = [];
  const lifetimeMs = 30 * 60_000;
  const c = createCredentials({
    getIceServers: async (): Promise<IceServersResult> => {
      fetched.push(clock.now());
      return { iceServers: TURN, expiresAt: new Date(clock.now() + lifetimeMs).toISOString() };
    },
    clock,
    timers: timers(clock),
    marginMs: 60_000,
    onFresh: (_servers, restart) => fresh.push(restart),
    onError: (e) => errors.push(e),
  });
  const flush = () => new Promise((r) => setTimeout(r, 0));
  return { clock, c, fetched, fresh, errors, flush, lifetimeMs };
}

describe('TURN credentials over a call', () => {
  it('are fetched again a minute before they expire, and the connection restarts ICE with them', async () => {
    const t = credentials();
    t.c.use({ iceServers: TURN, expiresAt: new Date(t.clock.now() + t.lifetimeMs).toISOString() });
    t.clock.advance(t.lifetimeMs - 60_001);
    expect(t.fetched).toEqual([]);
    t.clock.advance(1);
    await t.flush();
    expect(t.fetched.length).toBe(1);
    expect(t.fresh).toEqual([true]);
    // And the fresh ones are refreshed in their turn.
    t.clock.advance(t.lifetimeMs - 60_000);
    await t.flush();
    expect(t.fetched.length).toBe(2);
  });

  it('a relay that refuses them (401) is reported, and fresh ones are fetched once, not on every refusal', async () => {
    const t = credentials();
    t.c.use({ iceServers: TURN, expiresAt: new Date(t.clock.now() + t.lifetimeMs).toISOString() });
    const pc = new Gathering();
    t.c.watch(pc as unknown as RTCPeerConnection, () => true);
    pc.candidate('host');
    pc.refused(401);
    pc.complete();
    await t.flush();
    expect(t.errors.map((e) => e.reason)).toEqual(['turn-credentials-rejected']);
    expect(t.fetched.length).toBe(1);
    pc.refused(401);
    pc.complete();
    await t.flush();
    expect(t.errors.map((e) => e.reason)).toEqual(['turn-credentials-rejected', 'turn-credentials-rejected']);
    expect(t.fetched.length).toBe(1);
  });

  it('a refusal from one server is no error while a relay candidate was gathered, nor from a connection replaced since', async () => {
    const t = credentials();
    t.c.use({ iceServers: TURN, expiresAt: new Date(t.clock.now() + t.lifetimeMs).toISOString() });
    const pc = new Gathering();
    let current = true;
    t.c.watch(pc as unknown as RTCPeerConnection, () => current);
    pc.refused(401);
    pc.candidate('relay');
    pc.complete();
    pc.refused(701);
    pc.complete();
    current = false;
    pc.refused(401);
    pc.complete();
    await t.flush();
    expect(t.errors).toEqual([]);
  });
});
