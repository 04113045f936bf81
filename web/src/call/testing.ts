// Fakes with verbs for the engine's unit tests: a peer connection that negotiates like a browser's
// (offer/answer state machine, implicit rollback, ICE generations, DTLS identity and role) and an in-memory
// pair of peer documents whose deliveries a test can hold, repeat and reorder.
import { Negotiator, type NegotiationEvent, type NegotiationTiming, type PeerConnectionLike } from './negotiation';
import { fingerprintOf, ufragOf } from './sdp';
import type { CallRole, PeerSignal } from './types';

let counter = 0;
const nextId = (prefix: string) => `${prefix}${++counter}`;

export class FakePeerConnection implements PeerConnectionLike {
  signalingState: RTCSignalingState = 'stable';
  iceConnectionState: RTCIceConnectionState = 'new';
  localDescription: { type: RTCSdpType; sdp: string } | null = null;
  remoteDescription: { type: RTCSdpType; sdp: string } | null = null;
  onnegotiationneeded: ((ev: Event) => unknown) | null = null;
  onicecandidate: ((ev: RTCPeerConnectionIceEvent) => unknown) | null = null;
  readonly fingerprint = nextId('FP:');
  ufrag = nextId('u');
  closed = false;
  readonly remoteCandidates: string[] = [];
  /** Fixed by the first completed negotiation, as a browser's DTLS transport: the answerer is the client. */
  dtlsRole: 'client' | 'server' | null = null;
  /** The ICE generation of the last completed negotiation (null: none yet). */
  private stableUfrag: string | null = null;
  private restartPending = false;
  /** The other side's ICE generation in the last completed negotiation. */
  private stableRemoteUfrag: string | null = null;
  private negotiated = false;

  constructor(
    private readonly network: FakeNetwork,
    /** How long after a new ICE generation the first candidates appear (gathering ends 2 ms later). */
    private readonly gatherDelayMs = 1,
  ) {
    network.connections.add(this);
    // Like addTrack on a new connection: negotiation is needed once the current task ends.
    setTimeout(() => this.fireNegotiationNeeded(), 0);
  }

  private fireNegotiationNeeded() {
    if (this.closed || this.signalingState !== 'stable' || (this.negotiated && !this.restartPending)) return;
    this.onnegotiationneeded?.(new Event('negotiationneeded'));
  }

  private sdp(type: 'offer' | 'answer'): string {
    return [
      'v=0',
      `o=- ${this.fingerprint.length} 2 IN IP4 127.0.0.1`,
      's=-',
      't=0 0',
      'm=video 9 UDP/TLS/RTP/SAVPF 96',
      `a=ice-ufrag:${this.ufrag}`,
      'a=ice-pwd:secret',
      `a=fingerprint:sha-256 ${this.fingerprint}`,
      // An answer keeps the role an earlier negotiation gave this transport.
      `a=setup:${type === 'offer' ? 'actpass' : this.dtlsRole === 'server' ? 'passive' : 'active'}`,
      '',
    ].join('\r\n');
  }

  async setLocalDescription(d?: RTCLocalSessionDescriptionInit): Promise<void> {
    await Promise.resolve();
    if (this.closed) throw new Error('closed');
    if (d?.type === 'rollback') {
      this.rollback();
      return;
    }
    let gathering = this.restartPending || !this.localDescription;
    if (this.restartPending) this.ufrag = nextId('u');
    this.restartPending = false;
    if (this.signalingState === 'have-remote-offer') {
      // Answering an ICE restart starts a new generation on this side too (whoever offered before).
      const remoteUfrag = ufragOf(this.remoteDescription!.sdp);
      if (this.stableRemoteUfrag !== null && remoteUfrag !== this.stableRemoteUfrag && this.ufrag === this.stableUfrag) {
        this.ufrag = nextId('u');
        gathering = true;
      }
      this.stableRemoteUfrag = remoteUfrag;
      this.localDescription = { type: 'answer', sdp: this.sdp('answer') };
      this.signalingState = 'stable';
      this.negotiated = true;
      this.dtlsRole ??= 'client';
      this.stableUfrag = this.ufrag;
    } else if (this.signalingState === 'stable') {
      this.localDescription = { type: 'offer', sdp: this.sdp('offer') };
      this.signalingState = 'have-local-offer';
    } else throw new Error(`setLocalDescription in ${this.signalingState}`);
    if (gathering) this.gather(this.ufrag);
    this.network.changed();
  }

  private gather(ufrag: string) {
    setTimeout(() => {
      if (this.closed || ufrag !== this.ufrag) return;
      for (const port of [50000, 50001]) {
        const candidate = `candidate:1 1 udp 2122260223 10.0.0.1 ${port} typ host generation 0 ufrag ${ufrag}`;
        this.onicecandidate?.({ candidate: { candidate, sdpMid: '0', sdpMLineIndex: 0, usernameFragment: ufrag } } as unknown as RTCPeerConnectionIceEvent);
      }
      setTimeout(() => {
        if (!this.closed && ufrag === this.ufrag) this.onicecandidate?.({ candidate: null } as unknown as RTCPeerConnectionIceEvent);
      }, 2);
    }, this.gatherDelayMs);
  }

