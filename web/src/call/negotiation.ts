// Perfect negotiation over the peer documents.
//
// Each side rewrites its whole document on every change: {sessionId, seq, description, candidates}.
// - A participant alone publishes an offer addressed to anyone ('*'); whoever arrives later
//   answers it in its first write. Both arriving together both offer: the polite side (patient)
//   rolls back and answers, the impolite side (clinician) ignores the colliding offer.
// - Descriptions name their addressee (session and, for answers, the offer's seq), so a
//   description meant for an earlier session of ours is never applied.
// - A new remote session (a reload) or a deleted document (a leave) resets our connection; a
//   changed DTLS fingerprint from the same session means the other side replaced its connection.
// - Candidates travel in batches: the description and the first gathering burst in one write.
import type { CallRole, PeerConnectionLike, PeerSignal } from './types';
import { realClock, type Clock } from './clock';
import { DEFAULT_TIMING, Outbox, type NegotiationTiming } from './outbox';
import { addressOf, fingerprintOf, ufragOf, ufragOfCandidate, withoutAddress } from './sdp';

export type { PeerConnectionLike } from './types';
export type { NegotiationTiming } from './outbox';
export { DEFAULT_TIMING } from './outbox';

export type NegotiationEvent =
  | { type: 'remote-present'; sessionId: string }
  | { type: 'remote-left'; sessionId: string | null }
  | { type: 'connection-replaced'; pc: PeerConnectionLike }
  | { type: 'published'; seq: number; kind: 'offer' | 'answer' | null; candidates: number }
  | { type: 'described'; seq: number; kind: 'offer' | 'answer' }
  | { type: 'remote-applied'; seq: number; kind: 'offer' | 'answer' | 'ignored' }
  /** The connection could not take the other side's description; a fresh connection follows. */
  | { type: 'remote-refused'; seq: number; kind: 'offer' | 'answer'; reason: string }
  | { type: 'error'; error: unknown };

export interface NegotiatorOptions<PC extends PeerConnectionLike = PeerConnectionLike> {
  sessionId: string;
  role: CallRole;
  /** Rewrites our whole peer document. */
  publish(signal: PeerSignal): Promise<void>;
  /** A new connection with our tracks added and the session's listeners attached. */
  createPeerConnection(): PC;
  onEvent?(event: NegotiationEvent): void;
  timing?: Partial<NegotiationTiming>;
  clock?: Clock;
}

export class Negotiator<PC extends PeerConnectionLike = PeerConnectionLike> {
  readonly polite: boolean;
  private pc: PC | null = null;
  private queue: Promise<void> = Promise.resolve();
  private closed = false;
  private readonly outbox: Outbox;

  /** The remote session our connection belongs to (null: none yet, our offer is for anyone). */
  private boundTo: string | null = null;
  /** True once the other side's document has been read from the server at least once. */
  private remoteKnown = false;
  /** The other side's latest document when it arrived before start() made a connection. */
  private early: { signal: PeerSignal | null } | null = null;
  /** An ICE restart was asked for and its offer not yet made. */
  private restartWanted = false;
  /** A connection that needed an offer before their document was read. */
  private offerDeferred: PC | null = null;
  /** The polite side's wait for the first offer (see politeOfferWaitMs): not begun, running, over. */
  private politeWait: 'not-begun' | 'running' | 'over' = 'not-begun';
  private readonly timing: NegotiationTiming;
  private readonly departed = new Set<string>();
  private lastRemoteSeq = -1;
  private remoteFingerprint: string | null = null;
  private remoteUfrag: string | null = null;
  private ignoring = false;
  private readonly addedCandidates = new Set<string>();
  private appliedCandidateCount = 0;

