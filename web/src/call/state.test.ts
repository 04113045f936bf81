import { describe, expect, it } from 'vitest';
import { transition, writable, type CallState } from './state';

describe('the call state', () => {
  it('goes idle → connecting → connected → reconnecting → connected → ended', () => {
    let s: CallState = 'idle';
    s = transition(s, { type: 'start' });
    expect(s).toBe('connecting');
    s = transition(s, { type: 'media-connected' });
    expect(s).toBe('connected');
    s = transition(s, { type: 'media-interrupted' });
    expect(s).toBe('reconnecting');
    s = transition(s, { type: 'media-connected' });
    expect(s).toBe('connected');
    expect(transition(s, { type: 'leave' })).toBe('ended');
  });

  it('waits again (connecting) when the other participant leaves or reloads', () => {
    expect(transition('connected', { type: 'remote-left' })).toBe('connecting');
    expect(transition('reconnecting', { type: 'remote-left' })).toBe('connecting');
  });

  it('an interruption before the first connection is still just connecting', () => {
    expect(transition('connecting', { type: 'media-interrupted' })).toBe('connecting');
  });

  it('nothing leaves ended, and nothing but start leaves idle', () => {
    for (const type of ['start', 'media-connected', 'media-interrupted', 'remote-left'] as const) {
      expect(transition('ended', { type })).toBe('ended');
    }
    expect(transition('idle', { type: 'media-connected' })).toBe('idle');
    expect(transition('idle', { type: 'consult-ended' })).toBe('ended');
  });

  it('an observable value tells its subscribers about changes only', () => {
    const v = writable(1);
    const seen: number[] = [];
    const stop = v.subscribe((x) => seen.push(x));
    v.set(1);
    v.set(2);
    stop();
    v.set(3);
    expect(seen).toEqual([2]);
    expect(v.get()).toBe(3);
  });
});
