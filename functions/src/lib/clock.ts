/** The one source of time. Domain functions take a Clock so tests of expiry need no sleeps. */
export interface Clock {
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };

export function fixedClock(ms: number): Clock & { advance(by: number): void } {
  let t = ms;
  return { now: () => t, advance: (by) => { t += by; } };
}