  constructor(private readonly opts: NegotiatorOptions<PC>) {
    this.polite = opts.role === 'patient';
    const timing: NegotiationTiming = { ...DEFAULT_TIMING, ...opts.timing };
    this.timing = timing;
    if (!this.polite || timing.politeOfferWaitMs <= 0) this.politeWait = 'over';
    this.outbox = new Outbox({
      sessionId: opts.sessionId,
      role: opts.role,
      clock: opts.clock ?? realClock,
      timing,
      publish: (signal) => opts.publish(signal),
      boundTo: () => this.boundTo,
      remoteKnown: () => this.remoteKnown,
      connected: () => this.pc?.iceConnectionState === 'connected' || this.pc?.iceConnectionState === 'completed',
      enqueue: (task) => this.enqueue(task),
      closed: () => this.closed,
      published: (seq, kind, candidates) => this.emit({ type: 'published', seq, kind, candidates }),
      failed: (error) => this.emit({ type: 'error', error }),
    });
  }

  get connection(): PC | null {
    return this.pc;
  }
  get remoteSession(): string | null {
    return this.boundTo;
  }
  get localSeq(): number {
    return this.outbox.seq;
  }

  /** Creates the first connection; it offers once the other side's document is read, unless that holds an offer to answer. */
  start(): void {
    this.enqueue(async () => {
      await this.replaceConnection();
      // Their document, if it was read before we had a connection (credentials still loading).
      const early = this.early;
      this.early = null;
      if (early) await this.handleRemote(early.signal);
    });
  }

  /** The other side's document, as the server last had it (null: absent). */
  onRemoteSignal(signal: PeerSignal | null): void {
    this.enqueue(() => this.handleRemote(signal));
  }

  /**
   * The other side said bye (or its data channel closed): treat it as having left.
   * `expectedBack`: its page went away (a reload) and a new session is coming; our fresh offer
   * is written at once, so that the page coming back finds it rather than our previous one.
   */
  remoteLeft(sessionId: string, expectedBack = false): void {
    this.enqueue(async () => {
      if (this.boundTo !== sessionId) return;
      this.departed.add(sessionId);
      await this.forgetRemote(expectedBack);
    });
  }

  /** A fresh ICE generation on the current connection (new ufrag, same DTLS). */
  restartIce(): void {
    this.enqueue(async () => {
      this.restartWanted = true;
      this.pc?.restartIce();
    });
  }

  /** A new connection offered to the current remote: the last resort when ICE restarts do not help. */
  resync(): void {
    this.enqueue(async () => this.replaceConnection());
  }

  close(): void {
    this.closed = true;
    this.outbox.close();
    this.pc?.close();
    this.pc = null;
  }

  /** Resolves when everything queued so far has been handled (tests). */
  idle(): Promise<void> {
    return this.queue;
  }

  private enqueue(task: () => Promise<void>): void {
    this.queue = this.queue
      .then(() => (this.closed ? undefined : task()))
      .catch((error: unknown) => this.emit({ type: 'error', error }));
  }

  private emit(event: NegotiationEvent): void {
    this.opts.onEvent?.(event);
  }

  // ---- connection lifecycle ----

  private async replaceConnection(): Promise<void> {
    this.pc?.close();
    this.outbox.reset();
    const pc = this.opts.createPeerConnection();
    this.pc = pc;
    this.remoteFingerprint = null;
    this.remoteUfrag = null;
    this.addedCandidates.clear();
    this.appliedCandidateCount = 0;
    this.ignoring = false;
    this.restartWanted = false; // a new connection gathers afresh anyway
    pc.onnegotiationneeded = () => this.enqueue(() => this.makeOffer(pc));
    pc.onicecandidate = (ev) => this.onLocalCandidate(pc, ev.candidate);
    this.emit({ type: 'connection-replaced', pc });
  }

  private async forgetRemote(expectedBack = false): Promise<void> {
    const was = this.boundTo;
    if (was !== null) this.departed.add(was);
    if (!expectedBack) this.outbox.quiet();
    this.boundTo = null;
    this.lastRemoteSeq = -1;
    this.emit({ type: 'remote-left', sessionId: was });
    await this.replaceConnection();
  }

