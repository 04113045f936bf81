import { describe, expect, it } from 'vitest';
import { isTransient, withRetry } from './retry';

const failure = (code: string, details?: unknown) => Object.assign(new Error(code), { code, details });

describe('retrying a callable that is safe to repeat', () => {
  it('tells a transient failure from a final one', () => {
    expect(isTransient(failure('functions/unavailable'))).toBe(true);
    expect(isTransient(failure('functions/deadline-exceeded'))).toBe(true);
    expect(isTransient(failure('functions/internal'))).toBe(true); // no answer at all
    expect(isTransient(failure('functions/resource-exhausted'))).toBe(true); // the platform's queue
    expect(isTransient(failure('functions/unavailable', { reason: 'turn_unavailable' }))).toBe(true);
    expect(isTransient(failure('functions/resource-exhausted', { reason: 'rate_limited' }))).toBe(false);
    expect(isTransient(failure('functions/internal', { reason: 'x' }))).toBe(false);
    expect(isTransient(failure('functions/permission-denied', { reason: 'not_owner' }))).toBe(false);
    expect(isTransient(failure('functions/failed-precondition'))).toBe(false);
    expect(isTransient(new Error('plain'))).toBe(false);
    expect(isTransient(null)).toBe(false);
  });

  it('retries with growing, jittered waits and returns the first success', async () => {
    const waits: number[] = [];
    const retries: number[] = [];
    let calls = 0;
    const result = await withRetry(
      async () => {
        calls++;
        if (calls < 4) throw failure('functions/unavailable');
        return 'ok';
      },
      { delaysMs: [100, 200, 400, 800], sleep: async (ms) => void waits.push(ms), random: () => 1, onRetry: (n) => retries.push(n) },
    );
    expect(result).toBe('ok');
    expect(calls).toBe(4);
    expect(waits).toEqual([100, 200, 400]);
    expect(retries).toEqual([1, 2, 3]);
  });

  it('waits at least half of each delay', async () => {
    const waits: number[] = [];
    await expect(
      withRetry(async () => Promise.reject(failure('functions/unavailable')), { delaysMs: [100, 200], sleep: async (ms) => void waits.push(ms), random: () => 0 }),
    ).rejects.toMatchObject({ code: 'functions/unavailable' });
    expect(waits).toEqual([50, 100]);
  });

  it('gives up at once on a final failure, and after the last delay on a transient one', async () => {
    let calls = 0;
    await expect(
      withRetry(async () => {
        calls++;
        throw failure('functions/resource-exhausted', { reason: 'rate_limited' });
      }, { sleep: async () => undefined }),
    ).rejects.toMatchObject({ details: { reason: 'rate_limited' } });
    expect(calls).toBe(1);

    calls = 0;
    await expect(
      withRetry(async () => {
        calls++;
        throw failure('functions/deadline-exceeded');
      }, { delaysMs: [1, 1, 1], sleep: async () => undefined }),
    ).rejects.toMatchObject({ code: 'functions/deadline-exceeded' });
    expect(calls).toBe(4);
  });
});
