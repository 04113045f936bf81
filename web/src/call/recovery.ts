// When to restart ICE, when to build a new connection, when to tell the person: a pure policy
// (events in, actions out, timers as named actions) and a driver that runs its timers on a clock.
import type { Clock } from './clock';

export interface RecoveryTiming {
  /** `disconnected` lasting this long starts an ICE restart. */
  disconnectedGraceMs: number;
  statsIntervalMs: number;
  /** Intervals without received bytes before media counts as stalled. */
  stalledIntervals: number;
  /**
   * While media is interrupted, restart ICE again this often (the polite side half as often):
   * a relay that comes back is found at the next try rather than at the watchdog.
   */
  reconnectRetryMs: number;
  reconnectRetries: number;
  /** A bound call not connected after this long is restarted (then rebuilt). */
  connectWatchdogMs: number;
  /** A participant whose page went away (a reload) is shown as coming back for this long. */
  remoteAwayGraceMs: number;
  /** Refresh TURN credentials this long before they expire. */
  credentialMarginMs: number;
  statsWriteIntervalMs: number;
}

export const DEFAULT_RECOVERY: RecoveryTiming = {
  disconnectedGraceMs: 1500,
  statsIntervalMs: 1000,
  stalledIntervals: 2,
  reconnectRetryMs: 1500,
  reconnectRetries: 20,
  connectWatchdogMs: 6000,
  remoteAwayGraceMs: 60_000,
  credentialMarginMs: 60_000,
  statsWriteIntervalMs: 60_000,
};

export type RecoveryTimer = 'grace' | 'failed' | 'retry' | 'watchdog';

export type RecoveryEvent =
  | { type: 'remote-present' }
  | { type: 'remote-left' }
  /** A new peer connection replaced the previous one (its state starts at `new`). */
  | { type: 'connection-replaced' }
  | { type: 'connection'; state: RTCPeerConnectionState }
  /** One getStats sample: whether the connection calls itself connected, and whether received bytes stopped growing. */
  | { type: 'stats'; connected: boolean; stalled: boolean }
  | { type: 'timer'; timer: RecoveryTimer }
  /** The device's network changed (the browser said so): the path in use may be gone. */
  | { type: 'network-changed' }
  | { type: 'ended' };

export type RecoveryAction =
  | { type: 'arm'; timer: RecoveryTimer; ms: number }
  | { type: 'cancel'; timer: RecoveryTimer }
  /** A fresh ICE generation on the current connection. */
  | { type: 'restart-ice' }
  /** A new connection offered to the other side: the last resort. */
  | { type: 'new-connection' }
  | { type: 'media-connected' }
  | { type: 'media-interrupted' }
  /** Errors that a connection made afterwards makes untrue (ICE failed, network, TURN refused). */
  | { type: 'clear-error' }
  | { type: 'give-up' };

/**
 * The engine's recovery rules. The impolite side (clinician) acts first and the polite side
 * (patient) later, so that usually only one of them makes the restart's offer.
 */
export class RecoveryPolicy {
  private remotePresent = false;
  /** The call as the person sees it: media flowing on a connected connection. */
  private mediaUp = false;
  private connectionState: RTCPeerConnectionState = 'new';
  private stalledFor = 0;
  private retries = 0;
  private watchdogStep = 0;
  private ended = false;
  private readonly armed = new Set<RecoveryTimer>();
  private out: RecoveryAction[] = [];

  constructor(
    private readonly polite: boolean,
    private readonly timing: RecoveryTiming,
  ) {}

  handle(event: RecoveryEvent): RecoveryAction[] {
    this.out = [];
    if (!this.ended) this.apply(event);
    return this.out;
  }

  private apply(event: RecoveryEvent): void {
    switch (event.type) {
      case 'remote-present':
        this.remotePresent = true;
        this.watchdogStep = 0;
        this.cancel('watchdog');
        this.armWatchdog();
        return;
      case 'remote-left':
        this.remotePresent = false;
        this.mediaUp = false;
        return;
      case 'connection-replaced':
        this.connectionState = 'new';
        this.stalledFor = 0;
        return;
      case 'connection':
        return this.onConnection(event.state);
      case 'stats':
        return this.onStats(event.connected, event.stalled);
      case 'network-changed':
        // Only this side knows: it restarts at once, whichever side it is. Media that still flows
        // keeps flowing on the old path until the new one is chosen; if it stalled, retries follow.
        this.restart();
        this.armWatchdog();
        return;
      case 'timer':
        this.armed.delete(event.timer);
        return this.onTimer(event.timer);
      case 'ended':
        this.ended = true;
        for (const timer of [...this.armed]) this.cancel(timer);
        return;
    }
  }