  private async makeOffer(pc: PC): Promise<void> {
    if (pc !== this.pc || pc.signalingState !== 'stable') return;
    // negotiationneeded can be stale: queued when the tracks were added, fired while the waiting
    // offer was being applied (the state still "stable"), run after we answered it. A connection
    // that has negotiated offers again only for an ICE restart (we never add tracks later).
    if (pc.remoteDescription !== null && !this.restartWanted) return;
    if (!this.remoteKnown || this.waitingPolitely()) {
      // Their document may hold an offer for us (or soon will): answering it at once beats
      // offering, rolling back and gathering again. Decided once it has been read (see handleRemote).
      this.offerDeferred = pc;
      return;
    }
    this.restartWanted = false;
    await pc.setLocalDescription();
    this.describeLocal(pc);
  }

  /** True while the polite side still gives the other side's first offer a moment to arrive. */
  private waitingPolitely(): boolean {
    if (this.politeWait === 'over' || this.boundTo !== null) return false;
    if (this.politeWait === 'not-begun') {
      this.politeWait = 'running';
      (this.opts.clock ?? realClock).setTimeout(() => {
        this.politeWait = 'over';
        this.enqueue(async () => {
          const deferred = this.offerDeferred;
          this.offerDeferred = null;
          if (deferred && deferred === this.pc && deferred.localDescription === null) await this.makeOffer(deferred);
        });
      }, this.timing.politeOfferWaitMs);
    }
    return true;
  }

  // ---- our description and candidates ----

  private describeLocal(pc: PC): void {
    const d = pc.localDescription;
    if (!d || (d.type !== 'offer' && d.type !== 'answer')) return;
    this.outbox.describe({ type: d.type, sdp: d.sdp }, { to: this.boundTo ?? '*', seq: d.type === 'answer' ? this.lastRemoteSeq : null });
    this.emit({ type: 'described', seq: this.outbox.seq, kind: d.type });
  }

  private onLocalCandidate(pc: PC, candidate: RTCIceCandidate | null): void {
    if (pc !== this.pc || this.closed) return;
    this.outbox.candidate(candidate);
  }

  // ---- the other side ----

  private async handleRemote(signal: PeerSignal | null): Promise<void> {
    if (!this.pc) {
      // Nothing to apply it to yet: keep the latest for start(), rather than note an offer as seen.
      this.early = { signal };
      return;
    }
    await this.applyRemote(signal);
    const deferred = this.offerDeferred;
    this.offerDeferred = null;
    // Nothing to answer in their document: now we offer (unless this connection negotiated meanwhile).
    if (deferred && deferred === this.pc && deferred.localDescription === null) await this.makeOffer(deferred);
  }

  private async applyRemote(signal: PeerSignal | null): Promise<void> {
    this.remoteKnown = true;
    if (signal && this.departed.has(signal.sessionId)) {
      // A session that already left (or was replaced): nothing it wrote matters now.
      this.outbox.flushIfBehind();
      return;
    }
    if (!signal) {
      if (this.boundTo !== null) await this.forgetRemote();
      else this.outbox.flushIfBehind();
      return;
    }
    if (signal.sessionId !== this.boundTo) {
      // A new session of the other participant: a first arrival, a reload or a new tab.
      if (this.boundTo !== null) {
        this.departed.add(this.boundTo);
        await this.forgetRemote();
      }
      this.boundTo = signal.sessionId;
      this.lastRemoteSeq = -1;
      this.emit({ type: 'remote-present', sessionId: signal.sessionId });
    }
    if (signal.seq < this.lastRemoteSeq) return;
    if (signal.seq > this.lastRemoteSeq) {
      await this.applyDescription(signal);
      this.lastRemoteSeq = Math.max(this.lastRemoteSeq, signal.seq);
    }
    await this.applyCandidates(signal);
    this.outbox.flushIfBehind();
  }

