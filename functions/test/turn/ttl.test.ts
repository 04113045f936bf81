import { describe, expect, it } from 'vitest';
import { TTL, ttlForConsult } from '../../src/turn/provider';

const NOW = Date.UTC(2026, 10, 24, 14, 0, 0);
const minutes = (n: number) => n * 60_000;

describe('credential lifetime', () => {
  it('covers the rest of the consult plus a margin', () => {
    expect(ttlForConsult(NOW + minutes(20), NOW)).toBe(20 * 60 + TTL.marginSeconds);
  });

  it('never exceeds an hour, even for a long consult or one scheduled far ahead', () => {
    expect(ttlForConsult(NOW + minutes(3 * 24 * 60), NOW)).toBe(TTL.maxSeconds);
    expect(ttlForConsult(NOW + minutes(45), NOW)).toBe(3600);
    expect(TTL.maxSeconds).toBeLessThanOrEqual(3600);
  });

  it('still lasts a while for a consult running past its scheduled end', () => {
    expect(ttlForConsult(NOW - minutes(90), NOW)).toBe(TTL.minSeconds);
  });
});
