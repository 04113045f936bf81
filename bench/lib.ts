// Shared pieces of `npm run bench`.
export interface Metric {
  value: number;
  unit: string;
  target: number;
  better: 'lower' | 'higher';
  /** How the figure was obtained (sample size, method), for the reader of the table. */
  note?: string;
}

export type Metrics = Record<string, Metric>;

export function percentile(values: number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  // Nearest-rank: the smallest value with at least p% of the sample at or below it.
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[rank - 1]!;
}

export const median = (values: number[]) => percentile(values, 50);

export function round(value: number, digits = 1): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

/** Runs async jobs with at most `limit` in flight. */
export async function pool<T, R>(items: T[], limit: number, job: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const workers = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await job(items[i]!, i);
    }
  });
  await Promise.all(workers);
  return results;
}

export function log(message: string): void {
  process.stderr.write(`[bench] ${message}\n`);
}
