// The call's own data channel, negotiated up front (no extra round trip). Today it carries only
// "bye", so the other side learns at once that we left, before our document's deletion arrives.

export interface ControlChannel {
  /** Tells the other side we are leaving; harmless if the channel is already closed. */
  sayBye(): void;
}

export function openControlChannel(
  pc: RTCPeerConnection,
  /** The other side left: it said bye, or its connection closed (SCTP abort) while ours is current. */
  onRemoteGone: (how: 'bye' | 'closed') => void,
): ControlChannel {
  const channel = pc.createDataChannel('control', { negotiated: true, id: 0 });
  channel.onmessage = (m) => {
    if (m.data === 'bye') onRemoteGone('bye');
  };
  channel.onclose = () => onRemoteGone('closed');
  return {
    sayBye() {
      try {
        if (channel.readyState === 'open') channel.send('bye');
      } catch {
        // The channel closed meanwhile: the document's deletion says the same.
      }
    },
  };
}
