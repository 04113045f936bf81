import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  INVITE_GRACE_MS,
  INVITE_SECRET_PATTERN,
  hashInviteSecret,
  inviteExpiresAtMs,
  inviteUrl,
  newInviteSecret,
  secretMatches,
} from '../../src/consults/invite';

describe('invite secrets', () => {
  it('are 32 random bytes in base64url, different every time', () => {
    const a = newInviteSecret();
    const b = newInviteSecret();
    expect(a).toMatch(INVITE_SECRET_PATTERN);
    expect(Buffer.from(a, 'base64url')).toHaveLength(32);
    expect(a).not.toBe(b);
  });

  it('are stored as the hex SHA-256 of the characters in the link', () => {
    const secret = newInviteSecret();
    expect(hashInviteSecret(secret)).toBe(createHash('sha256').update(secret).digest('hex'));
    expect(hashInviteSecret(secret)).toMatch(/^[0-9a-f]{64}$/);
  });

  it('match their own hash and nothing else', () => {
    const secret = newInviteSecret();
    const hash = hashInviteSecret(secret);
    expect(secretMatches(secret, hash)).toBe(true);
    expect(secretMatches(newInviteSecret(), hash)).toBe(false);
    const oneCharOff = `${secret.slice(0, -1)}${secret.endsWith('A') ? 'B' : 'A'}`;
    expect(secretMatches(oneCharOff, hash)).toBe(false);
  });

  it('never match a stored hash that is not 64 hex characters (instead of throwing on a length mismatch)', () => {
    const secret = newInviteSecret();
    expect(secretMatches(secret, '')).toBe(false);
    expect(secretMatches(secret, hashInviteSecret(secret).slice(2))).toBe(false);
    expect(secretMatches(secret, hashInviteSecret(secret).toUpperCase())).toBe(false);
  });
});

describe('invite expiry', () => {
  it('is twelve hours after the consult’s planned end', () => {
    const start = Date.parse('2026-11-25T14:30:00-03:00');
    expect(inviteExpiresAtMs(start, 30)).toBe(start + 30 * 60_000 + INVITE_GRACE_MS);
    expect(new Date(inviteExpiresAtMs(start, 30)).toISOString()).toBe('2026-11-26T06:00:00.000Z');
  });
});

describe('invite links', () => {
  it('carry the secret in the fragment, never in the path or query', () => {
    const url = new URL(inviteUrl('https://tele.example.org/', 'AbCdEfGhIjKlMnOpQrSt', 'k'.repeat(43)));
    expect(url.pathname).toBe('/join/AbCdEfGhIjKlMnOpQrSt');
    expect(url.search).toBe('');
    expect(url.hash).toBe(`#k=${'k'.repeat(43)}`);
  });
});
