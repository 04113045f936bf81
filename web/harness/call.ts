// A test page for the call engine alone: Firebase on the emulators (hosts from the URL), a custom
// token sign-in, and the engine exposed on `window.callHarness` for Playwright and the bench.
import { initializeApp } from 'firebase/app';
import { connectAuthEmulator, getAuth, signInWithCustomToken } from 'firebase/auth';
import { connectFirestoreEmulator, doc, getDoc, getFirestore, serverTimestamp, setDoc } from 'firebase/firestore';
import { acquireMedia, createCallSession, createFirestoreSignaling, type CallSession, type FirestoreSignaling } from '../src/call';

export interface HarnessInfo {
  sessionId: string | null;
  state: string;
  remotePresent: boolean;
  error: string | null;
  /** Signaling writes (publish + delete) this page made. */
  writes: number;
  /** Of those, the ones the server acknowledged. */
  ackedWrites: number;
  statsWrites: number;
  /** Epoch ms (performance.timeOrigin + clock) of start() and of the first remote frame shown. */
  startedAt: number | null;
  firstFrameAt: number | null;
  framesShown: number;
  /** Size of the first remote frame shown, and of the one showing now. */
  firstFrameSize: { width: number; height: number } | null;
  frameSize: { width: number; height: number } | null;
  framesDecoded: number | null;
  iceRestarts: number;
  candidateType: string | null;
  connectMs: number | null;
  /** ICE username fragment of our current local description (changes with each ICE restart). */
  localUfrag: string | null;
}

const params = new URLSearchParams(location.search);
const need = (k: string) => {
  const v = params.get(k);
  if (!v) throw new Error(`missing ${k}`);
  return v;
};

const app = initializeApp({ apiKey: 'demo-key', projectId: need('project'), authDomain: `${need('project')}.firebaseapp.com` });
const auth = getAuth(app);
connectAuthEmulator(auth, `http://${need('auth')}`, { disableWarnings: true });
const db = getFirestore(app);
const [fsHost, fsPort] = need('firestore').split(':');
connectFirestoreEmulator(db, fsHost!, Number(fsPort));

const consultId = need('consult');
const role = need('role') as 'clinician' | 'patient';
const video = document.getElementById('remote') as HTMLVideoElement;
const stateEl = document.getElementById('state')!;

let session: CallSession | null = null;
let signaling: FirestoreSignaling | null = null;
let startedAt: number | null = null;
let firstFrameAt: number | null = null;
let framesShown = 0;
const trace: ({ at: number; event: string } & Record<string, unknown>)[] = [];

let firstFrameSize: { width: number; height: number } | null = null;

function watchFrames() {
  video.requestVideoFrameCallback((now, frame) => {
    framesShown++;
    firstFrameAt ??= performance.timeOrigin + now;
    firstFrameSize ??= { width: frame.width, height: frame.height };
    watchFrames();
  });
}

async function ready(): Promise<void> {
  const cred = await signInWithCustomToken(auth, need('token'));
  // As in the app's waiting room: the page has read its consult and reported that it is waiting
  // (a write), so a measured start opens neither the listen nor the write stream.
  await getDoc(doc(db, 'consults', consultId));
  const uid = cred.user.uid;
  await setDoc(doc(db, 'consults', consultId, 'stats', uid), { lobby: 'waiting', lobbySeenAt: serverTimestamp(), updatedAt: serverTimestamp() }, { merge: true });
  const localStream = await acquireMedia();
  signaling = createFirestoreSignaling(db, consultId, uid, { remoteUid: params.get('remote') ?? undefined });
  const iceServers = JSON.parse(params.get('ice') ?? '[]') as RTCIceServer[];
  session = createCallSession({
    consultId,
    uid,
    role,
    signaling,
    localStream,
    getIceServers: async () => ({ iceServers, expiresAt: new Date(Date.now() + 3_600_000).toISOString() }),
    writeStats: params.get('stats') === '1' ? (s) => signaling!.writeStats(s) : undefined,
    iceTransportPolicy: params.get('relay') === '1' ? 'relay' : 'all',
    onTrace: (event, detail) => trace.push({ at: Math.round(performance.timeOrigin + performance.now()), event, ...detail }),
  });
  session.state.subscribe((s) => {
    stateEl.textContent = s;
    stateEl.dataset.callState = s;
  });
  session.remoteStream.subscribe((stream) => {
    video.srcObject = stream;
    if (stream) void video.play().catch(() => {});
  });
  // The patient's waiting room reads the clinician's side before admission (state/lobby.ts).
  if (role === 'patient' && params.get('prepare') !== '0') session.prepare();
  watchFrames();
}

