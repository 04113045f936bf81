import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startTwilioFake, type TwilioFake } from '../../../tests/support/twilioFake';
import { fixedClock } from '../../src/lib/clock';
import { AppError, codeFor } from '../../src/lib/errors';
import { TTL } from '../../src/turn/provider';
import { CACHED_CALLERS, REUSE_SECONDS, twilioProvider, type TwilioConfig } from '../../src/turn/twilio';

const ACCOUNT: TwilioConfig = {
  accountSid: `AC${'1a'.repeat(16)}`,
  apiKeySid: `SK${'2b'.repeat(16)}`,
  apiKeySecret: 'api-key-secret-that-must-never-be-logged',
};

interface Logged { message: string; fields: Record<string, string | number | null> }

describe('the twilio provider, with the real twilio library against a local fake of Tokens.json', () => {
  let fake: TwilioFake;
  let logged: Logged[];
  const clock = fixedClock(Date.UTC(2026, 10, 24, 14, 0, 0));
  const provider = (config: TwilioConfig = ACCOUNT) =>
    twilioProvider(config, clock, {
      apiBase: fake.origin,
      timeoutMs: 300,
      log: (message, fields) => { logged.push({ message, fields }); },
    });
  const reasonOf = async (promise: Promise<unknown>) => {
    const error = await promise.then(() => null, (e: unknown) => e);
    expect(error).toBeInstanceOf(AppError);
    return (error as AppError).reason;
  };

  beforeEach(async () => {
    fake = await startTwilioFake({ accountSid: ACCOUNT.accountSid, keySid: ACCOUNT.apiKeySid, keySecret: ACCOUNT.apiKeySecret });
    logged = [];
  });
  afterEach(async () => { await fake.close(); });

  it('returns Twilio’s STUN and TURN servers, with a TTL asked for the consult plus reuse time', async () => {
    const issued = await provider().issue({ uid: 'u1', ttlSeconds: 1800 });
    expect(fake.requests).toEqual([{ accountSid: ACCOUNT.accountSid, keySid: ACCOUNT.apiKeySid, ttl: 1800 + REUSE_SECONDS }]);
    expect(issued.iceServers).toHaveLength(4);
    expect(issued.iceServers[0]).toEqual({ urls: 'stun:global.stun.twilio.com:3478' });
    expect(issued.iceServers[3]).toMatchObject({ urls: 'turn:global.turn.twilio.com:443?transport=tcp' });
    expect(issued.iceServers[3]?.username).toMatch(/^fake/);
    expect(issued.iceServers[3]?.credential).toBeTruthy();
    expect(issued.expiresAtMs).toBe(clock.now() + (1800 + REUSE_SECONDS) * 1000);
  });

  it('never asks Twilio for more than the maximum TTL', async () => {
    await provider().issue({ uid: 'u1', ttlSeconds: TTL.maxSeconds });
    expect(fake.requests[0]?.ttl).toBe(TTL.maxSeconds);
  });

  it('never hands one caller a token of another, and reuses a caller\'s own while it covers the TTL asked', async () => {
    const p = provider();
    const ttl = 1800;
    const others = await Promise.all(Array.from({ length: 5 }, (_, i) => p.issue({ uid: `u${i}`, ttlSeconds: ttl })));
    expect(fake.requests).toHaveLength(5);
    expect(new Set(others.map((b) => b.iceServers[1]?.username)).size).toBe(5);

    // One caller asking twice at once, then again later (a reload): one request while it covers.
    const burst = await Promise.all([p.issue({ uid: 'me', ttlSeconds: ttl }), p.issue({ uid: 'me', ttlSeconds: ttl })]);
    expect(fake.requests).toHaveLength(6);
    expect(burst[0]?.iceServers[1]?.username).toBe(burst[1]?.iceServers[1]?.username);
    clock.advance(REUSE_SECONDS * 1000);
    expect((await p.issue({ uid: 'me', ttlSeconds: ttl })).iceServers[1]?.username).toBe(burst[0]?.iceServers[1]?.username);
    expect(fake.requests).toHaveLength(6);

    clock.advance(1000);
    const fresh = await p.issue({ uid: 'me', ttlSeconds: ttl });
    expect(fake.requests).toHaveLength(7);
    expect(fresh.iceServers[1]?.username).not.toBe(burst[0]?.iceServers[1]?.username);
  });

  it('keeps the tokens of at most CACHED_CALLERS callers', async () => {
    const p = provider();
    for (let i = 0; i < CACHED_CALLERS + 1; i++) await p.issue({ uid: `c${i}`, ttlSeconds: 600 });
    expect(fake.requests).toHaveLength(CACHED_CALLERS + 1);
    // The first caller's token was dropped for the newest: asking again makes a request.
    await p.issue({ uid: 'c0', ttlSeconds: 600 });
    expect(fake.requests).toHaveLength(CACHED_CALLERS + 2);
    await p.issue({ uid: `c${CACHED_CALLERS}`, ttlSeconds: 600 });
    expect(fake.requests).toHaveLength(CACHED_CALLERS + 2);
  });

  it('takes a token Twilio granted for less than asked, reports its real expiry, and does not ask again in a loop', async () => {
    fake.maxTtl = 1800;
    const issued = await provider().issue({ uid: 'u1', ttlSeconds: 3600 });
    expect(fake.requests).toHaveLength(1);
    expect(issued.ttlSeconds).toBe(1800);
    expect(issued.expiresAtMs).toBe(clock.now() + 1800 * 1000);
  });

  it('maps a 401 (wrong key) to unavailable and logs Twilio’s code, never the secret', async () => {
    const wrongKey = { ...ACCOUNT, apiKeySecret: 'a-wrong-secret-also-never-logged' };
    const reason = await reasonOf(provider(wrongKey).issue({ uid: 'u1', ttlSeconds: 3600 }));
    expect(reason).toBe('turn_unavailable');
    expect(codeFor(reason)).toBe('unavailable');
    expect(logged).toEqual([{ message: expect.any(String), fields: expect.objectContaining({ status: 401, twilioCode: 20003 }) }]);
    const text = JSON.stringify(logged);
    expect(text).not.toContain(ACCOUNT.apiKeySecret);
    expect(text).not.toContain(wrongKey.apiKeySecret);
  });

  it('maps a 429 to resource-exhausted', async () => {
    fake.mode = 'too-many-requests';
    const reason = await reasonOf(provider().issue({ uid: 'u1', ttlSeconds: 3600 }));
    expect(reason).toBe('turn_rate_limited');
    expect(codeFor(reason)).toBe('resource-exhausted');
    expect(logged[0]?.fields).toMatchObject({ status: 429, twilioCode: 20429 });
  });

  it('maps a 500 to unavailable', async () => {
    fake.mode = 'server-error';
    const reason = await reasonOf(provider().issue({ uid: 'u1', ttlSeconds: 3600 }));
    expect(codeFor(reason)).toBe('unavailable');
    expect(logged[0]?.fields).toMatchObject({ status: 500, twilioCode: 20500 });
  });

  it('gives up on a request Twilio never answers, as unavailable, without logging the secret', async () => {
    fake.mode = 'hang';
    const reason = await reasonOf(provider().issue({ uid: 'u1', ttlSeconds: 3600 }));
    expect(codeFor(reason)).toBe('unavailable');
    expect(logged[0]?.fields).toMatchObject({ status: null, networkError: 'ECONNABORTED' });
    expect(JSON.stringify(logged)).not.toContain(ACCOUNT.apiKeySecret);
  });

  it('tries again after a failure instead of caching it', async () => {
    fake.mode = 'server-error';
    const p = provider();
    await reasonOf(p.issue({ uid: 'u1', ttlSeconds: 3600 }));
    fake.mode = 'success';
    await expect(p.issue({ uid: 'u1', ttlSeconds: 3600 })).resolves.toMatchObject({ iceServers: expect.any(Array) });
    expect(fake.requests).toHaveLength(2);
  });

  it('is not configured while any of its secrets is missing or marked unused, and asks Twilio nothing', async () => {
    for (const config of [{ ...ACCOUNT, apiKeySecret: '' }, { ...ACCOUNT, accountSid: 'unused' }]) {
      expect(await reasonOf(provider(config).issue({ uid: 'u1', ttlSeconds: 3600 }))).toBe('turn_not_configured');
    }
    expect(fake.requests).toHaveLength(0);
  });

  it('refuses an API base that is not a loopback origin, so a key can never be sent elsewhere', () => {
    expect(() => twilioProvider(ACCOUNT, clock, { apiBase: 'https://evil.example.com' })).toThrow(/loopback/);
  });
});
