// TURN credentials over a call's life: refreshed before they expire, fetched again once when the
// relay refuses them, and a refusal (which never fails the connection) turned into an error.
import type { Clock, Timers } from './clock';
import { CallError } from './errors';

export interface IceServersResult {
  iceServers: RTCIceServer[];
  /** ISO time after which the TURN credentials stop working. */
  expiresAt: string;
}

export interface Credentials {
  /** The servers in use (empty until `use` is called). */
  readonly iceServers: RTCIceServer[];
  /** Takes the first settings and schedules their refresh. */
  use(result: IceServersResult): void;
  /** Watches one connection's gathering for a relay that refuses our credentials. */
  watch(pc: RTCPeerConnection, isCurrent: () => boolean): void;
}

export interface CredentialsOptions {
  getIceServers: () => Promise<IceServersResult>;
  clock: Clock;
  timers: Timers;
  marginMs: number;
  /** Fresh servers arrived: apply them to the connection, restarting ICE if `restart`. */
  onFresh(iceServers: RTCIceServer[], restart: boolean): void;
  onError(error: CallError): void;
}

const hasTurn = (servers: RTCIceServer[]) =>
  servers.some((s) => (Array.isArray(s.urls) ? s.urls : [s.urls]).some((u) => /^turns?:/.test(u)));

export function createCredentials(opts: CredentialsOptions): Credentials {
  let iceServers: RTCIceServer[] = [];
  let retriedAfterRefusal = false;

  function schedule(expiresAt: string) {
    const expires = Date.parse(expiresAt);
    if (!Number.isFinite(expires)) return;
    const wait = Math.max(10_000, expires - opts.clock.now() - opts.marginMs);
    opts.timers.after(wait, () => void refresh());
  }

  async function refresh() {
    try {
      const fresh = await opts.getIceServers();
      iceServers = fresh.iceServers;
      schedule(fresh.expiresAt);
      opts.onFresh(iceServers, true);
    } catch (e) {
      opts.onError(e instanceof CallError ? e : new CallError('network', 'Fresh connection credentials could not be fetched.', e));
    }
  }

  function refused() {
    opts.onError(new CallError('turn-credentials-rejected', 'The relay server refused our credentials.'));
    // They may only have expired: fetch fresh ones once; a connection made afterwards clears the error.
    if (!retriedAfterRefusal) {
      retriedAfterRefusal = true;
      void refresh();
    }
  }

  return {
    get iceServers() {
      return iceServers;
    },
    use(result) {
      iceServers = result.iceServers;
      schedule(result.expiresAt);
    },
    watch(pc, isCurrent) {
      const relay = { seen: false, rejected: false };
      pc.addEventListener('icecandidate', (ev) => {
        if (ev.candidate?.type === 'relay') relay.seen = true;
      });
      pc.addEventListener('icecandidateerror', (ev) => {
        if ((ev as RTCPeerConnectionIceErrorEvent).errorCode === 401) relay.rejected = true;
      });
      pc.addEventListener('icegatheringstatechange', () => {
        if (!isCurrent() || pc.iceGatheringState !== 'complete') return;
        // A rejected TURN credential never fails the connection: it only leaves us without relay.
        if (hasTurn(iceServers) && !relay.seen && relay.rejected) refused();
        relay.seen = false;
        relay.rejected = false;
      });
    },
  };
}
