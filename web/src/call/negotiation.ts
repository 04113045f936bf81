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
import type { CallRole, PeerCandidate, PeerSignal } from './types';
import { PEER_LIMITS } from '../../../functions/src/lib/model';
import { addressOf, fingerprintOf, ufragOf, ufragOfCandidate, withAddress, withoutAddress, withoutCandidates } from './sdp';

/** The part of RTCPeerConnection negotiation uses; the browser's satisfies it, tests pass a fake. */
export interface PeerConnectionLike {
  readonly signalingState: RTCSignalingState;
  readonly localDescription: { type: RTCSdpType; sdp: string } | null;
  readonly remoteDescription: { type: RTCSdpType; sdp: string } | null;
  onnegotiationneeded: ((ev: Event) => unknown) | null;
  onicecandidate: ((ev: RTCPeerConnectionIceEvent) => unknown) | null;
  setLocalDescription(description?: RTCLocalSessionDescriptionInit): Promise<void>;
  setRemoteDescription(description: RTCSessionDescriptionInit): Promise<void>;
  addIceCandidate(candidate: RTCIceCandidateInit): Promise<void>;
  restartIce(): void;
  close(): void;
}

export interface Scheduler {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const realScheduler: Scheduler = {
  setTimeout: (fn, ms) => globalThis.setTimeout(fn, ms),
  clearTimeout: (h) => globalThis.clearTimeout(h as ReturnType<typeof setTimeout>),
};

export interface NegotiationTiming {
  /** After the first candidate of a burst, how long to wait for the rest before writing. */
  burstMs: number;
  /** The longest a description waits for candidates when someone is waiting for it. */
  urgentMaxWaitMs: number;
  /** The longest an offer to nobody yet waits for gathering to complete. */
  aloneMaxWaitMs: number;
  /**
   * Candidates found after the description was sent wait this long, and are written only if ICE
   * has not connected by then: the other side's checks reveal our addresses anyway (prflx).
   */
  trickleMs: number;
  /**
   * After the other side left, how long before we write a fresh offer for whoever comes next:
   * a call ending on both sides within this time costs no write.
   */
  reofferDelayMs: number;
}

export const DEFAULT_TIMING: NegotiationTiming = { burstMs: 40, urgentMaxWaitMs: 250, aloneMaxWaitMs: 3000, trickleMs: 1000, reofferDelayMs: 1500 };

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

export interface NegotiatorOptions {
  sessionId: string;
  role: CallRole;
  /** Rewrites our whole peer document. */
  publish(signal: PeerSignal): Promise<void>;
  /** A new connection with our tracks added and the session's listeners attached. */
  createPeerConnection(): PeerConnectionLike;
  onEvent?(event: NegotiationEvent): void;
  /** True once ICE has connected on the current connection (late candidates are then not written). */
  isConnected?(): boolean;
  timing?: Partial<NegotiationTiming>;
  scheduler?: Scheduler;
}

interface LocalState {
  seq: number;
  description: { type: 'offer' | 'answer'; sdp: string } | null;
  ufrag: string | null;
  candidates: PeerCandidate[];
  complete: boolean;
  /** The seq whose description the other side can read (null: nothing written yet). */
  publishedSeq: number | null;
  /** How many of this seq's candidates were written. */
  publishedCandidates: number;
  /** The seq whose write has been sent (perhaps not yet acknowledged). */
  sentSeq: number | null;
  /** When the current description was set, to bound how long it waits for candidates. */
  describedAt: number;
}

/** A connection's local state before it describes anything (seq and timing carry over). */
const NOTHING_DESCRIBED: Omit<LocalState, 'seq' | 'describedAt'> = {
  description: null,
  ufrag: null,
  candidates: [],
  complete: false,
  publishedSeq: null,
  publishedCandidates: 0,
  sentSeq: null,
};

export class Negotiator {
  readonly polite: boolean;
  private pc: PeerConnectionLike | null = null;
  private queue: Promise<void> = Promise.resolve();
  private closed = false;
  private readonly timing: NegotiationTiming;
  private readonly scheduler: Scheduler;

  /** The remote session our connection belongs to (null: none yet, our offer is for anyone). */
  private boundTo: string | null = null;
  /** True once the other side's document has been read from the server at least once. */
  private remoteKnown = false;
  /** The other side's latest document when it arrived before start() made a connection. */
  private early: { signal: PeerSignal | null } | null = null;
  /** An ICE restart was asked for and its offer not yet made. */
  private restartWanted = false;
  /** A connection that needed an offer before their document was read. */
  private offerDeferred: PeerConnectionLike | null = null;
  private readonly departed = new Set<string>();
  private lastRemoteSeq = -1;
  private remoteFingerprint: string | null = null;
  private remoteUfrag: string | null = null;
  private ignoring = false;
  private readonly addedCandidates = new Set<string>();
  private appliedCandidateCount = 0;

  private local: LocalState = { seq: 0, describedAt: 0, ...NOTHING_DESCRIBED };
  private flushTimer: unknown = null;
  /** No offer to anyone is written before this time (see reofferDelayMs). */
  private quietUntil = 0;
  private writing = false;
  private dirty = false;

