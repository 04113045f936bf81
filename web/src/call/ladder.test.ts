import { describe, expect, it } from 'vitest';
import { DEFAULT_LADDER, UplinkLadder, type UplinkStep } from './ladder';

/** Feeds one sample a second: [kbps, loss %] for `seconds`; returns the steps taken, one per second. */
function feed(ladder: UplinkLadder, clock: { t: number }, kbps: number | null, loss: number, seconds: number): UplinkStep[] {
  const steps: UplinkStep[] = [];
  for (let i = 0; i < seconds; i++) {
    clock.t += 1000;
    steps.push(ladder.next(kbps, loss, clock.t));
  }
  return steps;
}

/** A ladder past its warm-up on a good link. */
function settled() {
  const ladder = new UplinkLadder();
  const clock = { t: 0 };
  feed(ladder, clock, 2000, 0, DEFAULT_LADDER.warmupSamples + 1);
  return { ladder, clock };
}

describe('the uplink ladder', () => {
  it('follows the estimate as it climbs at the start of a call, and never pauses then', () => {
    const ladder = new UplinkLadder();
    const clock = { t: 0 };
    expect(feed(ladder, clock, 100, 0, 2)).toEqual(['low', 'low']);
    expect(feed(ladder, clock, 300, 0, 1)).toEqual(['reduced']);
    expect(feed(ladder, clock, 900, 0, 1)).toEqual(['full']);
  });

  it('at 400 kbps steps down to the reduced step after two samples and stays there, video on', () => {
    const { ladder, clock } = settled();
    expect(feed(ladder, clock, 400, 1, 30)).toEqual(['full', ...Array<UplinkStep>(29).fill('reduced')]);
  });

  it('at 120 kbps steps to low, then pauses the video; audio alone is left', () => {
    const { ladder, clock } = settled();
    const steps = feed(ladder, clock, 120, 2, 6);
    expect(steps).toEqual(['full', 'low', 'low', 'low', 'paused', 'paused']);
  });

  it('does not flap: a link hovering around a step’s need keeps the lower step', () => {
    const { ladder, clock } = settled();
    feed(ladder, clock, 400, 0, 3);
    const steps: UplinkStep[] = [];
    for (let i = 0; i < 40; i++) steps.push(...feed(ladder, clock, i % 2 ? 560 : 800, 0, 1));
    expect(new Set(steps)).toEqual(new Set(['reduced']));
    // Well above it for five seconds: back to full.
    expect(feed(ladder, clock, 900, 0, 5).at(-1)).toBe('full');
  });

  it('paused, tries the low step again after a while, backs off while the link stays thin, and resumes when it is back', () => {
    const { ladder, clock } = settled();
    feed(ladder, clock, 120, 2, 6);
    expect(ladder.step).toBe('paused');
    // Audio alone: the estimate stays low. The first try comes after 8 s …
    const first = feed(ladder, clock, 100, 0, 8);
    expect(first.at(-1)).toBe('low');
    // … and on a link that is still thin, the loss sends it back to paused at once.
    expect(feed(ladder, clock, 110, 25, 3).at(-1)).toBe('paused');
    // The next try waits twice as long.
    expect(feed(ladder, clock, 100, 0, 15)).not.toContain('low');
    expect(feed(ladder, clock, 100, 0, 1)).toEqual(['low']);
    // The cap is lifted: the estimate climbs with video and the call climbs with it.
    feed(ladder, clock, 180, 0, 6);
    expect(ladder.step).toBe('low');
    expect(feed(ladder, clock, 400, 0, 5).at(-1)).toBe('reduced');
    expect(feed(ladder, clock, 1000, 0, 5).at(-1)).toBe('full');
  });

  it('heavy loss caps the step whatever the estimate says', () => {
    const { ladder, clock } = settled();
    expect(feed(ladder, clock, 2000, 12, 2).at(-1)).toBe('low');
  });
});
