// The browser around a peer connection, faked for the session's unit tests: media tracks and
// streams, senders, the data channel, events, getStats counters, and a connection state that
// follows the fake network (connected while two connections hold each other's identity).
import { FakePeerConnection, type FakeNetwork } from './testing';

export class FakeTrack {
  enabled = true;
  readyState: MediaStreamTrackState = 'live';
  readonly id = `track-${Math.random().toString(36).slice(2, 10)}`;
  constructor(readonly kind: 'audio' | 'video') {}
  stop() {
    this.readyState = 'ended';
  }
  getSettings(): MediaTrackSettings {
    return {};
  }
  getCapabilities(): MediaTrackCapabilities {
    return {};
  }
}

export class FakeStream {
  private readonly tracks: FakeTrack[];
  constructor(tracks: FakeTrack[] = [new FakeTrack('audio'), new FakeTrack('video')]) {
    this.tracks = [...tracks];
  }
  getTracks() {
    return [...this.tracks];
  }
  getAudioTracks() {
    return this.tracks.filter((t) => t.kind === 'audio');
  }
  getVideoTracks() {
    return this.tracks.filter((t) => t.kind === 'video');
  }
  addTrack(t: FakeTrack) {
    this.tracks.push(t);
  }
  removeTrack(t: FakeTrack) {
    this.tracks.splice(this.tracks.indexOf(t), 1);
  }
  /** As the browser's own type, for the engine's options. */
  get asMediaStream(): MediaStream {
    return this as unknown as MediaStream;
  }
}

class FakeChannel {
  readyState: RTCDataChannelState = 'open';
  onmessage: ((m: { data: unknown }) => void) | null = null;
  onclose: (() => void) | null = null;
  bufferedAmount = 0;
  constructor(private readonly owner: FakeBrowserConnection, readonly label: string) {}
  send(data: unknown) {
    this.owner.peer()?.channels.get(this.label)?.onmessage?.({ data });
  }
}

/** A FakePeerConnection with what the session uses of the browser's RTCPeerConnection. */
export class FakeBrowserConnection extends FakePeerConnection {
  connectionState: RTCPeerConnectionState = 'new';
  iceGatheringState: RTCIceGatheringState = 'new';
  /** Channels by label; `channel` is the control channel. */
  readonly channels = new Map<string, FakeChannel>();
  get channel(): FakeChannel | null {
    return this.channels.get('control') ?? null;
  }
  /** Set by a test: media stops arriving although the connection still says connected. */
  mediaStalled = false;
  private readonly events = new EventTarget();
  private readonly senders: Array<{ track: FakeTrack | null; replaceTrack(t: FakeTrack): Promise<void> }> = [];
  private bytesReceived = 0;
  private config: RTCConfiguration;

  constructor(
    private readonly net: FakeNetwork,
    config: RTCConfiguration,
    private readonly remoteStream = new FakeStream([new FakeTrack('audio'), new FakeTrack('video')]),
  ) {
    super(net);
    this.config = config;
    const watch = () => this.follow();
    net.watchers.add(watch);
  }

  addEventListener(type: string, fn: (ev: Event) => void) {
    this.events.addEventListener(type, fn as EventListener);
  }
  removeEventListener(type: string, fn: (ev: Event) => void) {
    this.events.removeEventListener(type, fn as EventListener);
  }
  addTrack(track: FakeTrack) {
    const sender = {
      track: track as FakeTrack | null,
      async replaceTrack(t: FakeTrack) {
        sender.track = t;
      },
      getParameters: () => ({ encodings: [{}] }),
      setParameters: async () => undefined,
    };
    this.senders.push(sender);
    return sender;
  }
  getSenders() {
    return this.senders;
  }
  createDataChannel(label: string) {
    const channel = new FakeChannel(this, label);
    this.channels.set(label, channel);
    return channel;
  }
  getConfiguration() {
    return this.config;
  }
  setConfiguration(config: RTCConfiguration) {
    this.config = config;
  }
  async getStats() {
    if (!this.mediaStalled) this.bytesReceived += 1000;
    return new Map<string, Record<string, unknown>>([
      ['in', { id: 'in', type: 'inbound-rtp', kind: 'video', bytesReceived: this.bytesReceived, packetsReceived: this.bytesReceived / 100, packetsLost: 0 }],
    ]);
  }
  override close() {
    super.close();
    for (const channel of this.channels.values()) channel.readyState = 'closed';
    this.peer()?.channel?.onclose?.();
  }

  /** The connection this one is connected to, if any. */
  peer(): FakeBrowserConnection | null {
    for (const other of this.net.connections) {
      if (other !== this && other instanceof FakeBrowserConnection && this.connectedTo(other) && other.connectedTo(this)) return other;
    }
    return null;
  }

  /** Connection lost (a network change): `disconnected` until an ICE restart finds the way again. */
  drop() {
    this.set('disconnected');
  }

  private follow() {
    if (this.closed) return;
    const up = this.peer() !== null;
    if (up && this.connectionState !== 'connected' && (this.connectionState !== 'disconnected' || this.restarted())) {
      this.set('connected');
      this.events.dispatchEvent(Object.assign(new Event('track'), { track: this.remoteStream.getVideoTracks()[0], streams: [this.remoteStream] }));
    } else if (!up && this.connectionState === 'connected') this.set('disconnected');
  }

  /** The ICE generation last connected: a dropped connection comes back only on a new one. */
  private lastUfrag = this.ufrag;
  private restarted(): boolean {
    return this.ufrag !== this.lastUfrag;
  }

  private set(state: RTCPeerConnectionState) {
    if (state === 'connected') this.lastUfrag = this.ufrag;
    if (this.connectionState === state) return;
    this.connectionState = state;
    this.iceConnectionState = state === 'connected' ? 'connected' : state === 'disconnected' ? 'disconnected' : this.iceConnectionState;
    this.events.dispatchEvent(new Event('connectionstatechange'));
  }
}
