import { createHash } from 'node:crypto';
import { describe, expect, it, vi } from 'vitest';
import { parseControl, type ControlMessage, type PhotoMessage } from './control';
import { sha256Hex } from './hex';
import { PHOTO_CHUNK, chunkCount, createPhotos, type PhotoEvent, type PhotoLink, type PhotosWiring } from './photo';

/** A JPEG-sized buffer of bytes that differ from chunk to chunk. */
function bytes(n: number): Uint8Array {
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) out[i] = (i * 31 + (i >> 8)) & 0xff;
  return out;
}

const settle = async () => {
  for (let i = 0; i < 200; i++) await new Promise((r) => setTimeout(r, 0));
};

/**
 * The patient and the clinician, joined by a control wire and a photo channel that deliver
 * asynchronously, as data channels do; either can be cut and replaced, as by a new connection.
 */
function pair(opts: { tamper?: (frame: Uint8Array, index: number) => Uint8Array } = {}) {
  const frames = { sent: 0, indexes: [] as number[] };
  let up = true;
  const deliver = (to: () => PhotosWiring, m: PhotoMessage) => {
    if (!up) return false;
    const copy = parseControl(JSON.stringify(m)) as ControlMessage as PhotoMessage;
    setTimeout(() => to().received(copy), 0);
    return true;
  };
  let patient: PhotosWiring;
  let clinician: PhotosWiring;
  const makePatient = () => createPhotos({ control: (m) => deliver(() => clinician, m), ...opts });
  const makeClinician = () => createPhotos({ control: (m) => deliver(() => patient, m) });
  patient = makePatient();
  clinician = makeClinician();
  const links = () => {
    const toClinician: PhotoLink = {
      send(frame) {
        if (!up) return false;
        frames.sent += 1;
        frames.indexes.push(new DataView(frame.buffer, frame.byteOffset).getUint32(12));
        const copy = frame.slice().buffer;
        setTimeout(() => clinician.frame(copy), 0);
        return true;
      },
      buffered: () => 0,
    };
    const toPatient: PhotoLink = { send: () => up, buffered: () => 0 };
    patient.attach(toClinician);
    clinician.attach(toPatient);
  };
  links();
  const events: PhotoEvent[] = [];
  clinician.onEvent((e) => events.push(e));
  return {
    get patient() { return patient; },
    get clinician() { return clinician; },
    frames,
    events,
    cut() {
      up = false;
      patient.attach(null);
      clinician.attach(null);
    },
    /** A new connection: channels open again on both sides. */
    reconnect() {
      up = true;
      links();
      patient.resume();
      clinician.resume();
    },
    /** The clinician's page reloads: what it held is gone. */
    reloadClinician() {
      clinician = makeClinician();
      clinician.onEvent((e) => events.push(e));
    },
  };
}

