import { describe, expect, it } from 'vitest';
import { mediaStalled, qualityLevel, readSample, toSnapshot } from './stats';

// A Chromium report reduced to what the engine reads.
const report = (bytes: number, received: number, lost: number, frames: number) => [
  { id: 'T01', type: 'transport', selectedCandidatePairId: 'CP1' },
  { id: 'CP1', type: 'candidate-pair', localCandidateId: 'L1', remoteCandidateId: 'R1', currentRoundTripTime: 0.042, availableOutgoingBitrate: 1_500_000, nominated: true, state: 'succeeded' },
  { id: 'CP2', type: 'candidate-pair', localCandidateId: 'L2', currentRoundTripTime: 0.9, state: 'failed' },
  { id: 'L1', type: 'local-candidate', candidateType: 'relay' },
  { id: 'L2', type: 'local-candidate', candidateType: 'host' },
  { id: 'IV', type: 'inbound-rtp', kind: 'video', bytesReceived: bytes, packetsReceived: received, packetsLost: lost, framesDecoded: frames, jitter: 0.012 },
  { id: 'IA', type: 'inbound-rtp', kind: 'audio', bytesReceived: 1000, packetsReceived: 50, packetsLost: 0, jitter: 0.003 },
];

describe('call quality from getStats', () => {
  it('reads the selected pair: round trip, candidate type through TURN, uplink estimate', () => {
    const s = readSample(report(10_000, 100, 0, 30), 1000);
    expect(s.rttMs).toBe(42);
    expect(s.candidateType).toBe('relay');
    expect(s.availableOutgoingKbps).toBe(1500);
    expect(s.framesDecoded).toBe(30);
    expect(s.jitterMs).toBe(12);
    expect(s.bytesReceived).toBe(11_000);
    // No receiver report yet: the loss of what we send is not known.
    expect(s.outboundLossPct).toBeNull();
  });

  it('reads the loss of the video we send from the other side’s receiver report, apart from the loss of what we receive', () => {
    const s = readSample([...report(10_000, 100, 5, 30), { id: 'RV', type: 'remote-inbound-rtp', kind: 'video', fractionLost: 0.125 }, { id: 'RA', type: 'remote-inbound-rtp', kind: 'audio', fractionLost: 0.5 }], 1000);
    expect(s.outboundLossPct).toBe(12.5);
    expect(s.packetsLost).toBe(5);
  });

  it('computes bitrate and loss over the interval between two samples', () => {
    const a = readSample(report(10_000, 100, 0, 30), 1000);
    const b = readSample(report(135_000, 190, 10, 60), 2000);
    const q = toSnapshot(a, b, 180);
    expect(q.bitrateKbps).toBe(1000);
    expect(q.packetLossPct).toBe(10);
    expect(q.connectMs).toBe(180);
    expect(q.level).toBe('poor');
  });

  it('without a previous sample there is no rate yet, and no pair means unknown quality', () => {
    const q = toSnapshot(null, readSample([], 0), null);
    expect(q).toMatchObject({ bitrateKbps: null, packetLossPct: null, candidateType: null, level: 'unknown' });
  });

  it('grades quality by loss, round trip and jitter', () => {
    expect(qualityLevel({ rttMs: 40, packetLossPct: 0, jitterMs: 5 })).toBe('good');
    expect(qualityLevel({ rttMs: 190, packetLossPct: 0, jitterMs: 5 })).toBe('good');
    expect(qualityLevel({ rttMs: 200, packetLossPct: 0, jitterMs: 5 })).toBe('fair');
    expect(qualityLevel({ rttMs: 40, packetLossPct: 0, jitterMs: 30 })).toBe('fair');
    expect(qualityLevel({ rttMs: 40, packetLossPct: 3, jitterMs: 5 })).toBe('fair');
    expect(qualityLevel({ rttMs: 700, packetLossPct: 0, jitterMs: 5 })).toBe('poor');
  });

  it('notices media that stopped arriving, but not media that never started', () => {
    const a = readSample(report(10_000, 100, 0, 30), 1000);
    expect(mediaStalled(a, readSample(report(10_000, 100, 0, 30), 2000))).toBe(true);
    expect(mediaStalled(a, readSample(report(12_000, 110, 0, 33), 2000))).toBe(false);
    expect(mediaStalled(readSample([], 0), readSample([], 1000))).toBe(false);
  });
});
