// Wound photos over the call: asked for by the clinician, taken on the patient's phone, carried
// whole to the clinician's page and never anywhere else. The small messages (asks, a decline,
// what a photo is, how much has arrived) go on the control channel; the bytes go on a second
// data channel of their own, so a 4 MB photo on a weak uplink never holds back the chat or a
// goodbye. Each chunk carries its own SHA-256 and the photo the SHA-256 of the whole: a chunk
// that arrives damaged is asked for again, a photo whose whole hash differs is sent again.
//
// The receiver says how much it holds ("have n": chunks 0..n-1 are good), every few chunks and
// whenever a channel opens; the sender keeps a bounded window ahead of that and, when a new
// connection replaces the old one (a failed ICE restart, a reload of the receiving page), sends
// the photo's description again and carries on from what the receiver says it holds.
import { MEDIA_LIMITS } from '../../../functions/src/lib/model';
import type { PhotoDescription, PhotoMessage } from './control';
import { randomHex, sha256Hex, toHex } from './hex';
import { writable, type Observable } from './state';

/** Bytes per chunk: below every browser's data channel message limit, small enough to resend. */
export const PHOTO_CHUNK = 16 * 1024;
/** Chunks in flight beyond the last "have": 256 KiB, about 17 s of a 120 kbps uplink. */
export const PHOTO_WINDOW = 16;
/** The receiver says "have" after this many good chunks. */
export const PHOTO_ACK_EVERY = 4;
/** A photo whose whole hash keeps failing is given up after this many full attempts. */
export const PHOTO_ATTEMPTS_MAX = 3;
/** Photos being received at once; a third waits for the sender to try again. */
export const PHOTO_INCOMING_MAX = 2;
/** id (12 bytes) + chunk index (u32) + SHA-256 of the payload (32 bytes). */
const HEADER = 12 + 4 + 32;

export type { PhotoDescription };

/** A photo on its way, on either side. */
export interface PhotoTransfer extends PhotoDescription {
  direction: 'out' | 'in';
  /** Bytes the receiver holds (for the sender: as it last said). */
  done: number;
  state: 'sending' | 'checking' | 'received' | 'failed';
  /** The photo, on the receiving side once its hash matched (and on the sending side, its own). */
  blob: Blob | null;
  /** Why it failed, for the screen: the other side refused it, or it kept arriving damaged. */
  failure: 'refused' | 'damaged' | null;
}

/** An ask from the clinician, as both sides see it. */
export interface PhotoAsk {
  id: string;
  site: string | null;
  at: number;
  state: 'asked' | 'declined' | 'answered';
}

/** The binary channel of the current connection. */
export interface PhotoLink {
  /** False when the channel is not open. */
  send(frame: Uint8Array): boolean;
  buffered(): number;
}

export interface PhotosOptions {
  /** Sends a small message on the control channel; false when it is not open. */
  control(message: PhotoMessage): boolean;
  now?: () => number;
  /** hex SHA-256 (the browser's by default); a simulation passes a synchronous one to keep its clock honest. */
  digest?: (data: Uint8Array) => Promise<string>;
  /** Damages outgoing frames: the tests' way to prove a bad chunk is caught. */
  tamper?: (frame: Uint8Array, index: number) => Uint8Array;
}

export interface Photos {
  asks: Observable<PhotoAsk[]>;
  transfers: Observable<PhotoTransfer[]>;
  /** Clinician: asks the patient for a photo of `site`; returns the ask's id (the photo's id). */
  ask(site: string | null, id?: string): string;
  /** Patient: turns an ask down. */
  decline(id: string): void;
  /** Patient: sends a JPEG, answering `askId` or unprompted (null). Resolves with its description once it is on its way. */
  send(jpeg: Uint8Array, size: { width: number; height: number }, askId: string | null, site: string | null): Promise<PhotoDescription>;
  /** Drops a finished or failed transfer from the list (its blob goes with it). */
  forget(id: string): void;
  /** Listens for what the app audits: an ask declined, a photo received whole. */
  onEvent(fn: (event: PhotoEvent) => void): () => void;
}

