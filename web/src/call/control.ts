// The call's own data channel, negotiated up front (no extra round trip). Today it carries only
// how we leave, so the other side learns it at once, before our document's deletion arrives:
// "bye" when the person left the call, "away" when the page went away (a reload, a closed tab)
// and the person is expected back.

/** How the other side went: left on purpose, went away (expected back), or its connection closed. */
export type RemoteGone = 'bye' | 'away' | 'closed';

export interface ControlChannel {
  /** Tells the other side how we are leaving; harmless if the channel is already closed. */
  sayGoodbye(how: 'bye' | 'away'): void;
}

export function openControlChannel(
  pc: RTCPeerConnection,
  /** The other side went (see RemoteGone); 'closed' is an SCTP abort while ours is current. */
  onRemoteGone: (how: RemoteGone) => void,
): ControlChannel {
  const channel = pc.createDataChannel('control', { negotiated: true, id: 0 });
  channel.onmessage = (m) => {
    if (m.data === 'bye' || m.data === 'away') onRemoteGone(m.data);
  };
  channel.onclose = () => onRemoteGone('closed');
  return {
    sayGoodbye(how) {
      try {
        if (channel.readyState === 'open') channel.send(how);
      } catch {
        // The channel closed meanwhile: the document's deletion says the same.
      }
    },
  };
}
