import { describe, expect, it } from 'vitest';
import { fixedClock } from '../../src/lib/clock';
import { AppError } from '../../src/lib/errors';
import { providerFor, type TurnConfig } from '../../src/turn/config';

const clock = fixedClock(Date.UTC(2026, 10, 24, 14, 0, 0));
const unusedTwilio = { accountSid: 'unused', apiKeySid: 'unused', apiKeySecret: 'unused' };
const base: TurnConfig = { provider: 'coturn', urls: 'turn:127.0.0.1:3578?transport=udp', sharedSecret: 'dev-secret', twilio: unusedTwilio };

const reasonOf = (f: () => unknown) => {
  try {
    f();
  } catch (e) {
    return e instanceof AppError ? e.reason : 'not an AppError';
  }
  return 'no error';
};

describe('choosing the TURN provider from the functions params', () => {
  it('builds each named provider', () => {
    expect(providerFor(base, clock).name).toBe('coturn');
    expect(providerFor({ ...base, provider: 'stun', urls: '' }, clock).name).toBe('stun');
    expect(providerFor({ ...base, provider: 'twilio', urls: '' }, clock).name).toBe('twilio');
  });

  it('never falls back silently: an unknown or empty provider is a configuration error', () => {
    expect(reasonOf(() => providerFor({ ...base, provider: '' }, clock))).toBe('turn_not_configured');
    expect(reasonOf(() => providerFor({ ...base, provider: 'Coturn' }, clock))).toBe('turn_not_configured');
  });

  it('refuses coturn without a secret or without a TURN URL', () => {
    expect(reasonOf(() => providerFor({ ...base, sharedSecret: '' }, clock))).toBe('turn_not_configured');
    expect(reasonOf(() => providerFor({ ...base, sharedSecret: 'unused' }, clock))).toBe('turn_not_configured');
    expect(reasonOf(() => providerFor({ ...base, urls: 'stun:127.0.0.1:3578' }, clock))).toBe('turn_not_configured');
    expect(reasonOf(() => providerFor({ ...base, urls: 'http://relay' }, clock))).toBe('turn_not_configured');
  });

  it('gives the stun provider no relay and no credentials', async () => {
    const issued = await providerFor({ ...base, provider: 'stun', urls: 'stun:stun.example.com:3478' }, clock).issue({ uid: 'u', ttlSeconds: 600 });
    expect(issued.iceServers).toEqual([{ urls: ['stun:stun.example.com:3478'] }]);
    expect(issued.expiresAtMs).toBe(clock.now() + 600_000);
  });
});