describe('wound photos over the data channel', () => {
  it('an asked-for photo arrives whole, with the hash the patient computed, and answers the ask on both sides', async () => {
    const p = pair();
    const askId = p.clinician.ask('Calcanhar esquerdo');
    await settle();
    expect(p.patient.asks.get()).toMatchObject([{ id: askId, site: 'Calcanhar esquerdo', state: 'asked' }]);
    const jpeg = bytes(5 * PHOTO_CHUNK + 123);
    const sent = await p.patient.send(jpeg, { width: 4032, height: 3024 }, askId, 'Calcanhar esquerdo');
    await settle();
    const received = p.clinician.transfers.get()[0]!;
    expect(received).toMatchObject({ id: askId, direction: 'in', state: 'received', requested: true, width: 4032, height: 3024, done: jpeg.length });
    expect(await sha256Hex(await received.blob!.arrayBuffer())).toBe(sent.sha256);
    expect(sent.sha256).toBe(await sha256Hex(jpeg));
    expect(p.patient.transfers.get()[0]).toMatchObject({ state: 'received', done: jpeg.length });
    expect(p.clinician.asks.get()[0]!.state).toBe('answered');
    expect(p.patient.asks.get()[0]!.state).toBe('answered');
    expect(p.events.map((e) => e.type)).toEqual(['received']);
    expect(p.frames.sent).toBe(6);
  });

  it('a declined ask transfers nothing and is told to the clinician once', async () => {
    const p = pair();
    const askId = p.clinician.ask(null);
    await settle();
    p.patient.decline(askId);
    p.patient.decline(askId);
    await settle();
    expect(p.clinician.asks.get()[0]!.state).toBe('declined');
    expect(p.events).toMatchObject([{ type: 'declined', ask: { id: askId } }]);
    expect(p.frames.sent).toBe(0);
    expect(p.clinician.transfers.get()).toEqual([]);
  });

  it('a photo sent unprompted arrives marked as not asked for, and one claiming an ask nobody made is taken as unprompted', async () => {
    const p = pair();
    await p.patient.send(bytes(1000), { width: 640, height: 480 }, null, null);
    await p.patient.send(bytes(2000), { width: 640, height: 480 }, 'abcdefabcdefabcdefabcdef', null);
    await settle();
    expect(p.clinician.transfers.get().map((t) => [t.state, t.requested])).toEqual([['received', false], ['received', false]]);
  });

  it('a chunk damaged on the way is caught by its hash and sent again', async () => {
    let damaged = 0;
    const p = pair({
      tamper: (frame, index) => {
        if (index !== 3 || damaged > 0) return frame;
        damaged += 1;
        const bad = frame.slice();
        bad[bad.length - 1] = (bad[bad.length - 1] ?? 0) ^ 0xff;
        return bad;
      },
    });
    const jpeg = bytes(8 * PHOTO_CHUNK);
    const sent = await p.patient.send(jpeg, { width: 100, height: 100 }, null, null);
    await settle();
    const received = p.clinician.transfers.get()[0]!;
    expect(received.state).toBe('received');
    expect(await sha256Hex(await received.blob!.arrayBuffer())).toBe(sent.sha256);
    expect(damaged).toBe(1);
    // Chunk 3 went twice (and whatever followed it before the receiver's word came back).
    expect(p.frames.indexes.filter((i) => i === 3)).toHaveLength(2);
  });

  it('a transfer cut by a new connection carries on from what the clinician holds', async () => {
    const p = pair();
    const jpeg = bytes(40 * PHOTO_CHUNK);
    const sent = await p.patient.send(jpeg, { width: 100, height: 100 }, null, null);
    // Let part of it through, then cut.
    for (let i = 0; i < 30 && (p.clinician.transfers.get()[0]?.done ?? 0) < 8 * PHOTO_CHUNK; i++) await new Promise((r) => setTimeout(r, 0));
    p.cut();
    await settle();
    const held = p.clinician.transfers.get()[0]!.done;
    expect(held).toBeGreaterThan(0);
    expect(held).toBeLessThan(jpeg.length);
    const before = p.frames.sent;
    p.reconnect();
    await settle();
    const received = p.clinician.transfers.get()[0]!;
    expect(received.state).toBe('received');
    expect(await sha256Hex(await received.blob!.arrayBuffer())).toBe(sent.sha256);
    // Only what the clinician did not hold went again.
    expect(p.frames.sent - before).toBe(40 - held / PHOTO_CHUNK);
  });

  it('a clinician page that reloads mid-transfer gets the whole photo from the start', async () => {
    const p = pair();
    const jpeg = bytes(30 * PHOTO_CHUNK);
    const sent = await p.patient.send(jpeg, { width: 100, height: 100 }, null, null);
    for (let i = 0; i < 30 && (p.clinician.transfers.get()[0]?.done ?? 0) < 4 * PHOTO_CHUNK; i++) await new Promise((r) => setTimeout(r, 0));
    p.cut();
    p.reloadClinician();
    p.reconnect();
    await settle();
    const received = p.clinician.transfers.get()[0]!;
    expect(received.state).toBe('received');
    expect(await sha256Hex(await received.blob!.arrayBuffer())).toBe(sent.sha256);
  });

  it('an ask made while the channel is down reaches the patient once a channel opens, and only once', async () => {
    const p = pair();
    p.cut();
    const askId = p.clinician.ask('Perna direita');
    p.reconnect();
    p.reconnect();
    await settle();
    expect(p.patient.asks.get()).toMatchObject([{ id: askId, state: 'asked' }]);
  });

  it('refuses a photo that is not what it claims: too big, bad dimensions, a changed hash for a known id', async () => {
    const sent: PhotoMessage[] = [];
    const clinician = createPhotos({ control: (m) => (sent.push(m), true) });
    const meta = { t: 'photo-meta' as const, id: 'aaaaaaaaaaaaaaaaaaaaaaaa', requested: false, site: null, sha256: 'a'.repeat(64), width: 10, height: 10, takenAt: 1 };
    clinician.received({ ...meta, bytes: 5 * 1024 * 1024 });
    clinician.received({ ...meta, id: 'bbbbbbbbbbbbbbbbbbbbbbbb', bytes: 100, width: 0 });
    clinician.received({ ...meta, id: 'cccccccccccccccccccccccc', bytes: 100 });
    clinician.received({ ...meta, id: 'cccccccccccccccccccccccc', bytes: 100, sha256: 'b'.repeat(64) });
    expect(sent.filter((m) => m.t === 'photo-bad').map((m) => m.id)).toEqual(['aaaaaaaaaaaaaaaaaaaaaaaa', 'bbbbbbbbbbbbbbbbbbbbbbbb', 'cccccccccccccccccccccccc']);
    expect(clinician.transfers.get().map((t) => t.id)).toEqual(['cccccccccccccccccccccccc']);
  });

  it('ignores frames that belong to no transfer or are malformed', async () => {
    const clinician = createPhotos({ control: () => true });
    clinician.frame(new ArrayBuffer(10));
    clinician.frame(new ArrayBuffer(48 + PHOTO_CHUNK + 1));
    clinician.frame(new Uint8Array(100).fill(7).buffer);
    await settle();
    expect(clinician.transfers.get()).toEqual([]);
  });

  it('a photo larger than 4 MB is not sent', async () => {
    const p = pair();
    await expect(p.patient.send(new Uint8Array(4 * 1024 * 1024 + 1), { width: 1, height: 1 }, null, null)).rejects.toThrow(RangeError);
  });
});

