// The Firestore implementation of Signaling: the only file of the engine that knows Firebase.
import {
  deleteDoc,
  doc,
  onSnapshot,
  serverTimestamp,
  setDoc,
  type DocumentSnapshot,
  type Firestore,
  type FirestoreError,
} from 'firebase/firestore';
import type { StatsDoc } from '../../../functions/src/lib/model';
import { CallError } from './errors';
import type { CallStatsSummary, ConsultStatus, PeerSignal, Signaling } from './types';

export interface FirestoreSignaling extends Signaling {
  /** Writes the call summary to `consults/{id}/stats/{uid}` (counted apart from signaling writes). */
  writeStats(summary: CallStatsSummary): Promise<void>;
  readonly statsWriteCount: number;
  /** Signaling writes the server has acknowledged. */
  readonly ackedWriteCount: number;
}

export interface FirestoreSignalingOptions {
  /** The other participant's uid, when known; otherwise read from the consult document. */
  remoteUid?: string;
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
  if (!snap.exists()) return null;
  const d = snap.data() as Partial<PeerSignal>;
  if (typeof d.sessionId !== 'string' || typeof d.seq !== 'number' || !Array.isArray(d.candidates)) return null;
  return {
    sessionId: d.sessionId,
    role: d.role === 'clinician' ? 'clinician' : 'patient',
    seq: d.seq,
    description: d.description ?? null,
    candidates: d.candidates,
    candidatesComplete: d.candidatesComplete === true,
  };
}

export function createFirestoreSignaling(
  db: Firestore,
  consultId: string,
  uid: string,
  options: FirestoreSignalingOptions = {},
): FirestoreSignaling {
  const consultRef = doc(db, 'consults', consultId);
  const ownRef = doc(db, 'consults', consultId, 'peers', uid);
  let writes = 0;
  let statsWrites = 0;
  let acked = 0;

  // The remote uid comes from the consult document unless given; both watchers share it.
  let remoteUid: string | null = options.remoteUid ?? null;
  const remoteUidWaiters: ((uid: string) => void)[] = [];
  const learnRemoteUid = (data: { clinicianUid?: unknown; patientUid?: unknown } | undefined) => {
    if (remoteUid || !data) return;
    const other = data.clinicianUid === uid ? data.patientUid : data.clinicianUid;
    if (typeof other !== 'string' || !other) return;
    remoteUid = other;
    for (const w of remoteUidWaiters.splice(0)) w(other);
  };

  const watchConsultDoc = (onStatus: (s: ConsultStatus) => void, onError: (e: CallError) => void) =>
    onSnapshot(
      consultRef,
      (snap) => {
        const data = snap.data() as { status?: ConsultStatus; clinicianUid?: string; patientUid?: string } | undefined;
        learnRemoteUid(data);
        if (!snap.exists()) onStatus('ended');
        else if (data?.status) onStatus(data.status);
      },
      (e) => onError(toCallError(e)),
    );

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
    async publish(signal) {
      writes++;
      try {
        await setDoc(ownRef, { ...signal, updatedAt: serverTimestamp() });
        acked++;
      } catch (error) {
        throw toCallError(error);
      }
    },
    async remove() {
      writes++;
      try {
        await deleteDoc(ownRef);
        acked++;
      } catch (error) {
        throw toCallError(error);
      }
    },
    watchRemote(onSignal, onError) {
      let stopped = false;
      let stopDoc: (() => void) | null = null;
      let stopConsult: (() => void) | null = null;
      const watch = (other: string) => {
        if (stopped) return;
        stopDoc = onSnapshot(
          doc(db, 'consults', consultId, 'peers', other),
          { includeMetadataChanges: true },
          (snap) => {
            // An absent document read from an empty cache says nothing yet: wait for the server.
            if (!snap.exists() && snap.metadata.fromCache) return;
            if (snap.metadata.hasPendingWrites) return;
            onSignal(readPeer(snap));
          },
          (e) => onError(toCallError(e)),
        );
      };
      if (remoteUid) watch(remoteUid);
      else {
        remoteUidWaiters.push(watch);
        stopConsult = watchConsultDoc(() => {}, onError);
      }
      return () => {
        stopped = true;
        stopDoc?.();
        stopConsult?.();
      };
    },
    watchConsult: watchConsultDoc,
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
