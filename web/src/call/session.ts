// One participant's call. The parts do the work: the Negotiator owns the peer connection, the
// recovery policy decides on restarts, credentials keep TURN usable, the quality monitor and the
// uplink read and shape media, local media holds our tracks. The session only wires them.
import { realClock, timers as createTimers, type Clock, type Timers } from './clock';
import { createChat } from './chat';
import { isPhotoMessage, openControlChannel, type ControlChannel, type ControlMessage, type RemoteGone, type RemoteMedia } from './control';
import { randomHex } from './hex';
import { createPhotos, openPhotoChannel } from './photo';
import { createCredentials, type Credentials, type IceServersResult } from './credentials';
import { CallError } from './errors';
import { createLocalMedia, type LocalMedia } from './localMedia';
import type { MediaRequest } from './media';
import { Negotiator, type NegotiationEvent, type NegotiationTiming } from './negotiation';
import { createQualityMonitor, type QualityMonitor } from './quality';
import { DEFAULT_RECOVERY, createRecovery, type Recovery, type RecoveryAction, type RecoveryTiming } from './recovery';
import { transition, writable, type CallEvent, type CallState, type Observable } from './state';
import type { QualitySnapshot } from './stats';
import type { CallRole, CallStatsSummary, Signaling } from './types';
import { createUplink, type Uplink } from './uplink';

import type { CallSession, CallSessionOptions } from './sessionApi';

export type { IceServersResult } from './credentials';
export type { RecoveryTiming } from './recovery';
export type { CallSession, CallSessionOptions } from './sessionApi';

/** Errors that a connection made afterwards makes untrue. */
/** Quiet this long after the browser's last network change before ICE restarts on the new network. */
const NETWORK_SETTLE_MS = 250;
const CLEARED_BY_CONNECTING = new Set(['ice-failed', 'network', 'turn-credentials-rejected']);

export function createCallSession(opts: CallSessionOptions): CallSession {
  return new Session(opts);
}

class Session implements CallSession {
  readonly sessionId = randomHex(12);
  readonly state = writable<CallState>('idle');
  readonly remoteStream = writable<MediaStream | null>(null);
  readonly remotePresent = writable(false);
  readonly remoteAway = writable(false);
  readonly error = writable<CallError | null>(null);
  readonly iceRestarts = writable(0);
  readonly remoteMedia = writable<RemoteMedia | null>(null);
  readonly videoPaused: Observable<boolean>;
  readonly chat = createChat((m) => this.control?.send(m) ?? false);
  readonly photos = createPhotos({ control: (m) => this.control?.send(m) ?? false });
  readonly quality: Observable<QualitySnapshot | null>;
  readonly micEnabled: Observable<boolean>;
  readonly cameraEnabled: Observable<boolean>;
  readonly facing: Observable<'user' | 'environment'>;
  readonly torchAvailable: Observable<boolean>;
  readonly torchOn: Observable<boolean>;

  private readonly timing: RecoveryTiming;
  private readonly clock: Clock;
  private readonly timers: Timers;
  private readonly media: LocalMedia;
  private readonly monitor: QualityMonitor;
  private readonly uplink: Uplink;
  private readonly negotiator: Negotiator<RTCPeerConnection>;
  private readonly recovery: Recovery;
  private readonly credentials: Credentials;
  private readonly stops: (() => void)[] = [];
  private control: ControlChannel | null = null;
  private startedAt = 0;
  private remoteSeenAt = 0;
  private ended = false;
  private prepared = false;
  /** How the other side said it went, until its departure is handled. */
  private goneHow: RemoteGone | null = null;
  private awayTimer: unknown = null;

