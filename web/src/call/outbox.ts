// Our peer document: what the current local description and its candidates are, and when they
// are worth a write. Each write rewrites the whole document; the budgets below are what make a
// call cost two writes (description and first burst of candidates together).
import { PEER_LIMITS } from '../../../functions/src/lib/model';
import type { Clock } from './clock';
import { ufragOfCandidate, withAddress, withoutAddress, withoutCandidates, ufragOf } from './sdp';
import type { CallRole, PeerCandidate, PeerSignal } from './types';

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
  /**
   * At admission both sides start at once. The patient (polite) waits this long for the
   * clinician's offer before making its own: answering is quicker than a collision settled by a
   * rollback. Once per session, for its first connection only.
   */
  politeOfferWaitMs: number;
}

export const DEFAULT_TIMING: NegotiationTiming = {
  burstMs: 40,
  urgentMaxWaitMs: 250,
  aloneMaxWaitMs: 3000,
  trickleMs: 1000,
  reofferDelayMs: 1500,
  politeOfferWaitMs: 1000,
};

/** What the outbox needs to know of the negotiation around it. */
export interface OutboxContext {
  sessionId: string;
  role: CallRole;
  clock: Clock;
  timing: NegotiationTiming;
  publish(signal: PeerSignal): Promise<void>;
  /** The remote session our connection belongs to (null: none yet, our offer is for anyone). */
  boundTo(): string | null;
  /** True once the other side's document has been read from the server at least once. */
  remoteKnown(): boolean;
  /** True once ICE has connected on the current connection (late candidates are then not written). */
  connected(): boolean;
  /** Runs `task` on the negotiation queue, between two steps of negotiation. */
  enqueue(task: () => Promise<void>): void;
  closed(): boolean;
  published(seq: number, kind: 'offer' | 'answer' | null, candidates: number): void;
  failed(error: unknown): void;
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

export class Outbox {
  private local: LocalState = { seq: 0, describedAt: 0, ...NOTHING_DESCRIBED };
  private flushTimer: unknown = null;
  private flushDeadline = Infinity;
  /** No offer to anyone is written before this time (see reofferDelayMs). */
  private quietUntil = 0;
  private writing = false;
  private dirty = false;

  constructor(private readonly ctx: OutboxContext) {}

  get seq(): number {
    return this.local.seq;
  }
  get description(): LocalState['description'] {
    return this.local.description;
  }
  /** The current description's write has been sent (the other side may have read it). */
  get sent(): boolean {
    return this.local.sentSeq === this.local.seq;
  }
  /** The current description has not been acknowledged as written. */
  get behind(): boolean {
    return this.local.publishedSeq !== this.local.seq;
  }

  /** A new connection: nothing described yet. */
  reset(): void {
    this.cancelFlush();
    this.local = { ...this.local, ...NOTHING_DESCRIBED };
  }

  /** The other side left: hold back an offer to whoever comes next for a moment. */
  quiet(): void {
    this.quietUntil = this.ctx.clock.now() + this.ctx.timing.reofferDelayMs;
  }

  close(): void {
    this.cancelFlush();
  }

  /** Takes the connection's new local description, addressed to `address`. */
  describe(d: { type: 'offer' | 'answer'; sdp: string }, address: { to: string; seq: number | null }): void {
    const sdp = withoutCandidates(withoutAddress(d.sdp));
    const ufrag = ufragOf(sdp);
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
      describedAt: this.ctx.clock.now(),
    };
    // Whatever was planned for the previous description no longer applies.
    this.cancelFlush();
    if (this.local.complete) this.scheduleFlush(0);
    else if (this.local.candidates.length > 0) this.scheduleFlush(this.burstBudget() ?? this.waitBudget());
    else this.scheduleFlush(this.waitBudget());
  }

