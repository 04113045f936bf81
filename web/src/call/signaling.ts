// The Firestore implementation of Signaling: the only file of the engine that knows Firebase.
import {
  deleteDoc,
  disableNetwork,
  doc,
  enableNetwork,
  onSnapshot,
  serverTimestamp,
  setDoc,
  type DocumentSnapshot,
  type Firestore,
  type FirestoreError,
} from 'firebase/firestore';
import { PEER_LIMITS, type PeerCandidate, type StatsDoc } from '../../../functions/src/lib/model';
import { CallError } from './errors';
import type { CallStatsSummary, PeerSignal, Signaling } from './types';

export interface FirestoreSignaling extends Signaling {
  /** Writes the call summary to `consults/{id}/stats/{uid}` (counted apart from signaling writes). */
  writeStats(summary: CallStatsSummary): Promise<void>;
  readonly statsWriteCount: number;
  /** Signaling writes the server has acknowledged. */
  readonly ackedWriteCount: number;
}

export function toCallError(error: unknown): CallError {
  if (error instanceof CallError) return error;
  const code = (error as Partial<FirestoreError> | null)?.code;
  if (code === 'permission-denied' || code === 'unauthenticated') {
    return new CallError('signaling-denied', 'The server refused the call signaling for this consult.', error);
  }
  return new CallError('network', 'The connection to the server failed.', error);
}

function readPeer(snap: DocumentSnapshot): PeerSignal | null {
  return snap.exists() ? peerSignalOf(snap.data()) : null;
}

/** A candidate line is short; anything longer, or not a candidate at all, is not one of ours. */
const CANDIDATE_MAX = 1024;

function candidateOf(v: unknown): PeerCandidate | null {
  if (!v || typeof v !== 'object') return null;
  const c = v as Record<string, unknown>;
  if (typeof c['candidate'] !== 'string' || c['candidate'].length === 0 || c['candidate'].length > CANDIDATE_MAX) return null;
  const mid = c['sdpMid'] ?? null;
  const index = c['sdpMLineIndex'] ?? null;
  if (mid !== null && (typeof mid !== 'string' || mid.length > 64)) return null;
  if (index !== null && (typeof index !== 'number' || !Number.isInteger(index) || index < 0 || index > 64)) return null;
  return { candidate: c['candidate'], sdpMid: mid as string | null, sdpMLineIndex: index as number | null };
}

/**
 * The other side's document as the engine may use it. The rules bound the list but cannot look
 * inside its elements: a malformed entry is dropped here, one by one, instead of throwing
 * inside the negotiation.
 */
export function peerSignalOf(data: unknown): PeerSignal | null {
  if (!data || typeof data !== 'object') return null;
  const d = data as Partial<Record<keyof PeerSignal, unknown>>;
  if (typeof d.sessionId !== 'string' || typeof d.seq !== 'number' || !Array.isArray(d.candidates)) return null;
  const description = d.description as PeerSignal['description'] | undefined;
  const validDescription =
    description === null || description === undefined ||
    (typeof description === 'object' && (description.type === 'offer' || description.type === 'answer') && typeof description.sdp === 'string');
  return {
    sessionId: d.sessionId,
    role: d.role === 'clinician' ? 'clinician' : 'patient',
    seq: d.seq,
    description: validDescription ? (description ?? null) : null,
    candidates: d.candidates.slice(0, PEER_LIMITS.candidatesMax).map(candidateOf).filter((c): c is PeerCandidate => c !== null),
    candidatesComplete: d.candidatesComplete === true,
  };
}

export interface SignalingOptions {
  /**
   * Our document is written only once this resolves (the rules allow it only in an admitted
   * consult): the clinician's call is made and gathered while the patient waits, and its offer
   * goes out the moment the admission is done. A call that ends before then writes nothing.
   */
  writesFrom?: Promise<unknown>;
}

/**
 * A write the server took this long to acknowledge waited for a connection that was down and is
 * back. Firestore's streams retry on a backoff of their own (the listen stream 9–10 s after a
 * 20 s blackout, measured in the network lab): they are reconnected at once, so that the other
 * side's next offer is heard now rather than then. `reconnect()` does the same when the engine
 * sees the network back first (its gathering reached the relay again).
 */
const STALLED_WRITE_MS = 2000;
/** At most one reconnection this often. */
const RECONNECT_EVERY_MS = 10_000;

/** `remoteUid`: the other participant, from the consult document the call model already holds. */
export function createFirestoreSignaling(db: Firestore, consultId: string, uid: string, remoteUid: string, opts: SignalingOptions = {}): FirestoreSignaling {
  const ownRef = doc(db, 'consults', consultId, 'peers', uid);
  const remoteRef = doc(db, 'consults', consultId, 'peers', remoteUid);
  /** Known synchronously, so that a removal on pagehide is issued without an await. */
  let writable = !opts.writesFrom;
  let removed = false;
  const gate = opts.writesFrom?.then(() => (writable = true));
  let writes = 0;
  let statsWrites = 0;
  let acked = 0;
  let reconnectedAt = -Infinity;
  const reconnectListeners = () => {
    if (Date.now() - reconnectedAt < RECONNECT_EVERY_MS) return;
    reconnectedAt = Date.now();
    void disableNetwork(db)
      .then(() => enableNetwork(db))
      .catch(() => undefined);
  };

  return {
    get writeCount() {
      return writes;
    },
    get statsWriteCount() {
      return statsWrites;
    },
    get ackedWriteCount() {
      return acked;
    },
    reconnect: reconnectListeners,
    async publish(signal) {
      if (!writable) await gate;
      if (removed) return; // the call ended while it waited for the admission
      writes++;
      const sentAt = Date.now();
      try {
        await setDoc(ownRef, { ...signal, updatedAt: serverTimestamp() });
        acked++;
        if (Date.now() - sentAt > STALLED_WRITE_MS) reconnectListeners();
      } catch (error) {
        throw toCallError(error);
      }
    },
    async remove() {
      removed = true;
      if (!writable) return; // nothing was written
      writes++;
      try {
        await deleteDoc(ownRef);
        acked++;
      } catch (error) {
        throw toCallError(error);
      }
    },
    watchRemote(onSignal, onError) {
      return onSnapshot(
        remoteRef,
        { includeMetadataChanges: true },
        (snap) => {
          // An absent document read from an empty cache says nothing yet: wait for the server.
          if (!snap.exists() && snap.metadata.fromCache) return;
          if (snap.metadata.hasPendingWrites) return;
          onSignal(readPeer(snap));
        },
        (e) => onError(toCallError(e)),
      );
    },
    async writeStats(summary) {
      statsWrites++;
      const data: Omit<StatsDoc, 'lobby' | 'lobbySeenAt'> & { updatedAt: unknown } = { ...summary, updatedAt: serverTimestamp() };
      try {
        await setDoc(doc(db, 'consults', consultId, 'stats', uid), data, { merge: true });
      } catch (error) {
        throw toCallError(error);
      }
    },
  };
}