  async setRemoteDescription(d: RTCSessionDescriptionInit): Promise<void> {
    // A browser takes a few milliseconds here; timers (gathering, flushes) may fire meanwhile.
    await (this.network.remoteDescriptionMs ? new Promise((r) => setTimeout(r, this.network.remoteDescriptionMs)) : Promise.resolve());
    if (this.closed) throw new Error('closed');
    if (d.type === 'offer') {
      if (this.signalingState === 'have-local-offer') this.rollback(); // implicit
      else if (this.signalingState !== 'stable') throw new Error(`offer in ${this.signalingState}`);
      if (this.remoteDescription && fingerprintOf(d.sdp!) !== fingerprintOf(this.remoteDescription.sdp)) {
        throw new Error('the remote DTLS fingerprint cannot change on a connection');
      }
      this.remoteDescription = { type: 'offer', sdp: d.sdp! };
      this.signalingState = 'have-remote-offer';
    } else if (d.type === 'answer') {
      if (this.signalingState !== 'have-local-offer') throw new Error(`answer in ${this.signalingState}`);
      // Their "active" makes us the DTLS server; a transport that already has the other role refuses it.
      const role = /a=setup:active/.test(d.sdp!) ? 'server' : 'client';
      if (this.dtlsRole !== null && this.dtlsRole !== role) throw new Error('Failed to set SSL role for the transport.');
      this.dtlsRole = role;
      this.remoteDescription = { type: 'answer', sdp: d.sdp! };
      this.signalingState = 'stable';
      this.negotiated = true;
      this.stableUfrag = this.ufrag;
      this.stableRemoteUfrag = ufragOf(d.sdp!);
    } else throw new Error(`unsupported ${d.type}`);
    this.network.changed();
  }

  /**
   * As a browser: the rolled-back offer's ICE generation goes with it; a connection never
   * negotiated gathers afresh (new ufrag, new candidates) for whatever it does next.
   */
  private rollback() {
    this.signalingState = 'stable';
    this.localDescription = null;
    this.ufrag = this.stableUfrag ?? nextId('u');
  }

  async addIceCandidate(c: RTCIceCandidateInit): Promise<void> {
    if (!this.remoteDescription) throw new Error('no remote description');
    this.remoteCandidates.push(c.candidate ?? '');
    this.network.changed();
  }

  restartIce(): void {
    this.restartPending = true;
    setTimeout(() => this.fireNegotiationNeeded(), 0);
  }

  close(): void {
    this.closed = true;
    this.signalingState = 'closed';
    this.network.changed();
  }

  /**
   * True when this connection and `other` hold each other's current identity and ICE generation,
   * and one is the DTLS client of the other (two answerers never complete a handshake).
   */
  connectedTo(other: FakePeerConnection): boolean {
    const mine = this.remoteDescription?.sdp;
    const theirs = other.remoteDescription?.sdp;
    if (this.closed || other.closed || !mine || !theirs) return false;
    if (this.signalingState !== 'stable' || other.signalingState !== 'stable') return false;
    if (this.dtlsRole === null || other.dtlsRole === null || this.dtlsRole === other.dtlsRole) return false;
    return (
      fingerprintOf(mine)?.endsWith(other.fingerprint) === true &&
      fingerprintOf(theirs)?.endsWith(this.fingerprint) === true &&
      ufragOf(mine) === other.ufrag &&
      ufragOf(theirs) === this.ufrag &&
      this.remoteCandidates.some((c) => c.includes(`ufrag ${other.ufrag}`))
    );
  }
}

export class FakeNetwork {
  readonly connections = new Set<FakePeerConnection>();
  /** How long setRemoteDescription takes (0: a microtask). */
  remoteDescriptionMs = 0;
  private waiters: (() => void)[] = [];
  /** Called on every change, for fakes that derive their state from the network's. */
  readonly watchers = new Set<() => void>();
  changed() {
    for (const w of this.waiters.splice(0)) w();
    for (const w of [...this.watchers]) w();
  }
  nextChange(): Promise<void> {
    return new Promise((r) => this.waiters.push(r));
  }
}

interface Delivery {
  to: CallRole;
  signal: PeerSignal | null;
}

/** Two participants' peer documents in memory; deliveries can be held, then released in any order. */
export class InMemoryPeerDocs {
  readonly docs = new Map<CallRole, PeerSignal>();
  readonly history: Delivery[] = [];
  writes = 0;
  /** How long the server takes to acknowledge a write that the other side already sees. */
  ackDelayMs = 0;
  /** How long a new listener waits for its first read (a real one opens a listen stream). */
  firstReadMs = 0;
  private held: Delivery[] | null = null;
  private readonly listeners = new Map<CallRole, (s: PeerSignal | null) => void>();

