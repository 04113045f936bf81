// One participant's call: media, negotiation, recovery, quality and cleanup, driven by the UI.
import { CallError } from './errors';
import { acquireCamera, applyTorch, facingOf, torchSupported, type MediaRequest } from './media';
import { Negotiator, type NegotiationEvent, type NegotiationTiming, type PeerConnectionLike, type Scheduler, realScheduler } from './negotiation';
import { transition, writable, type CallEvent, type CallState, type Observable } from './state';
import { mediaStalled, readSample, toSnapshot, uplinkProfile, type QualitySnapshot, type StatsSample } from './stats';
import type { CallRole, CallStatsSummary, Signaling } from './types';

export interface IceServersResult {
  iceServers: RTCIceServer[];
  /** ISO time after which the TURN credentials stop working. */
  expiresAt: string;
}

export interface CallSessionOptions {
  consultId: string;
  uid: string;
  role: CallRole;
  signaling: Signaling;
  getIceServers: () => Promise<IceServersResult>;
  localStream: MediaStream;
  /** Writes the compact summary to consults/{id}/stats/{uid}: at most once a minute, and at the end. */
  writeStats?: (summary: CallStatsSummary) => Promise<void>;
  iceTransportPolicy?: RTCIceTransportPolicy;
  /** Tests pass a fake; the browser's RTCPeerConnection otherwise. */
  createPeerConnection?: (config: RTCConfiguration) => RTCPeerConnection;
  timing?: Partial<NegotiationTiming & RecoveryTiming>;
  scheduler?: Scheduler;
  /** Leave when the page is hidden for good (tab closed, reload). Default true where a window exists. */
  leaveOnPageHide?: boolean;
  /** Every step of signaling and connection, for diagnostics and the bench. */
  onTrace?: (event: string, detail?: Record<string, unknown>) => void;
}

export interface RecoveryTiming {
  /** `disconnected` lasting this long starts an ICE restart. */
  disconnectedGraceMs: number;
  statsIntervalMs: number;
  /** Intervals without received bytes before media counts as stalled. */
  stalledIntervals: number;
  /**
   * While media is interrupted, restart ICE again this often (the polite side half as often):
   * a relay that comes back is found at the next try rather than at the watchdog.
   */
  reconnectRetryMs: number;
  reconnectRetries: number;
  /** A bound call not connected after this long is restarted (then rebuilt). */
  connectWatchdogMs: number;
  /** Refresh TURN credentials this long before they expire. */
  credentialMarginMs: number;
  statsWriteIntervalMs: number;
}

const DEFAULT_RECOVERY: RecoveryTiming = {
  disconnectedGraceMs: 1500,
  statsIntervalMs: 1000,
  stalledIntervals: 2,
  reconnectRetryMs: 1500,
  reconnectRetries: 20,
  connectWatchdogMs: 6000,
  credentialMarginMs: 60_000,
  statsWriteIntervalMs: 60_000,
};

export interface CallSession {
  readonly sessionId: string;
  state: Observable<CallState>;
  remoteStream: Observable<MediaStream | null>;
  remotePresent: Observable<boolean>;
  quality: Observable<QualitySnapshot | null>;
  error: Observable<CallError | null>;
  micEnabled: Observable<boolean>;
  cameraEnabled: Observable<boolean>;
  facing: Observable<'user' | 'environment'>;
  torchAvailable: Observable<boolean>;
  torchOn: Observable<boolean>;
  /** ICE restarts so far (automatic and asked for). */
  iceRestarts: Observable<number>;
  /**
   * Before start(), while waiting to be admitted: reads the other side's document and fetches the
   * connection settings, so that start() finds both ready. Writes nothing.
   */
  prepare(): void;
  start(): Promise<void>;
  leave(): Promise<void>;
  setMicEnabled(on: boolean): void;
  setCameraEnabled(on: boolean): void;
  switchCamera(to?: MediaRequest): Promise<void>;
  setTorch(on: boolean): Promise<void>;
  restartIce(): void;
  /** The current connection (bench and tests read its stats). */
  peerConnection(): RTCPeerConnection | null;
}

