// A test page for the app's call model alone: Firebase on the emulators (hosts from the URL), a
// custom token sign-in, and the model exposed on `window.callHarness` for Playwright and the bench.
// It wraps the model the lobby and the consult room use; only the settings fetch is its own.
import { signInWithCustomToken } from 'firebase/auth';
import { serverTimestamp, setDoc, doc } from 'firebase/firestore';
import { acquireMedia, type CallSession } from '../src/call';
import { createCallModel, type Call, type CallModel } from '../src/state/call';
import { auth, consultId, db, need, params, role, video } from './page';

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
  /** Our video paused by a weak uplink; the other side's, as it told us. */
  videoPaused: boolean;
  remoteVideoPaused: boolean;
}

export interface CandidateSide {
  type: string | null;
  protocol: string | null;
  relayProtocol: string | null;
  address: string | null;
  port: number | null;
}
export interface SelectedPair {
  local: CandidateSide;
  remote: CandidateSide;
}

const stateEl = document.getElementById('state')!;

let model: CallModel | null = null;
let startedAt: number | null = null;
let firstFrameAt: number | null = null;
let framesShown = 0;
const trace: ({ at: number; event: string } & Record<string, unknown>)[] = [];

let firstFrameSize: { width: number; height: number } | null = null;
let audioWatch: { longestGapMs: number; run: number; concealed: number; total: number; last: { concealed: number; total: number; at: number } | null } | null = null;

/** The page's call, kept after it ends so that its figures can still be read. */
let opened: Call | null = null;
const current = () => opened;
const session = (): CallSession | null => opened?.session ?? null;

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
  const uid = cred.user.uid;
  const iceServers = JSON.parse(params.get('ice') ?? '[]') as RTCIceServer[];
  model = createCallModel({
    consultId,
    uid,
    role,
    db,
    getIceServers: async () => ({ iceServers, expiresAt: new Date(Date.now() + 3_600_000).toISOString(), provider: 'coturn' }),
    session: {
      writeStats: params.get('stats') === '1',
      iceTransportPolicy: params.get('relay') === '1' ? 'relay' : 'all',
      onTrace: (event, detail) => trace.push({ at: Math.round(performance.timeOrigin + performance.now()), event, ...detail }),
    },
  });
  // As in the app's waiting room: the page has read its consult and reported that it is waiting
  // (a write), so a measured start opens neither the listen nor the write stream.
  await model.consultKnown;
  await setDoc(doc(db, 'consults', consultId, 'stats', uid), { lobby: 'waiting', lobbySeenAt: serverTimestamp(), updatedAt: serverTimestamp() }, { merge: true });
  const call = await model.open(await acquireMedia());
  opened = call;
  call.session.state.subscribe((s) => {
    stateEl.textContent = s;
    stateEl.dataset.callState = s;
  });
  call.session.remoteStream.subscribe((stream) => {
    video.srcObject = stream;
    if (stream) void video.play().catch(() => {});
  });
  // The patient's waiting room reads the clinician's side before admission (state/lobby.ts).
  if (role === 'patient' && params.get('prepare') !== '0') call.session.prepare();
  watchFrames();
}

const readyPromise = ready();

async function framesDecoded(): Promise<number | null> {
  const pc = session()?.peerConnection();
  if (!pc) return null;
  const report = await pc.getStats();
  let frames: number | null = null;
  report.forEach((s: { type?: string; kind?: string; framesDecoded?: number }) => {
    if (s.type === 'inbound-rtp' && s.kind === 'video') frames = s.framesDecoded ?? null;
  });
  return frames;
}

const sendingTrack = () => session()?.peerConnection()?.getSenders().find((s) => s.track?.kind === 'video')?.track ?? null;