const readyPromise = ready();

async function framesDecoded(): Promise<number | null> {
  const pc = session?.peerConnection();
  if (!pc) return null;
  const report = await pc.getStats();
  let frames: number | null = null;
  report.forEach((s: { type?: string; kind?: string; framesDecoded?: number }) => {
    if (s.type === 'inbound-rtp' && s.kind === 'video') frames = s.framesDecoded ?? null;
  });
  return frames;
}

const sendingTrack = () => session?.peerConnection()?.getSenders().find((s) => s.track?.kind === 'video')?.track ?? null;

const harness = {
  ready: () => readyPromise.then(() => true),
  async start() {
    await readyPromise;
    startedAt = performance.timeOrigin + performance.now();
    await session!.start();
  },
  async leave() {
    await session?.leave();
  },
  restartIce() {
    session?.restartIce();
  },
  /** Switches camera as the call screen's button does (front/rear); returns the id of the track now sending. */
  async switchCamera(): Promise<string | null> {
    await session!.switchCamera();
    return sendingTrack()?.id ?? null;
  },
  sendingTrack: () => {
    const track = sendingTrack();
    return track ? { id: track.id, readyState: track.readyState } : null;
  },
  trace: () => trace,
  /** The candidate pairs of the current connection, for diagnosing a connection that does not come. */
  async pairs() {
    const report = await session?.peerConnection()?.getStats();
    const out: Record<string, unknown>[] = [];
    report?.forEach((s: Record<string, unknown>) => {
      if (s.type === 'candidate-pair') out.push({ id: s.id, state: s.state, nominated: s.nominated, local: s.localCandidateId, remote: s.remoteCandidateId, sent: s.requestsSent, recv: s.responsesReceived, bytesReceived: s.bytesReceived });
      if (s.type === 'local-candidate' || s.type === 'remote-candidate') out.push({ id: s.id, type: s.type, c: s.candidateType, addr: `${s.address}:${s.port}`, proto: s.protocol, relayProtocol: s.relayProtocol });
    });
    return out;
  },
  async info(): Promise<HarnessInfo> {
    const q = session?.quality.get() ?? null;
    return {
      sessionId: session?.sessionId ?? null,
      state: session?.state.get() ?? 'idle',
      remotePresent: session?.remotePresent.get() ?? false,
      error: session?.error.get()?.reason ?? null,
      writes: signaling?.writeCount ?? 0,
      ackedWrites: signaling?.ackedWriteCount ?? 0,
      statsWrites: signaling?.statsWriteCount ?? 0,
      startedAt,
      firstFrameAt,
      framesShown,
      firstFrameSize,
      frameSize: video.videoWidth ? { width: video.videoWidth, height: video.videoHeight } : null,
      framesDecoded: await framesDecoded(),
      iceRestarts: session?.iceRestarts.get() ?? 0,
      candidateType: q?.candidateType ?? null,
      connectMs: q?.connectMs ?? null,
      localUfrag: /a=ice-ufrag:(\S+)/.exec(session?.peerConnection()?.localDescription?.sdp ?? '')?.[1] ?? null,
    };
  },
};

declare global {
  interface Window {
    callHarness: typeof harness;
  }
}
window.callHarness = harness;
if (params.get('autostart') === '1') void harness.start();
