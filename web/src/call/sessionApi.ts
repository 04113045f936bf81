// What a call session is and takes: the contract the call model and the tests hold to; the
// implementation (the parts and their wiring) is session.ts.
import type { Chat } from './chat';
import type { Photos } from './photo';
import type { Clock } from './clock';
import type { RemoteMedia } from './control';
import type { IceServersResult } from './credentials';
import type { CallError } from './errors';
import type { MediaRequest } from './media';
import type { NegotiationTiming } from './negotiation';
import type { RecoveryTiming } from './recovery';
import type { CallState, Observable } from './state';
import type { QualitySnapshot } from './stats';
import type { CallRole, CallStatsSummary, Signaling } from './types';

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
  clock?: Clock;
  /** Leave when the page is hidden for good (tab closed, reload). Default true where a window exists. */
  leaveOnPageHide?: boolean;
  /** Every step of signaling and connection, for diagnostics and the bench. */
  onTrace?: (event: string, detail?: Record<string, unknown>) => void;
}

export interface CallSession {
  readonly sessionId: string;
  state: Observable<CallState>;
  remoteStream: Observable<MediaStream | null>;
  remotePresent: Observable<boolean>;
  /**
   * The other participant's page went away without leaving the call (a reload, a crash, a lost
   * network) and they are expected back: the last picture stays, with a "reconnecting" notice.
   * False again when they return, after the grace period, or when they leave on purpose.
   */
  remoteAway: Observable<boolean>;
  quality: Observable<QualitySnapshot | null>;
  error: Observable<CallError | null>;
  micEnabled: Observable<boolean>;
  cameraEnabled: Observable<boolean>;
  facing: Observable<'user' | 'environment'>;
  torchAvailable: Observable<boolean>;
  torchOn: Observable<boolean>;
  /** The other side's microphone and camera, as it last said over the data channel (null: not known). */
  remoteMedia: Observable<RemoteMedia | null>;
  /** Our video is paused because our uplink cannot carry it (the audio goes on); it resumes by itself. */
  videoPaused: Observable<boolean>;
  /** The in-call chat over the data channel; nothing of it is stored. */
  chat: Chat;
  /** Wound photos asked for, sent and received over the call; never stored by us. */
  photos: Photos;
  /** ICE restarts so far (automatic and asked for). */
  iceRestarts: Observable<number>;
  /**
   * Before start(), while waiting to be admitted: reads the other side's document, so that start()
   * finds it read. Writes nothing.
   */
  prepare(): void;
  start(): Promise<void>;
  /** `away`: the page is going (a reload, a closed tab) and the other side should expect us back. */
  leave(how?: 'bye' | 'away'): Promise<void>;
  /** The consult was closed (ended, cancelled, consent withdrawn): the call ends with that reason. */
  consultEnded(): Promise<void>;
  setMicEnabled(on: boolean): void;
  setCameraEnabled(on: boolean): void;
  /** Throws a CallError the screen can explain; the previous camera is kept where possible. */
  switchCamera(to?: MediaRequest): Promise<void>;
  setTorch(on: boolean): Promise<void>;
  restartIce(): void;
  /** The current connection (bench and tests read its stats). */
  peerConnection(): RTCPeerConnection | null;
}
