import { useSignal } from '@preact/signals';
import { useEffect } from 'preact/hooks';

/** Whole minutes since `since` (ms or a Date), refreshed every 15 s while shown; null without a start. */
export function useMinutesSince(since: Date | number | null | undefined): number | null {
  const now = useSignal(Date.now());
  useEffect(() => {
    const timer = setInterval(() => (now.value = Date.now()), 15_000);
    return () => clearInterval(timer);
  }, []);
  if (since === null || since === undefined) return null;
  const start = typeof since === 'number' ? since : since.getTime();
  return Math.max(0, Math.floor((now.value - start) / 60_000));
}