  constructor(private readonly opts: CallSessionOptions) {
    this.timing = { ...DEFAULT_RECOVERY, ...opts.timing };
    this.clock = opts.clock ?? realClock;
    this.timers = createTimers(this.clock);
    this.media = createLocalMedia(opts.localStream);
    this.monitor = createQualityMonitor(this.clock);
    this.uplink = createUplink(this.trace, () => this.clock.now());
    this.videoPaused = this.uplink.paused;
    this.quality = this.monitor.quality;
    ({ micEnabled: this.micEnabled, cameraEnabled: this.cameraEnabled, facing: this.facing } = this.media);
    ({ torchAvailable: this.torchAvailable, torchOn: this.torchOn } = this.media);
    this.negotiator = new Negotiator<RTCPeerConnection>({
      sessionId: this.sessionId,
      role: opts.role,
      publish: (signal) => opts.signaling.publish(signal),
      createPeerConnection: () => this.openConnection(),
      onEvent: (event) => this.onNegotiation(event),
      timing: opts.timing,
      clock: this.clock,
    });
    this.recovery = createRecovery({ polite: opts.role === 'patient', timing: this.timing, clock: this.clock, act: (a) => this.onRecovery(a) });
    this.credentials = createCredentials({
      getIceServers: opts.getIceServers,
      clock: this.clock,
      timers: this.timers,
      marginMs: this.timing.credentialMarginMs,
      onFresh: (iceServers, restartAfter) => {
        const pc = this.negotiator.connection;
        if (!pc) return;
        pc.setConfiguration({ ...pc.getConfiguration(), iceServers });
        if (restartAfter) this.restartIce();
      },
      onError: (e) => this.error.set(e),
    });
    this.stops.push(
      this.micEnabled.subscribe(() => this.sayMedia()),
      this.cameraEnabled.subscribe(() => this.sayMedia()),
      this.videoPaused.subscribe(() => this.sayMedia()),
    );
  }

  /** Tells the other side whether our microphone and camera are on, and whether our video is paused by a weak uplink. */
  private sayMedia() {
    this.control?.send({ t: 'media', mic: this.micEnabled.get(), camera: this.cameraEnabled.get(), weak: this.videoPaused.get() });
  }

  private onControl(message: ControlMessage) {
    if (message.t === 'media') this.remoteMedia.set({ mic: message.mic, camera: message.camera, weak: message.weak === true });
    else if (isPhotoMessage(message)) this.photos.received(message);
    else this.chat.received(message);
  }

  private readonly trace = (event: string, detail?: Record<string, unknown>) => this.opts.onTrace?.(event, detail);

  private dispatch(event: CallEvent) {
    this.state.set(transition(this.state.get(), event));
  }

  private fail(e: CallError, fatal: boolean) {
    this.error.set(e);
    if (fatal) void this.shutdown(e.reason === 'consult-ended' ? 'consult-ended' : 'fatal');
  }

  private onRecovery(action: Exclude<RecoveryAction, { type: 'arm' | 'cancel' }>) {
    switch (action.type) {
      case 'restart-ice':
        return this.restartIce();
      case 'new-connection':
        this.iceRestarts.set(this.iceRestarts.get() + 1);
        return this.negotiator.resync();
      case 'media-connected':
        return this.dispatch({ type: 'media-connected' });
      case 'media-interrupted':
        return this.dispatch({ type: 'media-interrupted' });
      case 'clear-error':
        if (CLEARED_BY_CONNECTING.has(this.error.get()?.reason ?? '')) this.error.set(null);
        return;
      case 'give-up':
        return this.error.set(new CallError('ice-failed', 'The connection to the other participant could not be made.'));
    }
  }