  private async applyDescription(signal: PeerSignal, retried = false): Promise<void> {
    const pc = this.pc;
    const d = signal.description;
    this.appliedCandidateCount = 0;
    if (!pc || !d) return;
    const address = addressOf(d.sdp);
    const forUs = address !== null && (address.to === this.opts.sessionId || (d.type === 'offer' && address.to === '*'));
    if (!forUs) {
      // Meant for an earlier session of ours: they will answer our offer (to '*' or to them).
      this.ignoring = true;
      this.readdressPendingOffer();
      return;
    }
    const sdp = withoutAddress(d.sdp);
    const fingerprint = fingerprintOf(sdp);
    if (d.type === 'offer') {
      if (this.remoteFingerprint !== null && fingerprint !== this.remoteFingerprint) {
        // Same session, new DTLS identity: the other side replaced its connection; so do we.
        await this.replaceConnection();
        return this.applyDescription(signal);
      }
      const collision = pc.signalingState !== 'stable';
      // An offer never sent can be withdrawn by either side; one sent is settled by politeness.
      const ourOfferIsOut = collision && this.outbox.sent;
      if (collision && ourOfferIsOut && !this.polite) {
        // Impolite: our offer wins; the polite side answers it.
        this.ignoring = true;
        return;
      }
      this.ignoring = false;
      try {
        await pc.setRemoteDescription({ type: 'offer', sdp }); // rolls back our own offer if any
      } catch (error) {
        if (retried) throw error;
        // This connection cannot take it; a fresh one can (once: a second refusal is an error).
        this.emit({ type: 'remote-refused', seq: signal.seq, kind: 'offer', reason: String(error) });
        await this.replaceConnection();
        return this.applyDescription(signal, true);
      }
      this.noteRemote(sdp);
      this.emit({ type: 'remote-applied', seq: signal.seq, kind: 'offer' });
      this.lastRemoteSeq = signal.seq;
      await pc.setLocalDescription();
      this.describeLocal(pc);
      return;
    }
    // An answer: only to the offer we have out now.
    if (pc.signalingState !== 'have-local-offer' || address.seq !== this.outbox.seq) {
      this.ignoring = true;
      if (pc.signalingState === 'stable' && this.remoteFingerprint === null) {
        // They answered an offer of a connection we no longer have: offer them a fresh one.
        await this.replaceConnection();
      }
      return;
    }
    this.ignoring = false;
    try {
      await pc.setRemoteDescription({ type: 'answer', sdp });
    } catch (error) {
      // Typically a DTLS role this transport already gave away ("Failed to set SSL role"): waiting
      // for a watchdog would only lose seconds. A fresh connection offered to them settles it.
      this.emit({ type: 'remote-refused', seq: signal.seq, kind: 'answer', reason: String(error) });
      this.ignoring = true;
      await this.replaceConnection();
      return;
    }
    this.noteRemote(sdp);
    this.emit({ type: 'remote-applied', seq: signal.seq, kind: 'answer' });
  }

  /** Our pending offer was written for anyone: readdress it to the session now present. */
  private readdressPendingOffer(): void {
    const pc = this.pc;
    const d = this.outbox.description;
    if (!pc || pc.signalingState !== 'have-local-offer' || d?.type !== 'offer') return;
    const address = addressOf(d.sdp);
    if (address?.to === this.boundTo || address?.to === '*') {
      // Still answerable by them; if it was never written, write it now.
      if (this.outbox.behind) this.outbox.flushIfBehind();
      return;
    }
    this.enqueue(async () => this.replaceConnection());
  }

  private noteRemote(sdp: string): void {
    const ufrag = ufragOf(sdp);
    if (ufrag !== this.remoteUfrag) this.addedCandidates.clear();
    this.remoteUfrag = ufrag;
    this.remoteFingerprint = fingerprintOf(sdp);
  }

  private async applyCandidates(signal: PeerSignal): Promise<void> {
    const pc = this.pc;
    if (!pc || this.ignoring || !pc.remoteDescription) return;
    const fresh = signal.candidates.slice(this.appliedCandidateCount);
    this.appliedCandidateCount = signal.candidates.length;
    for (const c of fresh) {
      if (this.addedCandidates.has(c.candidate)) continue;
      const ufrag = ufragOfCandidate(c.candidate);
      if (ufrag && this.remoteUfrag && ufrag !== this.remoteUfrag) continue;
      this.addedCandidates.add(c.candidate);
      try {
        await pc.addIceCandidate({ candidate: c.candidate, sdpMid: c.sdpMid, sdpMLineIndex: c.sdpMLineIndex });
      } catch {
        // A candidate of a description that has since been replaced: harmless.
      }
    }
  }
}
