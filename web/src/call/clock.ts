// One clock for the whole engine: the time and the timers. Tests pass a fake that they advance.

export interface Clock {
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const realClock: Clock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => globalThis.setTimeout(fn, ms),
  clearTimeout: (h) => globalThis.clearTimeout(h as ReturnType<typeof setTimeout>),
};

/** Timers that a session's end cancels all at once. */
export interface Timers {
  after(ms: number, fn: () => void): unknown;
  cancel(handle: unknown): void;
  cancelAll(): void;
}

export function timers(clock: Clock): Timers {
  const pending = new Set<unknown>();
  return {
    after(ms, fn) {
      const handle = clock.setTimeout(() => {
        pending.delete(handle);
        fn();
      }, ms);
      pending.add(handle);
      return handle;
    },
    cancel(handle) {
      if (handle === null || handle === undefined) return;
      clock.clearTimeout(handle);
      pending.delete(handle);
    },
    cancelAll() {
      for (const handle of [...pending]) this.cancel(handle);
    },
  };
}

/** A clock whose time moves only when a test advances it; due timers run in order of their time. */
export class FakeClock implements Clock {
  private time: number;
  private nextId = 1;
  private readonly queue = new Map<number, { at: number; fn: () => void }>();

  constructor(startMs = 1_000_000) {
    this.time = startMs;
  }

  now(): number {
    return this.time;
  }

  setTimeout(fn: () => void, ms: number): unknown {
    const id = this.nextId++;
    this.queue.set(id, { at: this.time + Math.max(0, ms), fn });
    return id;
  }

  clearTimeout(handle: unknown): void {
    this.queue.delete(handle as number);
  }

  /** Moves time forward by `ms`, running every timer that falls due on the way. */
  advance(ms: number): void {
    const until = this.time + ms;
    for (;;) {
      let next: [number, { at: number; fn: () => void }] | null = null;
      for (const entry of this.queue) if (entry[1].at <= until && (!next || entry[1].at < next[1].at)) next = entry;
      if (!next) break;
      this.queue.delete(next[0]);
      this.time = next[1].at;
      next[1].fn();
    }
    this.time = until;
  }

  /** Timers still waiting. */
  get pending(): number {
    return this.queue.size;
  }
}