  private onNegotiation(ev: NegotiationEvent) {
    if (ev.type !== 'connection-replaced') this.trace(ev.type, ev.type === 'error' ? { error: String(ev.error) } : { ...ev });
    if (ev.type === 'remote-present') {
      if (!this.remoteSeenAt) this.remoteSeenAt = this.clock.now();
      this.remotePresent.set(true);
      this.setAway(false);
      this.recovery.handle({ type: 'remote-present' });
    } else if (ev.type === 'remote-left') {
      this.remotePresent.set(false);
      this.remoteMedia.set(null);
      this.remoteLeft(this.goneHow);
      this.goneHow = null;
      this.dispatch({ type: 'remote-left' });
      this.recovery.handle({ type: 'remote-left' });
    } else if (ev.type === 'error') {
      const e = ev.error instanceof CallError ? ev.error : new CallError('network', String(ev.error), ev.error);
      this.fail(e, ev.error instanceof CallError && e.reason === 'signaling-denied');
    }
  }

  /**
   * Only a "bye" means the other side left on purpose. Anything else (their page went away, their
   * connection closed, their document vanished) keeps their last picture while they come back.
   */
  private remoteLeft(how: RemoteGone | null) {
    const away = how !== 'bye' && this.state.get() !== 'idle' && this.remoteStream.get() !== null;
    if (!away) this.remoteStream.set(null);
    this.setAway(away);
  }

  private setAway(away: boolean) {
    if (this.awayTimer !== null) this.timers.cancel(this.awayTimer);
    this.awayTimer = away
      ? this.timers.after(this.timing.remoteAwayGraceMs, () => {
          this.awayTimer = null;
          this.remoteAway.set(false);
          this.remoteStream.set(null);
        })
      : null;
    this.remoteAway.set(away);
  }

  /** A new connection with our tracks, the control channel and every listener the parts need. */
  private openConnection(): RTCPeerConnection {
    const make = this.opts.createPeerConnection ?? ((c: RTCConfiguration) => new RTCPeerConnection(c));
    const pc = make({
      iceServers: this.credentials.iceServers,
      iceTransportPolicy: this.opts.iceTransportPolicy ?? 'all',
      bundlePolicy: 'max-bundle',
      rtcpMuxPolicy: 'require',
      iceCandidatePoolSize: 0,
    });
    // Events come after the negotiator has made this its connection; those of a replaced one are dropped.
    const isCurrent = () => pc === this.negotiator.connection;
    // While the other side is away its last picture stays until the new connection's track arrives.
    if (!this.remoteAway.get()) this.remoteStream.set(null);
    this.monitor.reset();
    this.recovery.handle({ type: 'connection-replaced' });
    for (const track of this.media.stream.getTracks()) pc.addTrack(track, this.media.stream);
    this.uplink.startLow(pc);
    this.control = openControlChannel(pc, {
      gone: (how) => {
        const remote = this.negotiator.remoteSession;
        if (!remote || !(how !== 'closed' || (isCurrent() && !this.ended))) return;
        this.goneHow = how;
        this.negotiator.remoteLeft(remote, how === 'away');
      },
      message: (m) => this.onControl(m),
      open: () => {
        if (!isCurrent() || this.ended) return;
        this.sayMedia();
        this.chat.resend();
        this.photos.resume();
      },
    });
    openPhotoChannel(pc, this.photos, () => isCurrent() && !this.ended);
    this.credentials.watch(pc, isCurrent);
    this.traceConnection(pc);
    pc.addEventListener('track', (ev) => {
      if (!isCurrent()) return;
      this.trace('track', { kind: ev.track.kind });
      this.remoteStream.set(ev.streams[0] ?? new MediaStream([ev.track]));
    });
    pc.addEventListener('connectionstatechange', () => {
      if (!isCurrent()) return;
      this.trace('connection', { state: pc.connectionState });
      if (this.ended) return;
      if (pc.connectionState === 'connected') this.monitor.connectedNow(Math.max(this.startedAt, this.remoteSeenAt));
      this.recovery.handle({ type: 'connection', state: pc.connectionState });
    });
    return pc;
  }

