// The call engine's observables as signals, and the one place the app creates a call.
import { signal, type ReadonlySignal } from '@preact/signals';
import { doc, serverTimestamp, setDoc } from 'firebase/firestore';
import type { GetIceServersRequest, GetIceServersResult } from '../../../functions/src/lib/api';
import {
  createCallSession,
  createFirestoreSignaling,
  type CallError,
  type CallRole,
  type CallSession,
  type CallState,
  type Observable,
  type QualitySnapshot,
} from '../call';
import { db } from '../db';
import { lobbyStats } from './consult';
import { callable } from '../firebase';

const getIceServers = callable<GetIceServersRequest, GetIceServersResult>('getIceServers');

/**
 * Connection settings fetched ahead of the call (the patient's waiting room, the clinician's
 * consult room), so that admission does not wait for a function call: on a cold instance that
 * is seconds, against a few hundred milliseconds for the call itself.
 */
const ahead = new Map<string, Promise<GetIceServersResult>>();
/** Settings fetched ahead are used only with at least this much validity left. */
const AHEAD_MIN_VALIDITY_MS = 5 * 60_000;

export function prefetchIceServers(consultId: string): void {
  if (ahead.has(consultId)) return;
  const pending = getIceServers({ consultId });
  ahead.set(consultId, pending);
  // A failed prefetch is forgotten: the call fetches again, and explains the error if it recurs.
  pending.catch(() => {
    if (ahead.get(consultId) === pending) ahead.delete(consultId);
  });
}

/** The prefetched settings once (if still valid long enough), otherwise fresh ones. */
export async function iceServersFor(consultId: string, nowMs: () => number = Date.now): Promise<GetIceServersResult> {
  const pending = ahead.get(consultId);
  ahead.delete(consultId);
  if (pending) {
    const early = await pending.catch(() => null);
    if (early && Date.parse(early.expiresAt) - nowMs() > AHEAD_MIN_VALIDITY_MS) return early;
  }
  return getIceServers({ consultId });
}

function toSignal<T>(source: Observable<T>, stops: Array<() => void>): ReadonlySignal<T> {
  const s = signal(source.get());
  stops.push(source.subscribe((v) => (s.value = v)));
  return s;
}

export interface CallOptions {
  consultId: string;
  uid: string;
  role: CallRole;
  localStream: MediaStream;
}

/** The clinician's stats document, with every key the rules expect, before any merge. */
export function ensureClinicianStatsDoc(consultId: string, uid: string): Promise<void> {
  return setDoc(doc(db, 'consults', consultId, 'stats', uid), lobbyStats(null, serverTimestamp()));
}

export function createCall({ consultId, uid, role, localStream }: CallOptions) {
  const signaling = createFirestoreSignaling(db, consultId, uid);
  const session: CallSession = createCallSession({
    consultId,
    uid,
    role,
    signaling,
    getIceServers: () => iceServersFor(consultId),
    localStream,
    // A merge into the full stats document written before the call (lobby or ensureClinicianStatsDoc).
    writeStats: (summary) => signaling.writeStats(summary),
  });
  const stops: Array<() => void> = [];
  const call = {
    session,
    localStream,
    state: toSignal<CallState>(session.state, stops),
    remoteStream: toSignal<MediaStream | null>(session.remoteStream, stops),
    remotePresent: toSignal<boolean>(session.remotePresent, stops),
    quality: toSignal<QualitySnapshot | null>(session.quality, stops),
    error: toSignal<CallError | null>(session.error, stops),
    micEnabled: toSignal<boolean>(session.micEnabled, stops),
    cameraEnabled: toSignal<boolean>(session.cameraEnabled, stops),
    facing: toSignal<'user' | 'environment' | null>(session.facing, stops),
    torchAvailable: toSignal<boolean>(session.torchAvailable, stops),
    torchOn: toSignal<boolean>(session.torchOn, stops),
    start: () => session.start(),
    async leave() {
      await session.leave();
      stops.forEach((stop) => stop());
    },
  };
  return call;
}

export type Call = ReturnType<typeof createCall>;
