// The call's quality from getStats, once a second: the snapshot the screen shows, whether media
// stalled (for recovery), and the compact summary written to the consult's stats document.
import type { Clock } from './clock';
import { mediaStalled, readSample, toSnapshot, type QualitySnapshot, type StatsSample } from './stats';
import { writable, type Observable } from './state';
import type { CallStatsSummary } from './types';

export interface QualityReading {
  sample: StatsSample;
  /** The connection calls itself connected, and received bytes stopped growing since the last sample. */
  connected: boolean;
  stalled: boolean;
}

export interface QualityMonitor {
  quality: Observable<QualitySnapshot | null>;
  /** From start() (or the other side's arrival, if later) to the first connection; null before. */
  readonly connectMs: number | null;
  connectedNow(sinceMs: number): void;
  /** A new connection: its counters start from zero. */
  reset(): void;
  read(pc: RTCPeerConnection): Promise<QualityReading>;
  /** Whether a periodic summary is due now (and counts it as written). */
  summaryDue(intervalMs: number): boolean;
  summary(final: boolean, iceRestarts: number): CallStatsSummary;
}

export function createQualityMonitor(clock: Clock): QualityMonitor {
  const quality = writable<QualitySnapshot | null>(null);
  let connectMs: number | null = null;
  let last: StatsSample | null = null;
  let lastSummaryAt = 0;

  return {
    quality,
    get connectMs() {
      return connectMs;
    },
    connectedNow(sinceMs) {
      if (connectMs === null) connectMs = clock.now() - sinceMs;
    },
    reset() {
      last = null;
    },
    async read(pc) {
      const report = await pc.getStats();
      const sample = readSample(report.values() as Iterable<Record<string, unknown>>, clock.now());
      quality.set(toSnapshot(last, sample, connectMs));
      const connected = pc.connectionState === 'connected';
      const stalled = connected && mediaStalled(last, sample);
      last = sample;
      return { sample, connected, stalled };
    },
    summaryDue(intervalMs) {
      if (connectMs === null || clock.now() - lastSummaryAt < intervalMs) return false;
      lastSummaryAt = clock.now();
      return true;
    },
    summary(final, iceRestarts) {
      const q = quality.get();
      return {
        connectMs,
        candidateType: q?.candidateType ?? null,
        rttMs: q?.rttMs ?? null,
        jitterMs: q?.jitterMs ?? null,
        packetLossPct: q?.packetLossPct ?? null,
        bitrateKbps: q?.bitrateKbps ?? null,
        framesDecoded: q?.framesDecoded ?? null,
        iceRestarts,
        final,
      };
    },
  };
}