  private traceConnection(pc: RTCPeerConnection) {
    if (!this.opts.onTrace) return;
    pc.addEventListener('icecandidate', (ev) => {
      this.trace('local-candidate', { type: ev.candidate?.type ?? 'end' });
      // A server answered our gathering while the call is interrupted: the network is back, and
      // the signaling should not wait for its own retry to notice.
      const type = ev.candidate?.type;
      if ((type === 'srflx' || type === 'relay') && this.state.get() === 'reconnecting') this.opts.signaling.reconnect?.();
    });
    pc.addEventListener('icecandidateerror', (ev) => {
      const e = ev as RTCPeerConnectionIceErrorEvent;
      this.trace('candidate-error', { code: e.errorCode, url: e.url });
    });
    pc.addEventListener('iceconnectionstatechange', () => this.trace('ice', { state: pc.iceConnectionState }));
    pc.addEventListener('icegatheringstatechange', () => this.trace('gathering', { state: pc.iceGatheringState }));
  }

  restartIce(): void {
    if (this.ended || !this.remotePresent.get()) return;
    this.iceRestarts.set(this.iceRestarts.get() + 1);
    this.negotiator.restartIce();
  }

  private async pollStats() {
    const pc = this.negotiator.connection;
    if (!pc || this.ended) return;
    try {
      const reading = await this.monitor.read(pc);
      this.recovery.handle({ type: 'stats', connected: reading.connected, stalled: reading.stalled });
      // The uplink's step follows the estimate of a working connection only: an outage (ours or the
      // other side's) starves the estimate, and a pause learned from it would hold the video back
      // for a probe's wait after the call is back.
      if (reading.connected && !reading.stalled && this.state.get() === 'connected') {
        // The loss of what we send (the other side's reports), not of what we receive: a drop in
        // their network is not a reason to shrink our video.
        await this.uplink.adapt(pc, reading.sample, reading.sample.outboundLossPct);
      }
      if (this.opts.writeStats && this.monitor.summaryDue(this.timing.statsWriteIntervalMs)) {
        void this.opts.writeStats(this.monitor.summary(false, this.iceRestarts.get())).catch(() => {});
      }
    } catch {
      // getStats on a connection being replaced: the next tick reads the new one.
    }
  }

  private statsLoop() {
    this.timers.after(this.timing.statsIntervalMs, () => {
      if (!this.ended) void this.pollStats().finally(() => this.statsLoop());
    });
  }

  private leaveOnPageHide() {
    if (this.opts.leaveOnPageHide === false || typeof globalThis.addEventListener !== 'function' || typeof window === 'undefined') return;
    const onHide = (ev: PageTransitionEvent) => {
      if (!ev.persisted) void this.leave('away');
    };
    globalThis.addEventListener('pagehide', onHide as EventListener);
    this.stops.push(() => globalThis.removeEventListener('pagehide', onHide as EventListener));
  }

  prepare(): void {
    if (this.prepared || this.ended) return;
    this.prepared = true;
    // What arrives before start() waits in the negotiator until there is a connection.
    this.stops.push(
      this.opts.signaling.watchRemote(
        (signal) => this.negotiator.onRemoteSignal(signal),
        (e) => this.fail(e, e.reason === 'signaling-denied'),
      ),
    );
  }

  async start(): Promise<void> {
    if (this.state.get() !== 'idle') return;
    if (!this.opts.createPeerConnection && typeof RTCPeerConnection === 'undefined') {
      this.fail(CallError.unsupported('WebRTC (RTCPeerConnection)'), true);
      throw this.error.get()!;
    }
    this.startedAt = this.clock.now();
    this.trace('start');
    this.dispatch({ type: 'start' });
    // The other side's document is being read while the connection settings arrive.
    this.prepare();
    let servers: IceServersResult;
    try {
      servers = await this.opts.getIceServers().catch(() => this.opts.getIceServers());
    } catch (e) {
      this.fail(e instanceof CallError ? e : new CallError('network', 'Connection settings could not be fetched.', e), true);
      throw this.error.get()!;
    }
    if (this.ended) return;
    this.trace('ice-servers', { urls: servers.iceServers.flatMap((s) => s.urls).join(' ') });
    this.credentials.use(servers);
    this.negotiator.start();
    this.statsLoop();
    this.leaveOnPageHide();
    this.watchNetwork();
  }

