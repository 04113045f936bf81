// Transient failures of a callable that is safe to repeat are retried with backoff and jitter
// before anyone is told: a cold instance, a redeploy, a moment without network.

/** Waits between attempts, before jitter: about 9 s in all, then the error is shown. */
export const RETRY_DELAYS_MS: readonly number[] = [300, 700, 1500, 2500, 4000];

/** Failures where the server may not have run the call, or ran it and the answer was lost. */
const TRANSIENT = new Set(['functions/unavailable', 'functions/deadline-exceeded', 'functions/internal', 'functions/resource-exhausted']);

/**
 * `internal` without details is what the SDK reports when no answer came at all (a refused
 * connection, a reset). `resource-exhausted` with one of our reasons is a rate limit that a retry
 * would only make worse; without a reason it is the platform's own (a cold start's queue).
 */
export function isTransient(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const { code, details } = error as { code?: unknown; details?: unknown };
  if (typeof code !== 'string' || !TRANSIENT.has(code)) return false;
  const reason = typeof details === 'object' && details !== null ? (details as { reason?: unknown }).reason : undefined;
  if (code === 'functions/internal') return details === undefined;
  return reason === undefined || reason === 'turn_unavailable';
}

export interface RetryOptions {
  delaysMs?: readonly number[];
  /** Each attempt that failed and will be retried (1 for the first): for a "trying again" notice. */
  onRetry?: (attempt: number, error: unknown) => void;
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
}

const realSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Runs `attempt` until it succeeds, fails for good, or the delays run out (the last error is thrown). */
export async function withRetry<T>(attempt: () => Promise<T>, opts: RetryOptions = {}): Promise<T> {
  const delays = opts.delaysMs ?? RETRY_DELAYS_MS;
  const sleep = opts.sleep ?? realSleep;
  const random = opts.random ?? Math.random;
  for (let failures = 0; ; failures++) {
    try {
      return await attempt();
    } catch (error) {
      const delay = delays[failures];
      if (delay === undefined || !isTransient(error)) throw error;
      opts.onRetry?.(failures + 1, error);
      // "Equal jitter": half the delay fixed, half random, so that callers spread out.
      await sleep(delay / 2 + random() * (delay / 2));
    }
  }
}
