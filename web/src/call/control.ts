// The call's own data channel, negotiated up front (no extra round trip). It carries:
// - how we leave, so the other side learns it at once, before our document's deletion arrives:
//   "bye" when the person left the call, "away" when the page went away (a reload, a closed tab)
//   and the person is expected back;
// - whether our microphone and camera are on, so the other side can show it;
// - the in-call chat's messages and their receipts (see chat.ts);
// - wound photos' asks, descriptions and progress (see photo.ts; their bytes have a channel of their own).
// Nothing sent here is stored anywhere.

import { MEDIA_LIMITS } from '../../../functions/src/lib/model';

/** How the other side went: left on purpose, went away (expected back), or its connection closed. */
export type RemoteGone = 'bye' | 'away' | 'closed';

/** What the other side's microphone and camera are doing. */
export interface RemoteMedia {
  mic: boolean;
  camera: boolean;
  /** Their video is paused because their connection cannot carry it (audio goes on). */
  weak: boolean;
}

/** A wound photo as its sender describes it before the bytes (see photo.ts). */
export interface PhotoDescription {
  id: string;
  /** It answers the clinician's ask of the same id; false when the patient sent it unprompted. */
  requested: boolean;
  site: string | null;
  bytes: number;
  sha256: string;
  width: number;
  height: number;
  takenAt: number;
}

export type PhotoMessage =
  | { t: 'photo-ask'; id: string; site: string | null }
  | { t: 'photo-no'; id: string }
  | ({ t: 'photo-meta' } & PhotoDescription)
  /** The receiver holds chunks 0..next-1; `again`: send from `next` even what was sent already (damaged, missing). */
  | { t: 'photo-have'; id: string; next: number; again: boolean }
  | { t: 'photo-ok'; id: string }
  | { t: 'photo-bad'; id: string; why: 'refused' | 'damaged' };

export type ControlMessage =
  | { t: 'media'; mic: boolean; camera: boolean; weak?: boolean }
  | { t: 'msg'; id: string; text: string; at: number }
  | { t: 'ack'; id: string }
  | PhotoMessage;

export const isPhotoMessage = (m: ControlMessage): m is PhotoMessage => m.t.startsWith('photo-');

/** Bounds on what the other side may send: a message longer than this is not one of ours. */
export const CONTROL_LIMITS = { frameMax: 8192, textMax: 1000, idMax: 64, siteMax: MEDIA_LIMITS.siteMax } as const;

export interface ControlChannel {
  /** Tells the other side how we are leaving; harmless if the channel is already closed. */
  sayGoodbye(how: 'bye' | 'away'): void;
  /** False when the channel is not open (the caller keeps what must arrive, and sends it on `open`). */
  send(message: ControlMessage): boolean;
}

export interface ControlHandlers {
  /** The other side went (see RemoteGone); 'closed' is an SCTP abort while ours is current. */
  gone(how: RemoteGone): void;
  message(message: ControlMessage): void;
  /** The channel opened (again, on a new connection): resend what is still owed. */
  open(): void;
}

/** A message from the other side, checked field by field; anything else is ignored. */
export function parseControl(data: unknown): ControlMessage | null {
  if (typeof data !== 'string' || data.length > CONTROL_LIMITS.frameMax) return null;
  let v: unknown;
  try {
    v = JSON.parse(data);
  } catch {
    return null;
  }
  if (!v || typeof v !== 'object') return null;
  const m = v as Record<string, unknown>;
  const id = typeof m['id'] === 'string' && m['id'].length > 0 && m['id'].length <= CONTROL_LIMITS.idMax ? m['id'] : null;
  switch (m['t']) {
    case 'media':
      if (typeof m['mic'] !== 'boolean' || typeof m['camera'] !== 'boolean' || (m['weak'] !== undefined && typeof m['weak'] !== 'boolean')) return null;
      return { t: 'media', mic: m['mic'], camera: m['camera'], weak: m['weak'] === true };
    case 'msg':
      return id && typeof m['text'] === 'string' && m['text'].length <= CONTROL_LIMITS.textMax && typeof m['at'] === 'number' && Number.isFinite(m['at'])
        ? { t: 'msg', id, text: m['text'], at: m['at'] }
        : null;
    case 'ack':
      return id ? { t: 'ack', id } : null;
    default:
      return id ? parsePhoto(m, id) : null;
  }
}

const isCount = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v) && v >= 0;

function parsePhoto(m: Record<string, unknown>, id: string): PhotoMessage | null {
  const site = m['site'] === null ? null : typeof m['site'] === 'string' && m['site'].length > 0 && m['site'].length <= CONTROL_LIMITS.siteMax ? m['site'] : undefined;
  switch (m['t']) {
    case 'photo-ask':
      return site === undefined ? null : { t: 'photo-ask', id, site };
    case 'photo-no':
      return { t: 'photo-no', id };
    case 'photo-meta': {
      const { requested, bytes, sha256, width, height, takenAt } = m;
      if (site === undefined || typeof requested !== 'boolean' || !isCount(bytes) || !isCount(width) || !isCount(height)) return null;
      if (typeof sha256 !== 'string' || !/^[0-9a-f]{64}$/.test(sha256) || typeof takenAt !== 'number' || !Number.isFinite(takenAt)) return null;
      return { t: 'photo-meta', id, requested, site, bytes, sha256, width, height, takenAt };
    }
    case 'photo-have':
      return isCount(m['next']) && typeof m['again'] === 'boolean' ? { t: 'photo-have', id, next: m['next'], again: m['again'] } : null;
    case 'photo-ok':
      return { t: 'photo-ok', id };
    case 'photo-bad':
      return m['why'] === 'refused' || m['why'] === 'damaged' ? { t: 'photo-bad', id, why: m['why'] } : null;
    default:
      return null;
  }
}

export function openControlChannel(pc: RTCPeerConnection, on: ControlHandlers): ControlChannel {
  const channel = pc.createDataChannel('control', { negotiated: true, id: 0 });
  channel.onmessage = (m) => {
    if (m.data === 'bye' || m.data === 'away') return on.gone(m.data);
    const message = parseControl(m.data);
    if (message) on.message(message);
  };
  channel.onopen = () => on.open();
  channel.onclose = () => on.gone('closed');
  const raw = (data: string): boolean => {
    try {
      if (channel.readyState !== 'open') return false;
      channel.send(data);
      return true;
    } catch {
      return false; // closed meanwhile
    }
  };
  return {
    sayGoodbye: (how) => void raw(how),
    send: (message) => raw(JSON.stringify(message)),
  };
}
