// The call's state as a pure function of events, and a tiny observable value for the UI.

export type CallState = 'idle' | 'connecting' | 'connected' | 'reconnecting' | 'ended';

export type CallEvent =
  | { type: 'start' }
  | { type: 'media-connected' }
  /** ICE went `disconnected`/`failed`, or received media stalled: a recovery is under way. */
  | { type: 'media-interrupted' }
  /** The other participant left (doc deleted, bye) or reloaded: wait for them again. */
  | { type: 'remote-left' }
  | { type: 'leave' }
  | { type: 'consult-ended' }
  | { type: 'fatal' };

export function transition(state: CallState, event: CallEvent): CallState {
  if (state === 'ended') return 'ended';
  switch (event.type) {
    case 'start':
      return state === 'idle' ? 'connecting' : state;
    case 'media-connected':
      return state === 'idle' ? state : 'connected';
    case 'media-interrupted':
      return state === 'connected' ? 'reconnecting' : state;
    case 'remote-left':
      return state === 'idle' ? state : 'connecting';
    case 'leave':
    case 'consult-ended':
    case 'fatal':
      return 'ended';
  }
}

/** A value that can be read now and watched; framework-free so the UI can wrap it in its own signals. */
export interface Observable<T> {
  get(): T;
  subscribe(fn: (v: T) => void): () => void;
}

export interface Writable<T> extends Observable<T> {
  set(v: T): void;
}

export function writable<T>(initial: T): Writable<T> {
  let value = initial;
  const subscribers = new Set<(v: T) => void>();
  return {
    get: () => value,
    set(v: T) {
      if (Object.is(v, value)) return;
      value = v;
      for (const fn of [...subscribers]) fn(v);
    },
    subscribe(fn) {
      subscribers.add(fn);
      return () => subscribers.delete(fn);
    },
  };
}