  /**
   * The device changed networks (Wi-Fi → 4G, a cable unplugged): restart ICE at once on the new
   * one instead of waiting for media to stall. Chromium says so with `online` and the Network
   * Information API's `change`; other browsers fall back on the stall detection.
   */
  private watchNetwork() {
    if (typeof window === 'undefined' || typeof window.addEventListener !== 'function') return;
    // A change comes as a burst (the old address goes, the new one comes, then its route): the
    // restart waits for the burst to end, or its gathering finds no route yet.
    let settle: unknown = null;
    const onChange = (ev: Event) => {
      this.trace('network-change', { cause: ev.type, online: navigator.onLine });
      if (settle !== null) this.timers.cancel(settle);
      settle = this.timers.after(NETWORK_SETTLE_MS, () => {
        settle = null;
        if (!navigator.onLine) return;
        // The signaling's connections left with the old address: open new ones now, not when
        // their own timeouts notice.
        this.opts.signaling.reconnect?.();
        this.recovery.handle({ type: 'network-changed' });
      });
    };
    const connection = (navigator as Navigator & { connection?: EventTarget }).connection;
    window.addEventListener('online', onChange);
    connection?.addEventListener?.('change', onChange);
    this.stops.push(() => {
      window.removeEventListener('online', onChange);
      connection?.removeEventListener?.('change', onChange);
    });
  }

  /** `goodbye`: what the other side is told; 'away' when the page goes (a reload, a closed tab). */
  private async shutdown(reason: 'leave' | 'consult-ended' | 'fatal', goodbye: 'bye' | 'away' = 'bye') {
    if (this.ended) return;
    const started = this.state.get() !== 'idle';
    this.ended = true;
    this.dispatch({ type: reason });
    this.recovery.handle({ type: 'ended' });
    for (const stop of this.stops.splice(0)) stop();
    this.timers.cancelAll();
    this.control?.sayGoodbye(goodbye);
    // Issued before any await: on pagehide nothing after the first await is sure to run.
    // A session that only prepared wrote nothing, so it has nothing to remove.
    const removal = started ? this.opts.signaling.remove().catch(() => {}) : Promise.resolve();
    const pc = this.negotiator.connection;
    if (pc && this.monitor.connectMs !== null) await this.monitor.read(pc).catch(() => null);
    const finalSummary = this.monitor.connectMs !== null ? this.monitor.summary(true, this.iceRestarts.get()) : null;
    this.negotiator.close();
    this.media.stop();
    this.remoteStream.set(null);
    this.remotePresent.set(false);
    this.remoteAway.set(false);
    const stats = finalSummary && this.opts.writeStats ? this.opts.writeStats(finalSummary).catch(() => {}) : Promise.resolve();
    await Promise.all([removal, stats]);
  }

  leave(how: 'bye' | 'away' = 'bye'): Promise<void> {
    return this.shutdown('leave', how);
  }

  consultEnded(): Promise<void> {
    this.error.set(new CallError('consult-ended', 'The consult has ended.'));
    return this.shutdown('consult-ended');
  }

  setMicEnabled(on: boolean): void {
    this.media.setMicEnabled(on);
  }

  setCameraEnabled(on: boolean): void {
    this.media.setCameraEnabled(on);
  }

  switchCamera(to?: MediaRequest): Promise<void> {
    const sender = this.negotiator.connection?.getSenders().find((s) => s.track?.kind === 'video' || s.track === null) ?? null;
    return this.media.switchCamera(sender, to);
  }

  setTorch(on: boolean): Promise<void> {
    return this.media.setTorch(on);
  }

  peerConnection(): RTCPeerConnection | null {
    return this.negotiator.connection;
  }
}