const harness = {
  ready: () => readyPromise.then(() => true),
  async start() {
    await readyPromise;
    startedAt = performance.timeOrigin + performance.now();
    await model!.join();
  },
  async leave() {
    await model?.leave();
  },
  restartIce() {
    session()?.restartIce();
  },
  /** Switches camera as the call screen's button does (front/rear); returns the id of the track now sending. */
  async switchCamera(): Promise<string | null> {
    await session()!.switchCamera();
    return sendingTrack()?.id ?? null;
  },
  sendingTrack: () => {
    const track = sendingTrack();
    return track ? { id: track.id, readyState: track.readyState } : null;
  },
  trace: () => trace,
  /**
   * Watches the received audio from now on (every 50 ms): the longest stretch the receiver had to
   * conceal (at least 90 % of an interval's samples made up), and the share concealed overall.
   */
  watchAudio() {
    audioWatch = { longestGapMs: 0, run: 0, concealed: 0, total: 0, last: null };
    const tick = async () => {
      const w = audioWatch;
      if (!w) return;
      const report = await session()?.peerConnection()?.getStats();
      type Inbound = { type?: string; kind?: string; concealedSamples?: number; totalSamplesReceived?: number };
      const audio = [...(report?.values() ?? [])].find((s: Inbound) => s.type === 'inbound-rtp' && s.kind === 'audio') as Inbound | undefined;
      const at = performance.now();
      if (audio) {
        const now = { concealed: audio.concealedSamples ?? 0, total: audio.totalSamplesReceived ?? 0, at };
        if (w.last && now.total >= w.last.total) {
          const dTotal = now.total - w.last.total;
          const dConcealed = now.concealed - w.last.concealed;
          w.total += dTotal;
          w.concealed += dConcealed;
          // No samples at all counts as a gap too (the receiver stopped playing).
          if (dTotal === 0 || dConcealed >= 0.9 * dTotal) w.run += at - w.last.at;
          else w.run = 0;
          w.longestGapMs = Math.max(w.longestGapMs, w.run);
        }
        w.last = now;
      }
      setTimeout(() => void tick(), 50);
    };
    void tick();
  },
  audioReport() {
    const w = audioWatch;
    audioWatch = null;
    return w ? { longestGapMs: Math.round(w.longestGapMs), concealedPct: w.total ? Math.round((1000 * w.concealed) / w.total) / 10 : null } : null;
  },
  /** Round-trip time and loss as the quality indicator shows them. */
  quality: () => {
    const q = session()?.quality.get();
    return q ? { rttMs: q.rttMs, packetLossPct: q.packetLossPct, level: q.level } : null;
  },
  /** A chat message over the call's data channel; the texts both sides hold (ours and theirs). */
  chat(text: string) {
    session()?.chat.send(text);
  },
  chatTexts: () => session()?.chat.messages.get().map((m) => `${m.from}:${m.text}`) ?? [],
  /** The candidate pairs of the current connection, for diagnosing a connection that does not come. */
  async pairs() {
    const report = await session()?.peerConnection()?.getStats();
    const out: Record<string, unknown>[] = [];
    report?.forEach((s: Record<string, unknown>) => {
      if (s.type === 'candidate-pair') out.push({ id: s.id, state: s.state, nominated: s.nominated, local: s.localCandidateId, remote: s.remoteCandidateId, sent: s.requestsSent, recv: s.responsesReceived, bytesReceived: s.bytesReceived });
      if (s.type === 'local-candidate' || s.type === 'remote-candidate') out.push({ id: s.id, type: s.type, c: s.candidateType, addr: `${s.address}:${s.port}`, proto: s.protocol, relayProtocol: s.relayProtocol });
    });
    return out;
  },
  /** The candidate pair media flows on now (Chromium names it on the transport, Firefox marks it selected). */
  async selectedPair(): Promise<SelectedPair | null> {
    const report = await session()?.peerConnection()?.getStats();
    if (!report) return null;
    let pairId: string | undefined;
    report.forEach((s: { type?: string; selectedCandidatePairId?: string; selected?: boolean; id: string }) => {
      if (s.type === 'transport' && s.selectedCandidatePairId) pairId = s.selectedCandidatePairId;
      if (s.type === 'candidate-pair' && s.selected) pairId ??= s.id;
    });
    const pair = pairId ? (report.get(pairId) as { localCandidateId: string; remoteCandidateId: string } | undefined) : undefined;
    if (!pair) return null;
    const side = (id: string) => {
      const c = report.get(id) as { candidateType?: string; protocol?: string; relayProtocol?: string; address?: string; port?: number } | undefined;
      return { type: c?.candidateType ?? null, protocol: c?.protocol ?? null, relayProtocol: c?.relayProtocol ?? null, address: c?.address ?? null, port: c?.port ?? null };
    };
    return { local: side(pair.localCandidateId), remote: side(pair.remoteCandidateId) };
  },
  async info(): Promise<HarnessInfo> {
    const q = session()?.quality.get() ?? null;
    return {
      sessionId: session()?.sessionId ?? null,
      state: session()?.state.get() ?? 'idle',
      remotePresent: session()?.remotePresent.get() ?? false,
      error: session()?.error.get()?.reason ?? null,
      writes: current()?.signaling.writeCount ?? 0,
      ackedWrites: current()?.signaling.ackedWriteCount ?? 0,
      statsWrites: current()?.signaling.statsWriteCount ?? 0,
      startedAt,
      firstFrameAt,
      framesShown,
      firstFrameSize,
      frameSize: video.videoWidth ? { width: video.videoWidth, height: video.videoHeight } : null,
      framesDecoded: await framesDecoded(),
      iceRestarts: session()?.iceRestarts.get() ?? 0,
      candidateType: q?.candidateType ?? null,
      connectMs: q?.connectMs ?? null,
      localUfrag: /a=ice-ufrag:(\S+)/.exec(session()?.peerConnection()?.localDescription?.sdp ?? '')?.[1] ?? null,
      videoPaused: session()?.videoPaused.get() ?? false,
      remoteVideoPaused: session()?.remoteMedia.get()?.weak ?? false,
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
