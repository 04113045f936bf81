import { createHash } from 'node:crypto';
import { Timestamp, type DocumentReference, type Firestore, type Transaction } from 'firebase-admin/firestore';

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
