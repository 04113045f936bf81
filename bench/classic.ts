// The classic Firestore signaling pattern, written for the bench as the baseline our engine is
// measured against in the same run: the offer and the answer in one room document, one document
// per ICE candidate, the callee listening to the caller's candidates once its answer is written,
// no glare handling, no restarts. Runs in the harness page (web/harness/classic.ts).
import {
  addDoc,
  collection,
  doc,
  getDoc,
  onSnapshot,
  setDoc,
  updateDoc,
  type Firestore,
} from 'firebase/firestore';

export interface ClassicCallOptions {
  db: Firestore;
  roomId: string;
  /** The clinician creates the room (caller); the patient joins it (callee). */
  role: 'clinician' | 'patient';
  localStream: MediaStream;
  iceServers: RTCIceServer[];
  onRemoteStream(stream: MediaStream): void;
  onTrace(event: string, detail?: Record<string, unknown>): void;
}

export interface ClassicCall {
  /** Firestore writes made: the room document's set/update and one per candidate. */
  readonly writes: number;
  readonly acked: number;
  readonly pc: RTCPeerConnection;
  start(): Promise<void>;
  leave(): void;
}

export function createClassicCall(opts: ClassicCallOptions): ClassicCall {
  const { db, roomId, role } = opts;
  const room = doc(db, 'classic', roomId);
  const callerCandidates = collection(room, 'callerCandidates');
  const calleeCandidates = collection(room, 'calleeCandidates');
  const pc = new RTCPeerConnection({ iceServers: opts.iceServers });
  const stops: Array<() => void> = [];
  let writes = 0;
  let acked = 0;

  const write = (p: Promise<unknown>) => {
    writes++;
    void p.then(() => acked++, (e: unknown) => opts.onTrace('write-failed', { error: String(e) }));
  };

  for (const track of opts.localStream.getTracks()) pc.addTrack(track, opts.localStream);
  pc.addEventListener('track', (ev) => opts.onRemoteStream(ev.streams[0] ?? new MediaStream([ev.track])));
  pc.addEventListener('connectionstatechange', () => opts.onTrace('connection', { state: pc.connectionState }));
  const own = role === 'clinician' ? callerCandidates : calleeCandidates;
  pc.addEventListener('icecandidate', (ev) => {
    if (ev.candidate) write(addDoc(own, ev.candidate.toJSON()));
  });

  /** Every candidate document the other side adds, as it is added. */
  function listenTo(candidates: typeof callerCandidates) {
    stops.push(
      onSnapshot(candidates, (snap) => {
        for (const change of snap.docChanges()) {
          if (change.type === 'added') void pc.addIceCandidate(new RTCIceCandidate(change.doc.data() as RTCIceCandidateInit)).catch(() => undefined);
        }
      }),
    );
  }

  async function createRoom(): Promise<void> {
    const offer = await pc.createOffer();
    await pc.setLocalDescription(offer);
    write(setDoc(room, { offer: { type: offer.type, sdp: offer.sdp } }));
    stops.push(
      onSnapshot(room, (snap) => {
        const answer = snap.data()?.['answer'] as RTCSessionDescriptionInit | undefined;
        if (answer && !pc.currentRemoteDescription) {
          opts.onTrace('answer-received');
          void pc.setRemoteDescription(answer).then(() => listenTo(calleeCandidates));
        }
      }),
    );
  }

  async function joinRoom(): Promise<void> {
    const snap = await getDoc(room);
    const offer = snap.data()?.['offer'] as RTCSessionDescriptionInit | undefined;
    if (!offer) throw new Error('the room has no offer');
    await pc.setRemoteDescription(offer);
    const answer = await pc.createAnswer();
    await pc.setLocalDescription(answer);
    const written = updateDoc(room, { answer: { type: answer.type, sdp: answer.sdp } });
    write(written);
    await written;
    opts.onTrace('answer-written');
    listenTo(callerCandidates);
  }

  return {
    get writes() {
      return writes;
    },
    get acked() {
      return acked;
    },
    pc,
    start: () => (role === 'clinician' ? createRoom() : joinRoom()),
    leave() {
      for (const stop of stops.splice(0)) stop();
      pc.close();
      opts.localStream.getTracks().forEach((track) => track.stop());
    },
  };
}

/** The rule the baseline's room needs, added to ours for the bench's run only. */
export const CLASSIC_RULES = `
    match /classic/{roomId}/{rest=**} {
      allow read, write: if request.auth != null;
    }
    match /classic/{roomId} {
      allow read, write: if request.auth != null;
    }
`;
