import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/** 32 random bytes, base64url without padding: 43 characters, carried in the link's fragment. */
export const INVITE_SECRET_BYTES = 32;
export const INVITE_SECRET_PATTERN = /^[A-Za-z0-9_-]{43}$/;

/**
 * A link works from scheduling until 12 hours after the consult's planned end: a late patient,
 * or a consult that runs over or restarts the same day, still gets in; a link found days later
 * does not.
 */
export const INVITE_GRACE_MS = 12 * 60 * 60 * 1000;

export function newInviteSecret(): string {
  return randomBytes(INVITE_SECRET_BYTES).toString('base64url');
}

/** hex SHA-256 of the secret as it appears in the link (its UTF-8 characters). */
export function hashInviteSecret(secret: string): string {
  return createHash('sha256').update(secret, 'utf8').digest('hex');
}

/** Compares a presented secret with the stored hash in time independent of where they differ. */
export function secretMatches(secret: string, storedHashHex: string): boolean {
  if (!/^[0-9a-f]{64}$/.test(storedHashHex)) return false;
  const presented = createHash('sha256').update(secret, 'utf8').digest();
  return timingSafeEqual(presented, Buffer.from(storedHashHex, 'hex'));
}

export function inviteExpiresAtMs(scheduledForMs: number, durationMinutes: number): number {
  return scheduledForMs + durationMinutes * 60_000 + INVITE_GRACE_MS;
}


export function inviteUrl(origin: string, consultId: string, secret: string): string {
  return `${origin.replace(/\/+$/, '')}/join/${consultId}#k=${secret}`;
}
