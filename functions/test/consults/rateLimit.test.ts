import { describe, expect, it } from 'vitest';
import { windowState, type RateLimit } from '../../src/lib/rateLimit';

const LIMIT: RateLimit = { name: 'test', max: 3, windowMs: 60_000 };

describe('rate limit windows', () => {
  it('start empty when nothing was counted', () => {
    expect(windowState(undefined, LIMIT, 5_000)).toEqual({ count: 0, windowStartMs: 5_000, exhausted: false, retryAfterMs: 0 });
  });

  it('are exhausted at the maximum, until the window has passed', () => {
    const doc = { count: 3, windowStartMs: 10_000 };
    expect(windowState(doc, LIMIT, 20_000)).toEqual({ count: 3, windowStartMs: 10_000, exhausted: true, retryAfterMs: 50_000 });
    expect(windowState({ count: 2, windowStartMs: 10_000 }, LIMIT, 20_000).exhausted).toBe(false);
    expect(windowState(doc, LIMIT, 70_000)).toEqual({ count: 0, windowStartMs: 70_000, exhausted: false, retryAfterMs: 0 });
  });

  it('start over when the stored window lies in the future (a clock that went back) or is malformed', () => {
    expect(windowState({ count: 9, windowStartMs: 90_000 }, LIMIT, 20_000).count).toBe(0);
    expect(windowState({ count: 9 }, LIMIT, 20_000).count).toBe(0);
  });
});
