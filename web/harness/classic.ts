// The bench's baseline page: the classic Firestore signaling pattern (bench/classic.ts) under the
// same conditions as call.html: the same emulators, sign-in, media, ICE servers and a warmed
// Firestore connection, and the same `window.callHarness` surface the bench reads.
import { signInWithCustomToken } from 'firebase/auth';
import { doc, getDoc, setDoc } from 'firebase/firestore';
import { createClassicCall, type ClassicCall } from '../../bench/classic';
import { acquireMedia } from '../src/call';
import type { HarnessInfo } from './call';
import { auth, consultId, db, need, params, role, video } from './page';

const roomId = consultId;
const trace: ({ at: number; event: string } & Record<string, unknown>)[] = [];
const now = () => performance.timeOrigin + performance.now();

let call: ClassicCall | null = null;
let startedAt: number | null = null;
let firstFrameAt: number | null = null;
let framesShown = 0;
let state = 'idle';

function watchFrames() {
  video.requestVideoFrameCallback((t) => {
    framesShown++;
    firstFrameAt ??= performance.timeOrigin + t;
    watchFrames();
  });
}

async function ready(): Promise<void> {
  const { user } = await signInWithCustomToken(auth, need('token'));
  // As call.html's page does before a measured start: a read and a write, so that neither the
  // listen nor the write stream opens during the measurement.
  const warm = doc(db, 'classic', roomId, 'warm', user.uid);
  await setDoc(warm, { at: Date.now() });
  await getDoc(warm);
  call = createClassicCall({
    db,
    roomId,
    role,
    localStream: await acquireMedia(),
    iceServers: JSON.parse(params.get('ice') ?? '[]') as RTCIceServer[],
    onRemoteStream(stream) {
      video.srcObject = stream;
      void video.play().catch(() => undefined);
    },
    onTrace: (event, detail) => {
      if (event === 'connection') state = String(detail?.['state']);
      trace.push({ at: Math.round(now()), event, ...detail });
    },
  });
  watchFrames();
}

const readyPromise = ready();

const harness = {
  ready: () => readyPromise.then(() => true),
  async start() {
    await readyPromise;
    startedAt = now();
    state = 'connecting';
    await call!.start();
  },
  async leave() {
    call?.leave();
    state = 'ended';
  },
  trace: () => trace,
  async info(): Promise<HarnessInfo> {
    return {
      sessionId: null,
      state,
      remotePresent: false,
      error: null,
      writes: call?.writes ?? 0,
      ackedWrites: call?.acked ?? 0,
      statsWrites: 0,
      startedAt,
      firstFrameAt,
      framesShown,
      firstFrameSize: null,
      frameSize: video.videoWidth ? { width: video.videoWidth, height: video.videoHeight } : null,
      framesDecoded: null,
      iceRestarts: 0,
      candidateType: null,
      connectMs: null,
      localUfrag: null,
      videoPaused: false,
      remoteVideoPaused: false,
    };
  },
};

// Typed as call.html's harness (see call.ts) for the bench; this page has the part it reads.
(window as unknown as { callHarness: typeof harness }).callHarness = harness;