describe('photo control messages', () => {
  it.each([
    { t: 'photo-ask', id: 'x', site: 'a'.repeat(61) },
    { t: 'photo-ask', id: 'x' },
    { t: 'photo-meta', id: 'x', requested: 'yes', site: null, bytes: 1, sha256: 'a'.repeat(64), width: 1, height: 1, takenAt: 1 },
    { t: 'photo-meta', id: 'x', requested: true, site: null, bytes: -1, sha256: 'a'.repeat(64), width: 1, height: 1, takenAt: 1 },
    { t: 'photo-meta', id: 'x', requested: true, site: null, bytes: 1.5, sha256: 'a'.repeat(64), width: 1, height: 1, takenAt: 1 },
    { t: 'photo-meta', id: 'x', requested: true, site: null, bytes: 1, sha256: 'A'.repeat(64), width: 1, height: 1, takenAt: 1 },
    { t: 'photo-have', id: 'x', next: -1 },
    { t: 'photo-have', id: 'x', next: '3' },
    { t: 'photo-bad', id: 'x', why: 'other' },
    { t: 'photo-ok' },
    { t: 'photo-unknown', id: 'x' },
  ])('ignores %j', (m) => {
    expect(parseControl(JSON.stringify(m))).toBeNull();
  });
});

describe('a photo on a weak uplink', () => {
  it('a 1 MB photo crosses a 120 kbps uplink with 300 ms of round trip in well under two minutes, its progress rising on both sides', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
    try {
      const KBPS = 120;
      const ONE_WAY_MS = 150;
      /** SCTP, DTLS, UDP and IP headers on each frame. */
      const OVERHEAD = 80;
      let busyUntil = Date.now();
      let queued = 0;
      const progress = { patient: [] as number[], clinician: [] as number[] };
      let patient: PhotosWiring;
      let clinician: PhotosWiring;
      const later = (ms: number, fn: () => void) => setTimeout(fn, ms);
      // Hashing takes no simulated time (the real one is a few microseconds per chunk).
      const digest = async (data: Uint8Array) => createHash('sha256').update(data).digest('hex');
      patient = createPhotos({ control: (m) => (later(ONE_WAY_MS, () => clinician.received(m)), true), digest });
      clinician = createPhotos({ control: (m) => (later(ONE_WAY_MS, () => patient.received(m)), true), digest });
      patient.attach({
        send(frame) {
          const copy = frame.slice().buffer;
          const start = Math.max(Date.now(), busyUntil);
          busyUntil = start + ((frame.length + OVERHEAD) * 8) / KBPS;
          queued += frame.length;
          later(busyUntil - Date.now(), () => {
            queued -= frame.length;
            patient.drained();
            later(ONE_WAY_MS, () => clinician.frame(copy));
          });
          return true;
        },
        buffered: () => queued,
      });
      clinician.attach({ send: () => true, buffered: () => 0 });
      patient.transfers.subscribe((t) => t[0] && progress.patient.push(t[0].done));
      clinician.transfers.subscribe((t) => t[0] && progress.clinician.push(t[0].done));

      const started = Date.now();
      const jpeg = bytes(1024 * 1024);
      const sent = await patient.send(jpeg, { width: 3000, height: 2000 }, null, null);
      while (clinician.transfers.get()[0]?.state !== 'received' && Date.now() - started < 300_000) {
        await vi.advanceTimersByTimeAsync(50);
      }
      const seconds = (Date.now() - started) / 1000;
      const wire = ((jpeg.length + chunkCount(jpeg.length) * (48 + OVERHEAD)) * 8) / (KBPS * 1000);
      expect(clinician.transfers.get()[0]).toMatchObject({ state: 'received', sha256: sent.sha256 });
      // The link is kept busy: within 15 % of the time the bytes alone take on the wire.
      expect(seconds).toBeLessThan(wire * 1.15);
      expect(seconds).toBeLessThan(90);
      for (const side of [progress.patient, progress.clinician]) {
        expect(side.length).toBeGreaterThan(10);
        expect(side).toEqual([...side].sort((a, b) => a - b));
      }
      console.info(`1 MB photo at ${KBPS} kbps, ${2 * ONE_WAY_MS} ms RTT: ${seconds.toFixed(1)} s (bytes on the wire alone: ${wire.toFixed(1)} s)`);
    } finally {
      vi.useRealTimers();
    }
  });
});
