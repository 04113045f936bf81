import { describe, expect, it } from 'vitest';
import { TTL, ttlForConsult } from '../../src/turn/provider';

const NOW = Date.UTC(2026, 10, 24, 14, 0, 0);
const minutes = (n: number) => n * 60_000;

describe('credential lifetime', () => {
  it('covers the rest of the consult plus a margin', () => {
    expect(ttlForConsult(NOW + minutes(60), NOW)).toBe(60 * 60 + TTL.marginSeconds);
  });

  it('never exceeds a few hours, even for a consult scheduled far ahead', () => {
    expect(ttlForConsult(NOW + minutes(3 * 24 * 60), NOW)).toBe(TTL.maxSeconds);
    expect(TTL.maxSeconds).toBeLessThanOrEqual(4 * 3600);
  });

  it('still lasts a while for a consult running past its scheduled end', () => {
    expect(ttlForConsult(NOW - minutes(90), NOW)).toBe(TTL.minSeconds);
  });
});