  /** A candidate of the current connection; null when its gathering is complete. */
  candidate(candidate: RTCIceCandidate | null): void {
    if (!candidate || !candidate.candidate) {
      if (this.local.description && !this.local.complete) {
        this.local.complete = true;
        // "Complete" alone is not worth a write once every candidate is out; candidates found after
        // the description left wait for the trickle delay like any other.
        if (this.local.sentSeq !== this.local.seq) this.scheduleFlush(0);
        else if (this.local.candidates.length > this.local.publishedCandidates) this.scheduleFlush(this.ctx.timing.trickleMs);
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
    this.scheduleFlush(this.local.sentSeq === this.local.seq ? this.ctx.timing.trickleMs : firstOfBurst ? this.burstBudget() : null);
  }

  /** Writes soon if what we have differs from what was written, within the same budgets as a fresh description. */
  flushIfBehind(): void {
    if (this.local.description && this.local.publishedSeq !== this.local.seq) {
      const waited = this.ctx.clock.now() - this.local.describedAt;
      // A description without candidates is not worth sending early.
      const l = this.local;
      const budget = l.complete ? 0 : (l.candidates.length > 0 ? this.burstBudget() : null) ?? this.waitBudget();
      this.scheduleFlush(Math.max(0, budget - waited));
    }
  }

  /** How long a new description may wait for its candidates. */
  private waitBudget(): number {
    return this.ctx.boundTo() === null ? this.ctx.timing.aloneMaxWaitMs : this.ctx.timing.urgentMaxWaitMs;
  }

  private burstBudget(): number | null {
    // Alone, nobody waits: the offer goes out once gathering completes (one write with everything).
    if (this.ctx.boundTo() === null) return null;
    return this.ctx.timing.burstMs;
  }

  /** Flush within `ms` (keeping an earlier deadline); null keeps the current plan. */
  private scheduleFlush(ms: number | null): void {
    if (ms === null) return;
    const deadline = this.ctx.clock.now() + ms;
    if (this.flushTimer !== null && deadline >= this.flushDeadline) return;
    this.cancelFlush();
    this.flushDeadline = deadline;
    const seq = this.local.seq;
    this.flushTimer = this.ctx.clock.setTimeout(() => {
      this.flushTimer = null;
      this.flushDeadline = Infinity;
      this.flush(seq);
    }, ms);
  }

  private cancelFlush(): void {
    if (this.flushTimer !== null) this.ctx.clock.clearTimeout(this.flushTimer);
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
    this.ctx.enqueue(async () => this.write(plannedFor));
  }

  /** `plannedFor`: the description seq a timed flush was planned for; a newer one has its own plan. */
  private write(plannedFor?: number): void {
    if (this.ctx.closed() || !this.local.description) return;
    if (plannedFor !== undefined && plannedFor !== this.local.seq) return;
    // Until the other side's document has been read, an offer might be an answer instead.
    if (!this.ctx.remoteKnown()) return;
    const lateCandidatesOnly = this.local.sentSeq === this.local.seq;
    if (lateCandidatesOnly && !this.writing && this.ctx.connected()) return;
    const quiet = this.quietUntil - this.ctx.clock.now();
    if (this.ctx.boundTo() === null && quiet > 0) {
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
      sessionId: this.ctx.sessionId,
      role: this.ctx.role,
      seq: l.seq,
      description: l.description,
      candidates: l.candidates,
      candidatesComplete: l.complete,
    };
    // Out of our hands from here: the other side may read it even if the ack comes late.
    this.local.sentSeq = l.seq;
    void this.ctx.publish(signal).then(
      () => {
        this.writing = false;
        if (this.local.seq === l.seq) {
          this.local.publishedSeq = l.seq;
          this.local.publishedCandidates = signal.candidates.length;
        }
        this.ctx.published(l.seq, l.description?.type ?? null, l.candidates.length);
        if (this.dirty && !this.ctx.closed() && this.hasNewsSinceLastWrite()) this.flush();
      },
      (error: unknown) => {
        this.writing = false;
        this.ctx.failed(error);
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
    if (l.candidates.length > l.publishedCandidates) this.scheduleFlush(this.ctx.timing.trickleMs);
    return false;
  }
}