  constructor(private readonly opts: NegotiatorOptions) {
    this.polite = opts.role === 'patient';
    this.timing = { ...DEFAULT_TIMING, ...opts.timing };
    this.scheduler = opts.scheduler ?? realScheduler;
  }

  get connection(): PeerConnectionLike | null {
    return this.pc;
  }
  get remoteSession(): string | null {
    return this.boundTo;
  }
  get localSeq(): number {
    return this.local.seq;
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

  /** The other side said bye (or its data channel closed): treat it as having left. */
  remoteLeft(sessionId: string): void {
    this.enqueue(async () => {
      if (this.boundTo !== sessionId) return;
      this.departed.add(sessionId);
      await this.forgetRemote();
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
    this.cancelFlush();
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
    this.cancelFlush();
    const pc = this.opts.createPeerConnection();
    this.pc = pc;
    this.local = { ...this.local, ...NOTHING_DESCRIBED };
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

  private async forgetRemote(): Promise<void> {
    const was = this.boundTo;
    if (was !== null) this.departed.add(was);
    this.quietUntil = Date.now() + this.timing.reofferDelayMs;
    this.boundTo = null;
    this.lastRemoteSeq = -1;
    this.emit({ type: 'remote-left', sessionId: was });
    await this.replaceConnection();
  }

  private async makeOffer(pc: PeerConnectionLike): Promise<void> {
    if (pc !== this.pc || pc.signalingState !== 'stable') return;
    // negotiationneeded can be stale: queued when the tracks were added, fired while the waiting
    // offer was being applied (the state still "stable"), run after we answered it. A connection
    // that has negotiated offers again only for an ICE restart (we never add tracks later).
    if (pc.remoteDescription !== null && !this.restartWanted) return;
    if (!this.remoteKnown) {
      // Their document may hold an offer for us: answering it at once beats offering, rolling
      // back and gathering again. Decided once it has been read (see handleRemote).
      this.offerDeferred = pc;
      return;
    }
    this.restartWanted = false;
    await pc.setLocalDescription();
    this.describeLocal(pc);
  }

  // ---- local description and candidates ----

  private describeLocal(pc: PeerConnectionLike): void {
    const d = pc.localDescription;
    if (!d || (d.type !== 'offer' && d.type !== 'answer')) return;
    const sdp = withoutCandidates(withoutAddress(d.sdp));
    const ufrag = ufragOf(sdp);
    const address =
      d.type === 'answer' ? { to: this.boundTo ?? '*', seq: this.lastRemoteSeq } : { to: this.boundTo ?? '*', seq: null };
    // Without an ICE restart nothing new is gathered: the candidates found so far still hold.
    const sameGeneration = ufrag !== null && ufrag === this.local.ufrag;
    this.local = {
      seq: this.local.seq + 1,
      description: { type: d.type, sdp: withAddress(sdp, address) },
      ufrag,
      candidates: sameGeneration ? this.local.candidates : [],
      complete: sameGeneration ? this.local.complete : false,
      publishedSeq: this.local.publishedSeq,
      publishedCandidates: 0,
      sentSeq: this.local.sentSeq,
      describedAt: Date.now(),
    };
    this.emit({ type: 'described', seq: this.local.seq, kind: d.type });
    // Whatever was planned for the previous description no longer applies.
    this.cancelFlush();
    if (this.local.complete) this.scheduleFlush(0);
    else if (this.local.candidates.length > 0) this.scheduleFlush(this.burstBudget() ?? this.waitBudget());
    else this.scheduleFlush(this.waitBudget());
  }

  private onLocalCandidate(pc: PeerConnectionLike, candidate: RTCIceCandidate | null): void {
    if (pc !== this.pc || this.closed) return;
    if (!candidate || !candidate.candidate) {
      if (this.local.description && !this.local.complete) {
        this.local.complete = true;
        // "Complete" alone is not worth a write once every candidate is out; candidates found after
        // the description left wait for the trickle delay like any other.
        if (this.local.sentSeq !== this.local.seq) this.scheduleFlush(0);
        else if (this.local.candidates.length > this.local.publishedCandidates) this.scheduleFlush(this.timing.trickleMs);
      }
      return;
    }
    const ufrag = candidate.usernameFragment ?? ufragOfCandidate(candidate.candidate);
    if (ufrag && this.local.ufrag && ufrag !== this.local.ufrag) return;
    if (this.local.candidates.length >= PEER_LIMITS.candidatesMax) return;
    this.local.candidates = [
      ...this.local.candidates,
      { candidate: candidate.candidate, sdpMid: candidate.sdpMid ?? null, sdpMLineIndex: candidate.sdpMLineIndex ?? null },
    ];
    const firstOfBurst = this.local.candidates.length === 1;
    this.scheduleFlush(this.local.sentSeq === this.local.seq ? this.timing.trickleMs : firstOfBurst ? this.burstBudget() : null);
  }

  /** How long a new description may wait for its candidates. */
  private waitBudget(): number {
    return this.boundTo === null ? this.timing.aloneMaxWaitMs : this.timing.urgentMaxWaitMs;
  }

  private burstBudget(): number | null {
    // Alone, nobody waits: the offer goes out once gathering completes (one write with everything).
    if (this.boundTo === null) return null;
    return this.timing.burstMs;
  }

  /** Flush within `ms` (keeping an earlier deadline); null keeps the current plan. */
  private flushDeadline = Infinity;
  private scheduleFlush(ms: number | null): void {
    if (ms === null) return;
    const deadline = Date.now() + ms;
    if (this.flushTimer !== null && deadline >= this.flushDeadline) return;
    this.cancelFlush();
    this.flushDeadline = deadline;
    const seq = this.local.seq;
    this.flushTimer = this.scheduler.setTimeout(() => {
      this.flushTimer = null;
      this.flushDeadline = Infinity;
      this.flush(seq);
    }, ms);
  }

  private cancelFlush(): void {
    if (this.flushTimer !== null) this.scheduler.clearTimeout(this.flushTimer);
    this.flushTimer = null;
    this.flushDeadline = Infinity;
  }

  /**
   * Writes our document. The decision and the snapshot run on the queue, between two steps of
   * negotiation, never inside one: while a remote offer is being applied, the offer it rolls back
   * must not go out. The write itself runs beside the queue, so reading the other side never
   * waits for the server's acknowledgement.
   */
  private flush(plannedFor?: number): void {
    this.enqueue(async () => this.write(plannedFor));
  }

  /** `plannedFor`: the description seq a timed flush was planned for; a newer one has its own plan. */
  private write(plannedFor?: number): void {
    if (this.closed || !this.local.description) return;
    if (plannedFor !== undefined && plannedFor !== this.local.seq) return;
    // Until the other side's document has been read, an offer might be an answer instead.
    if (!this.remoteKnown) return;
    const lateCandidatesOnly = this.local.sentSeq === this.local.seq;
    if (lateCandidatesOnly && !this.writing && this.opts.isConnected?.()) return;
    const quiet = this.quietUntil - Date.now();
    if (this.boundTo === null && quiet > 0) {
      this.scheduleFlush(quiet);
      return;
    }
    if (this.writing) {
      this.dirty = true;
      return;
    }
    this.writing = true;
    this.dirty = false;
    const l = this.local;
    const signal: PeerSignal = {
      sessionId: this.opts.sessionId,
      role: this.opts.role,
      seq: l.seq,
      description: l.description,
      candidates: l.candidates,
      candidatesComplete: l.complete,
    };
    // Out of our hands from here: the other side may read it even if the ack comes late.
    this.local.sentSeq = l.seq;
    void this.opts.publish(signal).then(
      () => {
        this.writing = false;
        if (this.local.seq === l.seq) {
          this.local.publishedSeq = l.seq;
          this.local.publishedCandidates = signal.candidates.length;
        }
        this.emit({ type: 'published', seq: l.seq, kind: l.description?.type ?? null, candidates: l.candidates.length });
        if (this.dirty && !this.closed && this.hasNewsSinceLastWrite()) this.flush();
      },
      (error: unknown) => {
        this.writing = false;
        this.emit({ type: 'error', error });
      },
    );
  }

  /**
   * Whether what changed while a write was in flight deserves another write at once: a newer
   * description does; "gathering complete" alone never does; late candidates are written after
   * the trickle delay, and only if ICE has not connected by then.
   */
  private hasNewsSinceLastWrite(): boolean {
    const l = this.local;
    if (l.publishedSeq !== l.seq) return true;
    // Late candidates wait like any other trickle: by then ICE has usually connected without them.
    if (l.candidates.length > l.publishedCandidates) this.scheduleFlush(this.timing.trickleMs);
    return false;
  }

  /** Writes now if what we have differs from what was written. */
  private flushIfBehind(): void {
    if (this.local.description && this.local.publishedSeq !== this.local.seq) {
      const waited = Date.now() - this.local.describedAt;
      // The same budgets as a fresh description: a description without candidates is not worth sending early.
      const l = this.local;
      const budget = l.complete ? 0 : (l.candidates.length > 0 ? this.burstBudget() : null) ?? this.waitBudget();
      this.scheduleFlush(Math.max(0, budget - waited));
    }
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
      this.flushIfBehind();
      return;
    }
    if (!signal) {
      if (this.boundTo !== null) await this.forgetRemote();
      else this.flushIfBehind();
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
    this.flushIfBehind();
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
      const ourOfferIsOut = collision && this.local.sentSeq === this.local.seq;
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
    if (pc.signalingState !== 'have-local-offer' || address.seq !== this.local.seq) {
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
    const d = this.local.description;
    if (!pc || pc.signalingState !== 'have-local-offer' || d?.type !== 'offer') return;
    const address = addressOf(d.sdp);
    if (address?.to === this.boundTo || address?.to === '*') {
      // Still answerable by them; if it was never written, write it now.
      if (this.local.publishedSeq !== this.local.seq) this.flushIfBehind();
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