  write(role: CallRole, signal: PeerSignal | null) {
    this.writes++;
    if (signal) this.docs.set(role, structuredClone(signal));
    else this.docs.delete(role);
    this.send({ to: role === 'clinician' ? 'patient' : 'clinician', signal: signal && structuredClone(signal) });
  }

  /** Removes a document without counting it as a client write (a crash leaves it behind otherwise). */
  watch(role: CallRole, fn: (s: PeerSignal | null) => void): () => void {
    this.listeners.set(role, fn);
    const other = this.docs.get(role === 'clinician' ? 'patient' : 'clinician') ?? null;
    setTimeout(() => fn(other && structuredClone(other)), this.firstReadMs);
    return () => this.listeners.delete(role);
  }

  /** Holds every delivery until `release`. */
  hold() {
    this.held ??= [];
  }

  release(order: (held: Delivery[]) => Delivery[] = (h) => h) {
    const held = this.held ?? [];
    this.held = null;
    for (const d of order(held)) this.deliver(d);
  }

  /** Delivers `signal` again to `to`, as a duplicate or late message would. */
  redeliver(to: CallRole, signal: PeerSignal | null) {
    this.deliver({ to, signal: signal && structuredClone(signal) });
  }

  private send(d: Delivery) {
    this.history.push(d);
    if (this.held) this.held.push(d);
    else setTimeout(() => this.deliver(d), 0);
  }

  private deliver(d: Delivery) {
    this.listeners.get(d.to)?.(d.signal);
  }
}

/** One participant's page: a negotiator on fake connections; `reload()` is a new page load. */
export class FakeParticipant {
  negotiator!: Negotiator;
  sessionId = '';
  private stopWatch: (() => void) | null = null;
  readonly connections: FakePeerConnection[] = [];
  /** What its negotiator reported, for a failing test to print. */
  readonly events: (NegotiationEvent & { at: number })[] = [];
  /** How long this participant's connections take to find their first candidates. */
  gatherDelayMs = 1;

  constructor(
    readonly role: CallRole,
    private readonly docs: InMemoryPeerDocs,
    private readonly network: FakeNetwork,
    private readonly timing: Partial<NegotiationTiming> = { burstMs: 10, urgentMaxWaitMs: 30, aloneMaxWaitMs: 60, trickleMs: 5, reofferDelayMs: 40, politeOfferWaitMs: 100 },
  ) {}

  get pc(): FakePeerConnection | null {
    return (this.negotiator?.connection as FakePeerConnection | null) ?? null;
  }

  /** `startAfterMs`: the page reads the other document first and creates its connection later. */
  join({ startAfterMs = 0 } = {}): this {
    this.sessionId = nextId(`${this.role}-session-`);
    this.negotiator = new Negotiator({
      sessionId: this.sessionId,
      role: this.role,
      publish: async (signal) => {
        this.docs.write(this.role, signal);
        if (this.docs.ackDelayMs) await new Promise((r) => setTimeout(r, this.docs.ackDelayMs));
      },
      createPeerConnection: () => {
        const pc = new FakePeerConnection(this.network, this.gatherDelayMs);
        this.connections.push(pc);
        return pc;
      },
      timing: this.timing,
      onEvent: (event) => this.events.push({ at: performance.now(), ...event }),
    });
    const negotiator = this.negotiator;
    if (startAfterMs > 0) setTimeout(() => negotiator.start(), startAfterMs);
    else negotiator.start();
    this.stopWatch = this.docs.watch(this.role, (s) => negotiator.onRemoteSignal(s));
    return this;
  }

  /** Leaves cleanly: closes the connection and deletes the document. */
  leave() {
    this.crash();
    this.docs.write(this.role, null);
  }

  /** The tab dies: nothing is cleaned up, the document stays behind. */
  crash() {
    this.stopWatch?.();
    this.negotiator.close();
  }

  reload({ clean = true } = {}): this {
    if (clean) this.leave();
    else this.crash();
    return this.join();
  }
}

export function connected(a: FakeParticipant, b: FakeParticipant): boolean {
  return !!a.pc && !!b.pc && a.pc.connectedTo(b.pc) && b.pc.connectedTo(a.pc);
}

/** Waits (real time, small) until `check` holds; fails with `what` otherwise. */
export async function eventually(check: () => boolean, what: string, ms = 2000): Promise<void> {
  const until = Date.now() + ms;
  while (!check()) {
    if (Date.now() > until) throw new Error(`timed out waiting: ${what}`);
    await new Promise((r) => setTimeout(r, 2));
  }
}