function randomId(): string {
  const bytes = new Uint8Array(12);
  globalThis.crypto.getRandomValues(bytes);
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

const hasTurn = (servers: RTCIceServer[]) =>
  servers.some((s) => (Array.isArray(s.urls) ? s.urls : [s.urls]).some((u) => /^turns?:/.test(u)));

export function createCallSession(opts: CallSessionOptions): CallSession {
  const sessionId = randomId();
  const timing = { ...DEFAULT_RECOVERY, ...opts.timing };
  const scheduler = opts.scheduler ?? realScheduler;
  const polite = opts.role === 'patient';

  const state = writable<CallState>('idle');
  const remoteStream = writable<MediaStream | null>(null);
  const remotePresent = writable(false);
  const quality = writable<QualitySnapshot | null>(null);
  const error = writable<CallError | null>(null);
  const videoTrack = () => opts.localStream.getVideoTracks()[0] ?? null;
  const micEnabled = writable(opts.localStream.getAudioTracks().some((t) => t.enabled));
  const cameraEnabled = writable(videoTrack()?.enabled ?? false);
  const facing = writable<'user' | 'environment'>(facingOf(videoTrack()) ?? 'user');
  const torchAvailable = writable(torchSupported(videoTrack()));
  const torchOn = writable(false);
  const iceRestarts = writable(0);

  let iceServers: RTCIceServer[] = [];
  let pc: RTCPeerConnection | null = null;
  let control: RTCDataChannel | null = null;
  const stops: (() => void)[] = [];
  const timers = new Set<unknown>();
  let startedAt = 0;
  let remoteSeenAt = 0;
  let connectMs: number | null = null;
  let lastSample: StatsSample | null = null;
  let stalledFor = 0;
  let lastStatsWrite = 0;
  let uplinkKey = '';
  let watchdogStep = 0;
  let disconnectedTimer: unknown = null;
  let watchdogTimer: unknown = null;
  let retryTimer: unknown = null;
  let retries = 0;
  let credentialRetry = false;
  let ended = false;
  let prepared = false;
  let serversAhead: Promise<IceServersResult> | null = null;

  const dispatch = (event: CallEvent) => state.set(transition(state.get(), event));
  const after = (ms: number, fn: () => void) => {
    const h = scheduler.setTimeout(() => {
      timers.delete(h);
      fn();
    }, ms);
    timers.add(h);
    return h;
  };
  const cancel = (h: unknown) => {
    if (h === null) return;
    scheduler.clearTimeout(h);
    timers.delete(h);
  };

  const fail = (e: CallError, fatal: boolean) => {
    error.set(e);
    if (fatal) void shutdown(e.reason === 'consult-ended' ? 'consult-ended' : 'fatal');
  };

  const negotiator = new Negotiator({
    sessionId,
    role: opts.role,
    publish: (signal) => opts.signaling.publish(signal),
    createPeerConnection: () => newPeerConnection(),
    onEvent: onNegotiation,
    isConnected: () => pc?.iceConnectionState === 'connected' || pc?.iceConnectionState === 'completed',
    timing: opts.timing,
    scheduler,
  });

  const trace = (event: string, detail?: Record<string, unknown>) => opts.onTrace?.(event, detail);

  function onNegotiation(ev: NegotiationEvent) {
    if (ev.type !== 'connection-replaced') trace(ev.type, ev.type === 'error' ? { error: String(ev.error) } : { ...ev });
    switch (ev.type) {
      case 'remote-present':
        if (!remoteSeenAt) remoteSeenAt = Date.now();
        remotePresent.set(true);
        watchdogStep = 0;
        cancel(watchdogTimer);
        watchdogTimer = null;
        armWatchdog();
        break;
      case 'remote-left':
        remotePresent.set(false);
        remoteStream.set(null);
        dispatch({ type: 'remote-left' });
        break;
      case 'error':
        fail(ev.error instanceof CallError ? ev.error : new CallError('network', String(ev.error), ev.error), ev.error instanceof CallError && ev.error.reason === 'signaling-denied');
        break;
      default:
        break;
    }
  }

  function newPeerConnection(): PeerConnectionLike {
    const make = opts.createPeerConnection ?? ((c: RTCConfiguration) => new RTCPeerConnection(c));
    const next = make({
      iceServers,
      iceTransportPolicy: opts.iceTransportPolicy ?? 'all',
      bundlePolicy: 'max-bundle',
      rtcpMuxPolicy: 'require',
      iceCandidatePoolSize: 0,
    });
    pc = next;
    remoteStream.set(null);
    lastSample = null;
    stalledFor = 0;
    uplinkKey = '';
    for (const track of opts.localStream.getTracks()) next.addTrack(track, opts.localStream);
    startLow(next);
    // A negotiated channel (no extra round trip) to say bye the moment someone leaves.
    const channel = next.createDataChannel('control', { negotiated: true, id: 0 });
    control = channel;
    channel.onmessage = (m) => {
      if (m.data === 'bye' && negotiator.remoteSession) negotiator.remoteLeft(negotiator.remoteSession);
    };
    // The other side closed its connection (SCTP abort): it left, even if its document lingers.
    channel.onclose = () => {
      if (next === pc && !ended && negotiator.remoteSession) negotiator.remoteLeft(negotiator.remoteSession);
    };
    const relay = { seen: false, rejected: false };
    next.addEventListener('track', (ev) => {
      if (next !== pc) return;
      trace('track', { kind: ev.track.kind });
      const stream = ev.streams[0] ?? new MediaStream([ev.track]);
      remoteStream.set(stream);
    });
    next.addEventListener('icecandidate', (ev) => {
      trace('local-candidate', { type: ev.candidate?.type ?? 'end' });
      if (ev.candidate?.type === 'relay') relay.seen = true;
    });
    next.addEventListener('icecandidateerror', (ev) => {
      const code = (ev as RTCPeerConnectionIceErrorEvent).errorCode;
      trace('candidate-error', { code, url: (ev as RTCPeerConnectionIceErrorEvent).url });
      if (code === 401 || code === 403 || code === 701) relay.rejected ||= code === 401;
    });
    next.addEventListener('iceconnectionstatechange', () => trace('ice', { state: next.iceConnectionState }));
    next.addEventListener('icegatheringstatechange', () => {
      trace('gathering', { state: next.iceGatheringState });
      if (next !== pc || next.iceGatheringState !== 'complete') return;
      // A rejected TURN credential never fails the connection: it only leaves us without relay.
      if (hasTurn(iceServers) && !relay.seen && relay.rejected) onTurnRejected();
      relay.seen = false;
      relay.rejected = false;
    });
    next.addEventListener('connectionstatechange', () => {
      if (next === pc) onConnectionState(next.connectionState);
    });
    return next as unknown as PeerConnectionLike;
  }

  function onConnectionState(s: RTCPeerConnectionState) {
    trace('connection', { state: s });
    if (ended) return;
    if (s === 'connected') {
      cancel(disconnectedTimer);
      disconnectedTimer = null;
      if (connectMs === null) connectMs = Date.now() - Math.max(startedAt, remoteSeenAt);
      stopReconnectRetries();
      watchdogStep = 0;
      cancel(watchdogTimer);
      watchdogTimer = null;
      const reason = error.get()?.reason;
      if (reason === 'ice-failed' || reason === 'network' || reason === 'turn-credentials-rejected') error.set(null);
      dispatch({ type: 'media-connected' });
    } else if (s === 'disconnected') {
      dispatch({ type: 'media-interrupted' });
      cancel(disconnectedTimer);
      disconnectedTimer = after(timing.disconnectedGraceMs * (polite ? 1.5 : 1), () => {
        disconnectedTimer = null;
        if (pc?.connectionState !== 'connected') restart();
        armReconnectRetry();
      });
      armWatchdog();
    } else if (s === 'failed') {
      dispatch({ type: 'media-interrupted' });
      // The impolite side restarts first so that usually only one offer is made.
      after(polite ? 1000 : 0, () => pc?.connectionState === 'failed' && restart());
      armReconnectRetry();
      armWatchdog();
    }
  }

  function restart() {
    if (ended || !remotePresent.get()) return;
    iceRestarts.set(iceRestarts.get() + 1);
    negotiator.restartIce();
  }

  function armReconnectRetry() {
    if (retryTimer !== null || ended) return;
    retryTimer = after(timing.reconnectRetryMs * (polite ? 2 : 1), () => {
      retryTimer = null;
      if (ended || state.get() === 'connected' || !remotePresent.get()) {
        retries = 0;
        return;
      }
      if (retries++ >= timing.reconnectRetries) return;
      restart();
      armReconnectRetry();
    });
  }

  function stopReconnectRetries() {
    cancel(retryTimer);
    retryTimer = null;
    retries = 0;
  }

  /** Until connected, escalate: an ICE restart first, then a new connection, then tell the UI. */
  function armWatchdog() {
    if (watchdogTimer !== null || ended) return;
    watchdogTimer = after(timing.connectWatchdogMs, () => {
      watchdogTimer = null;
      // Our own state, not connectionState: a relay that lost its allocation still reads "connected".
      if (ended || state.get() === 'connected' || !remotePresent.get()) return;
      watchdogStep++;
      if (watchdogStep === 1) restart();
      else if (watchdogStep <= 3) {
        iceRestarts.set(iceRestarts.get() + 1);
        negotiator.resync();
      }
      // Past that, the other side is most likely gone without cleaning up: stop writing, say so,
      // and wait for its next session (a new document resets the count).
      if (watchdogStep >= 3) error.set(new CallError('ice-failed', 'The connection to the other participant could not be made.'));
      if (watchdogStep < 4) armWatchdog();
    });
  }

  async function refreshCredentials(restartAfter: boolean) {
    try {
      const fresh = await opts.getIceServers();
      iceServers = fresh.iceServers;
      scheduleCredentialRefresh(fresh.expiresAt);
      if (pc) {
        pc.setConfiguration({ ...pc.getConfiguration(), iceServers });
        if (restartAfter && remotePresent.get()) restart();
      }
    } catch (e) {
      error.set(e instanceof CallError ? e : new CallError('network', 'Fresh connection credentials could not be fetched.', e));
    }
  }

  function scheduleCredentialRefresh(expiresAt: string) {
    const expires = Date.parse(expiresAt);
    if (!Number.isFinite(expires)) return;
    const wait = Math.max(10_000, expires - Date.now() - timing.credentialMarginMs);
    after(wait, () => void refreshCredentials(true));
  }

  function onTurnRejected() {
    error.set(new CallError('turn-credentials-rejected', 'The relay server refused our credentials.'));
    // They may only have expired: fetch fresh ones once; a connection made afterwards clears the error.
    if (!credentialRetry) {
      credentialRetry = true;
      void refreshCredentials(true);
    }
  }

  /** Reads getStats once into `quality`; returns the sample (null without a connection). */
  async function sampleQuality(current: RTCPeerConnection): Promise<StatsSample> {
    const report = await current.getStats();
    const sample = readSample(report.values() as Iterable<Record<string, unknown>>, Date.now());
    quality.set(toSnapshot(lastSample, sample, connectMs));
    return sample;
  }

  async function pollStats() {
    const current = pc;
    if (!current || ended) return;
    try {
      const previous = lastSample;
      const sample = await sampleQuality(current);
      const connected = current.connectionState === 'connected';
      const stalled = connected && mediaStalled(previous, sample);
      if (stalled) stalledFor++;
      else if (stalledFor > 0 && connected) {
        // Media is back on a connection that never stopped calling itself connected.
        stalledFor = 0;
        stopReconnectRetries();
        dispatch({ type: 'media-connected' });
      }
      // The impolite side restarts first, so that usually only one side makes the offer.
      if (stalledFor === timing.stalledIntervals + (polite ? 1 : 0) && remotePresent.get()) {
        // Media stopped well before ICE would say `disconnected` (~5 s over UDP): restart now.
        dispatch({ type: 'media-interrupted' });
        restart();
        armReconnectRetry();
        armWatchdog();
      }
      lastSample = sample;
      await adaptUplink(current, sample, quality.get()?.packetLossPct ?? null);
      if (opts.writeStats && connectMs !== null && Date.now() - lastStatsWrite >= timing.statsWriteIntervalMs) {
        lastStatsWrite = Date.now();
        void opts.writeStats(summary(false)).catch(() => {});
      }
    } catch {
      // getStats on a connection being replaced: the next tick reads the new one.
    }
  }

  /**
   * Video starts at half resolution: at the first bandwidth estimate a 720p keyframe would have the
   * encoder drop its first frames (and the pacer spread the rest), which is most of the wait for a
   * first picture. The uplink adaptation climbs to full resolution as soon as the estimate allows.
   */
  function startLow(next: RTCPeerConnection) {
    const sender = next.getSenders().find((s) => s.track?.kind === 'video');
    const params = sender?.getParameters();
    if (!sender || !params?.encodings?.length) {
      trace('start-low', { applied: false });
      return;
    }
    for (const enc of params.encodings) enc.scaleResolutionDownBy = 2;
    uplinkKey = 'start';
    sender.setParameters(params).then(
      () => trace('start-low', { applied: true }),
      (e: unknown) => trace('start-low', { applied: false, error: String(e) }),
    );
  }

  async function adaptUplink(current: RTCPeerConnection, sample: StatsSample, lossPct: number | null) {
    const sender = current.getSenders().find((s) => s.track?.kind === 'video');
    if (!sender) return;
    const profile = uplinkProfile(sample, lossPct);
    const key = profile ? `${profile.maxBitrateKbps}/${profile.scaleDown}` : 'none';
    if (key === uplinkKey) return;
    const params = sender.getParameters();
    if (!params.encodings?.length) return;
    for (const enc of params.encodings) {
      if (profile) {
        enc.maxBitrate = profile.maxBitrateKbps * 1000;
        enc.scaleResolutionDownBy = profile.scaleDown;
      } else {
        delete enc.maxBitrate;
        enc.scaleResolutionDownBy = 1;
      }
    }
    await sender.setParameters(params);
    uplinkKey = key;
  }

  function summary(final: boolean): CallStatsSummary {
    const q = quality.get();
    return {
      connectMs,
      candidateType: q?.candidateType ?? null,
      rttMs: q?.rttMs ?? null,
      jitterMs: q?.jitterMs ?? null,
      packetLossPct: q?.packetLossPct ?? null,
      bitrateKbps: q?.bitrateKbps ?? null,
      framesDecoded: q?.framesDecoded ?? null,
      iceRestarts: iceRestarts.get(),
      final,
    };
  }

  function statsLoop() {
    after(timing.statsIntervalMs, () => {
      if (ended) return;
      void pollStats().finally(statsLoop);
    });
  }

  function prepare() {
    if (prepared || ended) return;
    prepared = true;
    // What arrives before start() waits in the negotiator until there is a connection.
    stops.push(opts.signaling.watchRemote((signal) => negotiator.onRemoteSignal(signal), (e) => fail(e, e.reason === 'signaling-denied')));
    const ahead = opts.getIceServers();
    ahead.catch(() => undefined); // start() asks again, and reports a second failure
    serversAhead = ahead;
  }

  async function shutdown(reason: 'leave' | 'consult-ended' | 'fatal') {
    if (ended) return;
    const started = state.get() !== 'idle';
    ended = true;
    dispatch({ type: reason });
    for (const stop of stops.splice(0)) stop();
    for (const h of [...timers]) cancel(h);
    try {
      if (control?.readyState === 'open') control.send('bye');
    } catch {
      // The channel closed meanwhile: the document's deletion says the same.
    }
    // Issued before any await: on pagehide nothing after the first await is sure to run.
    // A session that only prepared wrote nothing, so it has nothing to remove.
    const removal = started ? opts.signaling.remove().catch(() => {}) : Promise.resolve();
    if (pc && connectMs !== null) await sampleQuality(pc).catch(() => null);
    const finalSummary = connectMs !== null ? summary(true) : null;
    negotiator.close();
    pc = null;
    for (const track of opts.localStream.getTracks()) track.stop();
    remoteStream.set(null);
    remotePresent.set(false);
    const stats = finalSummary && opts.writeStats ? opts.writeStats(finalSummary).catch(() => {}) : Promise.resolve();
    await Promise.all([removal, stats]);
  }

  return {
    sessionId,
    state,
    remoteStream,
    remotePresent,
    quality,
    error,
    micEnabled,
    cameraEnabled,
    facing,
    torchAvailable,
    torchOn,
    iceRestarts,
    prepare,
    async start() {
      if (state.get() !== 'idle') return;
      if (!opts.createPeerConnection && typeof RTCPeerConnection === 'undefined') {
        fail(CallError.unsupported('WebRTC (RTCPeerConnection)'), true);
        throw error.get()!;
      }
      startedAt = Date.now();
      dispatch({ type: 'start' });
      // Watch first: the other side's document is being read while the connection is prepared.
      stops.push(
        opts.signaling.watchConsult(
          (status) => {
            if (status === 'ended' || status === 'cancelled') fail(new CallError('consult-ended', 'The consult has ended.'), true);
          },
          (e) => fail(e, e.reason === 'signaling-denied'),
        ),
      );
      prepare();
      let servers: IceServersResult;
      try {
        servers = await (serversAhead ?? opts.getIceServers()).catch(() => opts.getIceServers());
      } catch (e) {
        fail(e instanceof CallError ? e : new CallError('network', 'Connection settings could not be fetched.', e), true);
        throw error.get()!;
      }
      if (ended) return;
      iceServers = servers.iceServers;
      scheduleCredentialRefresh(servers.expiresAt);
      negotiator.start();
      statsLoop();
      if (opts.leaveOnPageHide !== false && typeof globalThis.addEventListener === 'function' && typeof window !== 'undefined') {
        const onHide = (ev: PageTransitionEvent) => {
          if (!ev.persisted) void shutdown('leave');
        };
        globalThis.addEventListener('pagehide', onHide as EventListener);
        stops.push(() => globalThis.removeEventListener('pagehide', onHide as EventListener));
      }
    },
    leave: () => shutdown('leave'),
    setMicEnabled(on) {
      for (const t of opts.localStream.getAudioTracks()) t.enabled = on;
      micEnabled.set(on);
    },
    setCameraEnabled(on) {
      for (const t of opts.localStream.getVideoTracks()) t.enabled = on;
      cameraEnabled.set(on);
    },
    async switchCamera(to) {
      const old = videoTrack();
      const request: MediaRequest = to?.deviceId || to?.facingMode ? to : { facingMode: facing.get() === 'user' ? 'environment' : 'user' };
      const track = await acquireCamera(request, old);
      track.enabled = cameraEnabled.get();
      if (old) opts.localStream.removeTrack(old);
      opts.localStream.addTrack(track);
      // replaceTrack: no renegotiation, the other side keeps its stream.
      const sender = pc?.getSenders().find((s) => s.track === old || s.track?.kind === 'video' || (s.track === null && old));
      await sender?.replaceTrack(track);
      facing.set(facingOf(track) ?? request.facingMode ?? facing.get());
      torchAvailable.set(torchSupported(track));
      torchOn.set(false);
    },
    async setTorch(on) {
      const track = videoTrack();
      if (!track || !torchSupported(track)) {
        torchAvailable.set(false);
        return;
      }
      await applyTorch(track, on);
      torchOn.set(on);
    },
    restartIce: () => restart(),
    peerConnection: () => pc,
  };
}