export type PhotoEvent =
  | { type: 'declined'; ask: PhotoAsk }
  | { type: 'received'; photo: PhotoTransfer & { blob: Blob } };

export interface PhotosWiring extends Photos {
  received(message: PhotoMessage): void;
  /** A binary frame from the photo channel. */
  frame(data: ArrayBuffer): void;
  /** A new connection's channel (null: none). */
  attach(link: PhotoLink | null): void;
  /** The photo channel can take more. */
  drained(): void;
  /** A control channel opened: send again what is owed (asks, a decline, what we are sending). */
  resume(): void;
}

interface Outgoing {
  description: PhotoDescription;
  data: Uint8Array;
  /** The next chunk to put on the wire. */
  cursor: number;
  /** Chunks the receiver holds. */
  acked: number;
  /** Waiting for the receiver's first "have" on this channel before sending any chunk. */
  waiting: boolean;
  finished: boolean;
}

interface Incoming {
  description: PhotoDescription;
  data: Uint8Array;
  next: number;
  /** The index a "have" was last sent for after a bad or missing chunk, so one gap asks once. */
  askedAgainAt: number;
  sinceHave: number;
  attempts: number;
  finished: boolean;
  /** Chunk checks run one after another, in the order the chunks came. */
  checks: Promise<void>;
}

const ID = /^[0-9a-f]{24}$/;

export const newPhotoId = (): string => randomHex(12);

export function chunkCount(bytes: number): number {
  return Math.ceil(bytes / PHOTO_CHUNK);
}


function fromHex(hex: string): Uint8Array {
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(hex.slice(i * 2, i * 2 + 2), 16);
  return out;
}

const idBytes = (id: string): Uint8Array => fromHex(id);

/** Whether a description from the other side is one we could accept. */
export function plausibleDescription(d: PhotoDescription): boolean {
  return (
    ID.test(d.id) &&
    Number.isInteger(d.bytes) && d.bytes > 0 && d.bytes <= MEDIA_LIMITS.photoBytesMax &&
    /^[0-9a-f]{64}$/.test(d.sha256) &&
    Number.isInteger(d.width) && d.width > 0 && d.width <= MEDIA_LIMITS.photoSideMax &&
    Number.isInteger(d.height) && d.height > 0 && d.height <= MEDIA_LIMITS.photoSideMax &&
    (d.site === null || (d.site.length > 0 && d.site.length <= MEDIA_LIMITS.siteMax)) &&
    Number.isFinite(d.takenAt)
  );
}

