// How much of our video the uplink can carry, one step at a time: full, reduced (half size,
// 450 kbps), low (quarter size, 200 kbps), and paused (audio only) when even that would starve
// the voice. A pure policy fed one stats sample a second; hysteresis so that it does not flap.

export type UplinkStep = 'full' | 'reduced' | 'low' | 'paused';

export interface StepProfile {
  /** undefined: no cap. */
  maxBitrateKbps?: number;
  scaleDown: number;
  active: boolean;
}

export const STEP_PROFILES: Record<UplinkStep, StepProfile> = {
  full: { scaleDown: 1, active: true },
  reduced: { maxBitrateKbps: 450, scaleDown: 2, active: true },
  low: { maxBitrateKbps: 200, scaleDown: 4, active: true },
  paused: { scaleDown: 4, active: false },
};

const ORDER: UplinkStep[] = ['paused', 'low', 'reduced', 'full'];
/** The outgoing estimate (kbps) each step needs; below the low step's, video would starve the audio. */
const NEEDS: Record<UplinkStep, number> = { paused: 0, low: 150, reduced: 250, full: 600 };

export interface LadderTiming {
  /** Samples taken as they come at the start of a connection (the estimate is still climbing). */
  warmupSamples: number;
  /** Consecutive samples below a step's need before stepping down. */
  downAfter: number;
  /** Consecutive samples below the low step's need before pausing video. */
  pauseAfter: number;
  /** Consecutive samples with 25 % to spare above the next step's need before stepping up. */
  upAfter: number;
  /**
   * Paused, our estimate says little (audio alone does not probe the link): after this long the
   * low step is tried again, and each try that falls back doubles the wait, up to probeMaxMs.
   */
  probeAfterMs: number;
  probeMaxMs: number;
  /** A try out of a pause is not paused again on its estimate alone for this long. */
  probeGraceMs: number;
}

export const DEFAULT_LADDER: LadderTiming = {
  warmupSamples: 10,
  downAfter: 2,
  pauseAfter: 3,
  upAfter: 5,
  probeAfterMs: 8000,
  probeMaxMs: 60_000,
  probeGraceMs: 6000,
};

const rank = (s: UplinkStep) => ORDER.indexOf(s);

/** The highest step the estimate and the loss allow. */
function allowed(kbps: number, lossPct: number): UplinkStep {
  let step: UplinkStep = 'paused';
  for (const s of ORDER) if (kbps >= NEEDS[s]) step = s;
  if (lossPct >= 10 && rank(step) > rank('low')) step = 'low';
  else if (lossPct >= 4 && rank(step) > rank('reduced')) step = 'reduced';
  return step;
}

export class UplinkLadder {
  step: UplinkStep = 'full';
  private samples = 0;
  private below = 0;
  private above = 0;
  private pausedAt = 0;
  private probeWait: number;
  /** When the current try out of a pause began (null: not trying). */
  private probingSince: number | null = null;

  constructor(private readonly timing: LadderTiming = DEFAULT_LADDER) {
    this.probeWait = timing.probeAfterMs;
  }

  /** A new connection: its estimate starts over. */
  reset(): void {
    this.step = 'full';
    this.samples = this.below = this.above = 0;
    this.probingSince = null;
    this.probeWait = this.timing.probeAfterMs;
  }

  /** One sample (the outgoing estimate, the loss we see); returns the step to apply. */
  next(kbps: number | null, lossPct: number | null, nowMs: number): UplinkStep {
    this.samples++;
    const loss = lossPct ?? 0;
    if (this.step === 'paused') return this.whilePaused(kbps, loss, nowMs);
    if (kbps === null) return this.step;
    const target = allowed(kbps, loss);
    if (this.samples <= this.timing.warmupSamples) {
      // As the estimate climbs at the start: follow it, but never pause on it.
      this.step = target === 'paused' ? 'low' : target;
      return this.step;
    }
    if (rank(target) < rank(this.step)) {
      this.above = 0;
      this.below++;
      const pausing = target === 'paused';
      // A try out of a pause starts from the low estimate audio alone left: it has a few seconds
      // to climb, unless the loss already says the link cannot carry it.
      const trying = this.probingSince !== null && nowMs - this.probingSince < this.timing.probeGraceMs && loss < 10;
      // Pausing is the last step down: from above, the low step first, as for any other.
      const pauseNow = pausing && this.step === 'low';
      if (pausing && trying) this.below = 0;
      else if (this.below >= (pauseNow ? this.timing.pauseAfter : this.timing.downAfter)) {
        this.below = 0;
        if (pausing && this.step !== 'low') this.step = 'low';
        else if (pausing) this.pause(nowMs);
        else this.step = target;
      }
    } else {
      this.below = 0;
      const up = ORDER[rank(this.step) + 1];
      if (up && kbps >= NEEDS[up] * 1.25 && rank(target) >= rank(up)) {
        if (++this.above >= this.timing.upAfter) {
          this.above = 0;
          this.step = up;
        }
      } else {
        this.above = 0;
      }
    }
    if (this.probingSince !== null && this.step !== 'paused' && nowMs - this.probingSince >= 2 * this.timing.probeAfterMs) {
      // The try held: the next pause starts from the shortest wait again.
      this.probingSince = null;
      this.probeWait = this.timing.probeAfterMs;
    }
    return this.step;
  }

  private pause(nowMs: number): void {
    if (this.probingSince !== null) {
      // A try that fell back: wait longer before the next.
      this.probeWait = Math.min(this.probeWait * 2, this.timing.probeMaxMs);
      this.probingSince = null;
    }
    this.step = 'paused';
    this.pausedAt = nowMs;
  }

  private whilePaused(kbps: number | null, loss: number, nowMs: number): UplinkStep {
    const roomy = kbps !== null && kbps >= NEEDS.reduced && loss < 4;
    if (roomy || (nowMs - this.pausedAt >= this.probeWait && loss < 10)) {
      this.step = 'low';
      this.probingSince = nowMs;
      this.below = this.above = 0;
    }
    return this.step;
  }
}
