// What the engine needs from the outside world, as interfaces: tests pass fakes, the app passes
// Firestore (signaling.ts) and the browser's RTCPeerConnection.
import type { ConsultStatus, PeerCandidate, PeerDoc, StatsDoc } from '../../../functions/src/lib/model';
import type { CallError } from './errors';

export type { PeerCandidate, ConsultStatus };
export type CallRole = 'clinician' | 'patient';

/** The content of `consults/{id}/peers/{uid}` as the engine sees it (`updatedAt` is the server's). */
export type PeerSignal = Omit<PeerDoc, 'updatedAt'>;

/** The compact call summary written to `consults/{id}/stats/{uid}` (the lobby fields are the app's). */
export type CallStatsSummary = Pick<
  StatsDoc,
  'connectMs' | 'candidateType' | 'rttMs' | 'jitterMs' | 'packetLossPct' | 'bitrateKbps' | 'framesDecoded' | 'iceRestarts' | 'final'
>;

/**
 * One participant's signaling: its own peer document and the other participant's. Every method
 * maps failures to a `CallError` ('signaling-denied', 'network'). The consult's status is the call
 * model's to watch (web/src/state/call.ts), once for the whole page.
 */
export interface Signaling {
  /** Rewrites the whole own peer document: one Firestore write. */
  publish(signal: PeerSignal): Promise<void>;
  /** Deletes the own peer document (leaving, closing the tab). */
  remove(): Promise<void>;
  /**
   * Watches the other participant's peer document; `null` while it does not exist. The first
   * call reflects the server (never an empty cache), so "absent" really means absent.
   */
  watchRemote(onSignal: (signal: PeerSignal | null) => void, onError: (error: CallError) => void): () => void;
  /** Client writes made so far (publish + remove), for `npm run bench`. */
  readonly writeCount: number;
  /**
   * The network is back after an interruption (our gathering reached the STUN/TURN server again):
   * reconnect to the signaling server now instead of at the end of its retry backoff.
   */
  reconnect?(): void;
}

/** The part of RTCPeerConnection negotiation uses; the browser's satisfies it, tests pass a fake. */
export interface PeerConnectionLike {
  readonly signalingState: RTCSignalingState;
  readonly iceConnectionState: RTCIceConnectionState;
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