export function createPhotos(opts: PhotosOptions): PhotosWiring {
  const now = opts.now ?? Date.now;
  const digest = opts.digest ?? sha256Hex;
  const asks = writable<PhotoAsk[]>([]);
  const transfers = writable<PhotoTransfer[]>([]);
  const listeners = new Set<(e: PhotoEvent) => void>();
  const outgoing = new Map<string, Outgoing>();
  const incoming = new Map<string, Incoming>();
  /** Asks we have already answered or refused (patient side): a repeat is not asked again. */
  const answeredAsks = new Set<string>();
  /** Asks we made (clinician side): sent again on a new channel until answered. */
  const myAsks = new Set<string>();
  let link: PhotoLink | null = null;

  const emit = (e: PhotoEvent) => listeners.forEach((fn) => fn(e));
  const patchTransfer = (id: string, patch: Partial<PhotoTransfer>) =>
    transfers.set(transfers.get().map((t) => (t.id === id ? { ...t, ...patch } : t)));
  const patchAsk = (id: string, state: PhotoAsk['state']) => {
    if (asks.get().some((a) => a.id === id && a.state !== state)) asks.set(asks.get().map((a) => (a.id === id ? { ...a, state } : a)));
  };
  const describe = (d: PhotoDescription): PhotoMessage => ({ t: 'photo-meta', ...d });

  function frameOf(out: Outgoing, index: number): Uint8Array {
    const start = index * PHOTO_CHUNK;
    const payload = out.data.subarray(start, Math.min(start + PHOTO_CHUNK, out.data.length));
    const frame = new Uint8Array(HEADER + payload.length);
    frame.set(idBytes(out.description.id), 0);
    new DataView(frame.buffer).setUint32(12, index);
    frame.set(payload, HEADER);
    return frame;
  }

  /** Chunk hashes are computed as chunks go out; the pump awaits them in order. */
  let pumping = false;
  async function pump(): Promise<void> {
    if (pumping) return;
    pumping = true;
    try {
      for (const out of outgoing.values()) {
        const total = chunkCount(out.description.bytes);
        while (!out.finished && !out.waiting && link && out.cursor < total && out.cursor - out.acked < PHOTO_WINDOW && link.buffered() < PHOTO_WINDOW * PHOTO_CHUNK) {
          const index = out.cursor;
          let frame = frameOf(out, index);
          frame.set(fromHex(await digest(frame.subarray(HEADER))), 16);
          if (opts.tamper) frame = opts.tamper(frame, index);
          // A "have" that arrived meanwhile may have moved the cursor back: send from there.
          if (out.cursor !== index || !link) continue;
          if (!link.send(frame)) break;
          out.cursor = index + 1;
        }
      }
    } finally {
      pumping = false;
    }
  }

  function startOutgoing(out: Outgoing) {
    out.waiting = true;
    opts.control(describe(out.description));
  }

  function have(inc: Incoming, again = false) {
    inc.sinceHave = 0;
    opts.control({ t: 'photo-have', id: inc.description.id, next: inc.next, again });
  }

  async function complete(inc: Incoming) {
    const id = inc.description.id;
    patchTransfer(id, { state: 'checking', done: inc.description.bytes });
    const hash = await digest(inc.data);
    if (inc.finished) return;
    if (hash === inc.description.sha256) {
      inc.finished = true;
      const blob = new Blob([inc.data as Uint8Array<ArrayBuffer>], { type: 'image/jpeg' });
      opts.control({ t: 'photo-ok', id });
      patchTransfer(id, { state: 'received', blob });
      if (inc.description.requested) patchAsk(id, 'answered');
      const photo = transfers.get().find((t) => t.id === id);
      if (photo?.blob) emit({ type: 'received', photo: { ...photo, blob: photo.blob } });
      return;
    }
    // Every chunk matched its own hash yet the whole does not: start over, a few times.
    inc.attempts += 1;
    if (inc.attempts >= PHOTO_ATTEMPTS_MAX) {
      inc.finished = true;
      opts.control({ t: 'photo-bad', id, why: 'damaged' });
      patchTransfer(id, { state: 'failed', failure: 'damaged' });
      return;
    }
    inc.next = 0;
    inc.askedAgainAt = -1;
    patchTransfer(id, { state: 'sending', done: 0 });
    have(inc, true);
  }

  function onFrame(data: ArrayBuffer) {
    if (!(data instanceof ArrayBuffer) || data.byteLength <= HEADER || data.byteLength > HEADER + PHOTO_CHUNK) return;
    const frame = new Uint8Array(data);
    const id = toHex(frame.subarray(0, 12));
    const inc = incoming.get(id);
    if (!inc || inc.finished || inc.next >= chunkCount(inc.description.bytes)) return;
    const index = new DataView(data).getUint32(12);
    if (index < inc.next) return; // a repeat of what we hold
    const start = index * PHOTO_CHUNK;
    const expected = Math.min(PHOTO_CHUNK, inc.description.bytes - start);
    const payload = frame.subarray(HEADER);
    const askAgain = () => {
      if (inc.askedAgainAt === inc.next) return;
      inc.askedAgainAt = inc.next;
      have(inc, true);
    };
    if (index !== inc.next || payload.length !== expected) return askAgain();
    const claimed = toHex(frame.subarray(16, HEADER));
    // Order matters: the next chunk may arrive while this one's hash is computed.
    const position = inc.next;
    inc.next += 1;
    inc.checks = inc.checks.then(() => digest(payload)).then((hash) => {
      if (inc.finished) return;
      if (hash !== claimed) {
        // Damaged: everything from here is asked for again, once.
        if (inc.next > position) {
          inc.next = position;
          inc.askedAgainAt = -1;
          askAgain();
        }
        return;
      }
      if (inc.next <= position) return; // rewound meanwhile by an earlier damaged chunk
      inc.data.set(payload, start);
      inc.sinceHave += 1;
      const total = chunkCount(inc.description.bytes);
      patchTransfer(id, { done: Math.min(inc.description.bytes, (position + 1) * PHOTO_CHUNK) });
      if (position + 1 === total && inc.next === total) void complete(inc);
      else if (inc.sinceHave >= PHOTO_ACK_EVERY) have(inc);
    });
  }

  function onMessage(m: PhotoMessage) {
    switch (m.t) {
      case 'photo-ask': {
        if (answeredAsks.has(m.id) || asks.get().some((a) => a.id === m.id)) return;
        asks.set([...asks.get(), { id: m.id, site: m.site, at: now(), state: 'asked' }]);
        return;
      }
      case 'photo-no': {
        const ask = asks.get().find((a) => a.id === m.id);
        if (!ask || ask.state !== 'asked') return;
        patchAsk(m.id, 'declined');
        emit({ type: 'declined', ask: { ...ask, state: 'declined' } });
        return;
      }
      case 'photo-meta': {
        const d: PhotoDescription = {
          id: m.id, requested: m.requested, site: m.site, bytes: m.bytes, sha256: m.sha256, width: m.width, height: m.height, takenAt: m.takenAt,
        };
        const known = incoming.get(d.id);
        if (known) {
          if (known.description.sha256 !== d.sha256 || known.description.bytes !== d.bytes) {
            opts.control({ t: 'photo-bad', id: d.id, why: 'refused' });
            return;
          }
          if (known.finished) {
            if (transfers.get().some((t) => t.id === d.id && t.state === 'received')) opts.control({ t: 'photo-ok', id: d.id });
            return;
          }
          // The sender starts again on a new channel: from what we hold.
          known.askedAgainAt = -1;
          have(known, true);
          return;
        }
        const open = [...incoming.values()].filter((i) => !i.finished).length;
        // A photo answering an ask we did not make is taken as one sent unprompted.
        const requested = d.requested && asks.get().some((a) => a.id === d.id);
        if (!plausibleDescription(d) || open >= PHOTO_INCOMING_MAX) {
          opts.control({ t: 'photo-bad', id: d.id, why: 'refused' });
          return;
        }
        const described = { ...d, requested };
        incoming.set(d.id, {
          description: described, data: new Uint8Array(d.bytes), next: 0, askedAgainAt: -1, sinceHave: 0, attempts: 0, finished: false, checks: Promise.resolve(),
        });
        transfers.set([...transfers.get(), { ...described, direction: 'in', done: 0, state: 'sending', blob: null, failure: null }]);
        if (requested) patchAsk(d.id, 'answered');
        have(incoming.get(d.id)!);
        return;
      }
      case 'photo-have': {
        const out = outgoing.get(m.id);
        if (!out || out.finished) return;
        const total = chunkCount(out.description.bytes);
        const next = Math.min(Math.max(0, m.next), total);
        // Asked again (a damaged chunk, a new channel) or the first word on this channel: everything from there goes.
        if (m.again || out.waiting) {
          out.acked = next;
          out.cursor = next;
        } else {
          out.acked = Math.max(out.acked, next);
        }
        out.waiting = false;
        patchTransfer(m.id, { done: Math.min(out.description.bytes, next * PHOTO_CHUNK) });
        void pump();
        return;
      }
      case 'photo-ok': {
        const out = outgoing.get(m.id);
        if (!out || out.finished) return;
        out.finished = true;
        patchTransfer(m.id, { state: 'received', done: out.description.bytes });
        return;
      }
      case 'photo-bad': {
        const out = outgoing.get(m.id);
        if (!out || out.finished) return;
        out.finished = true;
        patchTransfer(m.id, { state: 'failed', failure: m.why });
        return;
      }
    }
  }

  return {
    asks,
    transfers,
    ask(site, id = newPhotoId()) {
      myAsks.add(id);
      if (!asks.get().some((a) => a.id === id)) asks.set([...asks.get(), { id, site, at: now(), state: 'asked' }]);
      opts.control({ t: 'photo-ask', id, site });
      return id;
    },
    decline(id) {
      answeredAsks.add(id);
      patchAsk(id, 'declined');
      opts.control({ t: 'photo-no', id });
    },
    async send(jpeg, size, askId, site) {
      if (jpeg.length === 0 || jpeg.length > MEDIA_LIMITS.photoBytesMax) throw new RangeError(`A photo is 1 byte to ${MEDIA_LIMITS.photoBytesMax} bytes.`);
      const id = askId ?? newPhotoId();
      const description: PhotoDescription = {
        id, requested: askId !== null, site, bytes: jpeg.length, sha256: await digest(jpeg), width: size.width, height: size.height, takenAt: now(),
      };
      if (outgoing.get(id) && !outgoing.get(id)!.finished) throw new Error('This photo is already on its way.');
      if (askId) {
        answeredAsks.add(askId);
        patchAsk(askId, 'answered');
      }
      const data = jpeg.slice();
      outgoing.set(id, { description, data, cursor: 0, acked: 0, waiting: true, finished: false });
      const blob = new Blob([data as Uint8Array<ArrayBuffer>], { type: 'image/jpeg' });
      transfers.set([...transfers.get().filter((t) => t.id !== id), { ...description, direction: 'out', done: 0, state: 'sending', blob, failure: null }]);
      startOutgoing(outgoing.get(id)!);
      return description;
    },
    forget(id) {
      const t = transfers.get().find((x) => x.id === id);
      if (!t || t.state === 'sending' || t.state === 'checking') return;
      outgoing.delete(id);
      incoming.delete(id);
      transfers.set(transfers.get().filter((x) => x.id !== id));
    },
    onEvent(fn) {
      listeners.add(fn);
      return () => listeners.delete(fn);
    },
    received: onMessage,
    frame: onFrame,
    attach(next) {
      link = next;
    },
    drained() {
      void pump();
    },
    resume() {
      for (const a of asks.get()) if (a.state === 'asked' && myAsks.has(a.id) && !incoming.has(a.id)) opts.control({ t: 'photo-ask', id: a.id, site: a.site });
      for (const id of answeredAsks) if (asks.get().some((a) => a.id === id && a.state === 'declined')) opts.control({ t: 'photo-no', id });
      for (const out of outgoing.values()) if (!out.finished) startOutgoing(out);
      // What we are receiving: the sender describes it again on this channel, and we answer then.
    },
  };
}

/** The photo channel of a new connection: negotiated beside the control channel (id 1), no extra round trip. */
export function openPhotoChannel(pc: RTCPeerConnection, photos: PhotosWiring, isCurrent: () => boolean): void {
  const channel = pc.createDataChannel('photo', { negotiated: true, id: 1 });
  channel.binaryType = 'arraybuffer';
  channel.bufferedAmountLowThreshold = 4 * PHOTO_CHUNK;
  const link: PhotoLink = {
    send(frame) {
      try {
        if (channel.readyState !== 'open') return false;
        channel.send(frame as Uint8Array<ArrayBuffer>);
        return true;
      } catch {
        return false; // closed meanwhile
      }
    },
    buffered: () => channel.bufferedAmount,
  };
  channel.onopen = () => {
    if (!isCurrent()) return;
    photos.attach(link);
    photos.drained();
  };
  channel.onbufferedamountlow = () => {
    if (isCurrent()) photos.drained();
  };
  channel.onmessage = (m: MessageEvent<unknown>) => {
    if (isCurrent() && m.data instanceof ArrayBuffer) photos.frame(m.data);
  };
  channel.onclose = () => {
    if (isCurrent()) photos.attach(null);
  };
}