  private onConnection(state: RTCPeerConnectionState): void {
    this.connectionState = state;
    if (state === 'connected') {
      this.cancel('grace');
      this.stopRetries();
      this.watchdogStep = 0;
      this.cancel('watchdog');
      this.emit({ type: 'clear-error' });
      this.connected();
    } else if (state === 'disconnected') {
      this.interrupted();
      this.cancel('grace');
      this.arm('grace', this.timing.disconnectedGraceMs * (this.polite ? 1.5 : 1));
      this.armWatchdog();
    } else if (state === 'failed') {
      this.interrupted();
      this.arm('failed', this.polite ? 1000 : 0);
      this.armRetry();
      this.armWatchdog();
    }
  }

  private onStats(connected: boolean, stalled: boolean): void {
    if (!stalled) {
      if (this.stalledFor > 0 && connected) {
        // Media is back on a connection that never stopped calling itself connected.
        this.stalledFor = 0;
        this.stopRetries();
        this.connected();
      }
      return;
    }
    // Counted on stalled samples only: a restart that leaves the connection not connected must not
    // find the count still at the threshold and restart again at every sample.
    this.stalledFor++;
    if (this.stalledFor === this.timing.stalledIntervals + (this.polite ? 1 : 0) && this.remotePresent) {
      // Media stopped well before ICE would say `disconnected` (~5 s over UDP): restart now.
      this.interrupted();
      this.restart();
      this.armRetry();
      this.armWatchdog();
    }
  }

  private onTimer(timer: RecoveryTimer): void {
    switch (timer) {
      case 'grace':
        if (this.connectionState !== 'connected') this.restart();
        this.armRetry();
        return;
      case 'failed':
        if (this.connectionState === 'failed') this.restart();
        return;
      case 'retry':
        if (this.mediaUp || !this.remotePresent) {
          this.retries = 0;
          return;
        }
        if (this.retries++ >= this.timing.reconnectRetries) return;
        this.restart();
        this.armRetry();
        return;
      case 'watchdog':
        return this.onWatchdog();
    }
  }

  /** Until connected, escalate: an ICE restart first, then a new connection, then tell the person. */
  private onWatchdog(): void {
    // Our own state, not connectionState: a relay that lost its allocation still reads "connected".
    if (this.mediaUp || !this.remotePresent) return;
    this.watchdogStep++;
    if (this.watchdogStep === 1) this.restart();
    else if (this.watchdogStep <= 3) this.emit({ type: 'new-connection' });
    // Past that, the other side is most likely gone without cleaning up: say so, and wait for its
    // next session (a new document resets the count).
    if (this.watchdogStep >= 3) this.emit({ type: 'give-up' });
    if (this.watchdogStep < 4) this.armWatchdog();
  }

  private restart(): void {
    if (this.remotePresent) this.emit({ type: 'restart-ice' });
  }

  private connected(): void {
    this.mediaUp = true;
    this.emit({ type: 'media-connected' });
  }

  private interrupted(): void {
    this.mediaUp = false;
    this.emit({ type: 'media-interrupted' });
  }

  private armRetry(): void {
    if (!this.armed.has('retry')) this.arm('retry', this.timing.reconnectRetryMs * (this.polite ? 2 : 1));
  }

  private stopRetries(): void {
    this.cancel('retry');
    this.retries = 0;
  }

  private armWatchdog(): void {
    if (!this.armed.has('watchdog')) this.arm('watchdog', this.timing.connectWatchdogMs);
  }

  private arm(timer: RecoveryTimer, ms: number): void {
    this.armed.add(timer);
    this.emit({ type: 'arm', timer, ms });
  }

  private cancel(timer: RecoveryTimer): void {
    if (this.armed.delete(timer)) this.emit({ type: 'cancel', timer });
  }

  private emit(action: RecoveryAction): void {
    this.out.push(action);
  }
}

export interface Recovery {
  handle(event: RecoveryEvent): void;
}

/** Runs the policy: its timers on `clock`, every other action through `act`. */
export function createRecovery(opts: {
  polite: boolean;
  timing: RecoveryTiming;
  clock: Clock;
  act: (action: Exclude<RecoveryAction, { type: 'arm' | 'cancel' }>) => void;
}): Recovery {
  const policy = new RecoveryPolicy(opts.polite, opts.timing);
  const handles = new Map<RecoveryTimer, unknown>();
  const handle = (event: RecoveryEvent): void => {
    for (const action of policy.handle(event)) {
      if (action.type === 'arm') {
        const previous = handles.get(action.timer);
        if (previous !== undefined) opts.clock.clearTimeout(previous);
        const { timer } = action;
        handles.set(timer, opts.clock.setTimeout(() => {
          handles.delete(timer);
          handle({ type: 'timer', timer });
        }, action.ms));
      } else if (action.type === 'cancel') {
        opts.clock.clearTimeout(handles.get(action.timer));
        handles.delete(action.timer);
      } else opts.act(action);
    }
  };
  return { handle };
}
