import { createHash } from 'node:crypto';
import { FieldValue, Timestamp, type DocumentReference, type Firestore, type Transaction } from 'firebase-admin/firestore';

/**
 * Fixed-window counters in `rateLimits/{name}_{hash(key)}` (functions only; clients are denied
 * by the rules' default). Each document carries `expiresAt` for a Firestore TTL policy.
 */
export interface RateLimit {
  /** Short id, part of the document id: [a-z0-9-]. */
  name: string;
  max: number;
  windowMs: number;
}

export interface RateLimitDoc {
  count: number;
  windowStartMs: number;
  expiresAt: Timestamp;
}

export interface WindowState {
  count: number;
  windowStartMs: number;
  /** True when no more hits are allowed in this window. */
  exhausted: boolean;
  /** Milliseconds until the window starts over. */
  retryAfterMs: number;
}

/** Failed invite redemptions per signed-in user, across consults. */
export const REDEEM_FAILURES_PER_USER: RateLimit = { name: 'redeem-failures', max: 20, windowMs: 60 * 60 * 1000 };

/**
 * Failed invite redemptions per client address prefix (/24, /48), across users and consults: what
 * fresh anonymous accounts from one network can try. High, because a carrier's NAT puts many
 * people behind one prefix; it only ever refuses wrong secrets.
 */
export const REDEEM_FAILURES_PER_PREFIX: RateLimit = { name: 'redeem-failures-ip', max: 200, windowMs: 60 * 60 * 1000 };

/** The bound patient opening the link again (a reload, a second tab): plenty for a person, not for a loop. */
export const REOPENS_PER_USER: RateLimit = { name: 'invite-reopens', max: 30, windowMs: 10 * 60 * 1000 };

export function rateLimitRef(db: Firestore, limit: RateLimit, key: string): DocumentReference {
  const digest = createHash('sha256').update(key, 'utf8').digest('hex').slice(0, 40);
  return db.collection('rateLimits').doc(`${limit.name}_${digest}`);
}

/** Where a counter stands at `nowMs`; a window that has passed counts as empty. Pure. */
export function windowState(doc: Partial<RateLimitDoc> | undefined, limit: RateLimit, nowMs: number): WindowState {
  const start = typeof doc?.windowStartMs === 'number' ? doc.windowStartMs : null;
  const count = typeof doc?.count === 'number' ? doc.count : 0;
  if (start === null || nowMs >= start + limit.windowMs || nowMs < start) {
    return { count: 0, windowStartMs: nowMs, exhausted: false, retryAfterMs: 0 };
  }
  return { count, windowStartMs: start, exhausted: count >= limit.max, retryAfterMs: start + limit.windowMs - nowMs };
}

/** Counts one hit in the transaction, from the state (windowState) read in that transaction. */
export function recordHit(tx: Transaction, ref: DocumentReference, limit: RateLimit, state: WindowState): void {
  const doc: RateLimitDoc = {
    count: state.count + 1,
    windowStartMs: state.windowStartMs,
    expiresAt: Timestamp.fromMillis(state.windowStartMs + limit.windowMs),
  };
  tx.set(ref, doc);
}

/**
 * Counts one hit without a transaction, for a limit a flood must not turn into contention (a
 * transaction per hit on one document times out under hundreds at once): the count is read, then
 * incremented atomically, so hits that arrive together all pass before it bites (a burst is
 * answered; a person or a loop reopening one after another is stopped at the limit).
 * Returns the state before this hit; nothing is counted once exhausted.
 */
export async function hitLoosely(ref: DocumentReference, limit: RateLimit, nowMs: number): Promise<WindowState> {
  const state = windowState((await ref.get()).data() as Partial<RateLimitDoc> | undefined, limit, nowMs);
  if (state.exhausted) return state;
  if (state.count === 0) {
    const doc: RateLimitDoc = { count: 1, windowStartMs: state.windowStartMs, expiresAt: Timestamp.fromMillis(state.windowStartMs + limit.windowMs) };
    await ref.set(doc);
  } else {
    await ref.update({ count: FieldValue.increment(1) });
  }
  return state;
}
