// Call quality from getStats(): pure functions over the stats objects, tested on literal reports.

export type CandidateType = 'host' | 'srflx' | 'prflx' | 'relay';

export interface QualitySnapshot {
  rttMs: number | null;
  jitterMs: number | null;
  packetLossPct: number | null;
  /** Received media bitrate (audio + video) over the last interval. */
  bitrateKbps: number | null;
  framesDecoded: number | null;
  /** Local candidate type of the selected pair: 'relay' means through TURN. */
  candidateType: CandidateType | null;
  /** From start() (or the remote's arrival) to the first connection. */
  connectMs: number | null;
  level: 'good' | 'fair' | 'poor' | 'unknown';
}

/** The counters read from one getStats() report. */
export interface StatsSample {
  atMs: number;
  bytesReceived: number;
  packetsReceived: number;
  packetsLost: number;
  framesDecoded: number | null;
  jitterMs: number | null;
  rttMs: number | null;
  candidateType: CandidateType | null;
  /** The sender-side estimate of the uplink, for adapting our own video. */
  availableOutgoingKbps: number | null;
  /** The loss of the video we send, as the other side's last receiver report says (%). */
  outboundLossPct: number | null;
}

type Stat = { type?: unknown; id?: unknown; [key: string]: unknown };
const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);

export function readSample(report: Iterable<Stat>, atMs: number): StatsSample {
  const all = [...report];
  const byId = new Map(all.map((s) => [String(s.id), s]));
  let pair: Stat | undefined;
  for (const s of all) {
    if (s.type === 'transport' && typeof s.selectedCandidatePairId === 'string') pair = byId.get(s.selectedCandidatePairId);
  }
  pair ??= all.find((s) => s.type === 'candidate-pair' && s.nominated === true && s.state === 'succeeded');
  const local = pair ? byId.get(String(pair.localCandidateId)) : undefined;
  const type = local?.candidateType;

  const sample: StatsSample = {
    atMs,
    bytesReceived: 0,
    packetsReceived: 0,
    packetsLost: 0,
    framesDecoded: null,
    jitterMs: null,
    rttMs: num(pair?.currentRoundTripTime) === null ? null : Math.round(num(pair?.currentRoundTripTime)! * 1000),
    candidateType: type === 'host' || type === 'srflx' || type === 'prflx' || type === 'relay' ? type : null,
    availableOutgoingKbps: num(pair?.availableOutgoingBitrate) === null ? null : Math.round(num(pair?.availableOutgoingBitrate)! / 1000),
    outboundLossPct: null,
  };
  for (const s of all) {
    const fraction = num(s.fractionLost);
    if (s.type === 'remote-inbound-rtp' && s.kind === 'video' && fraction !== null) sample.outboundLossPct = round1(Math.min(1, Math.max(0, fraction)) * 100);
  }
  for (const s of all) {
    if (s.type !== 'inbound-rtp') continue;
    sample.bytesReceived += num(s.bytesReceived) ?? 0;
    sample.packetsReceived += num(s.packetsReceived) ?? 0;
    sample.packetsLost += Math.max(0, num(s.packetsLost) ?? 0);
    const jitter = num(s.jitter);
    if (s.kind === 'video') {
      sample.framesDecoded = num(s.framesDecoded);
      if (jitter !== null) sample.jitterMs = Math.round(jitter * 1000);
    } else if (jitter !== null && sample.jitterMs === null) {
      sample.jitterMs = Math.round(jitter * 1000);
    }
  }
  return sample;
}

export function toSnapshot(previous: StatsSample | null, current: StatsSample, connectMs: number | null): QualitySnapshot {
  let packetLossPct: number | null = null;
  let bitrateKbps: number | null = null;
  if (previous && current.atMs > previous.atMs) {
    const received = current.packetsReceived - previous.packetsReceived;
    const lost = current.packetsLost - previous.packetsLost;
    packetLossPct = received + lost > 0 ? round1((100 * Math.max(0, lost)) / (received + lost)) : null;
    bitrateKbps = Math.max(0, Math.round(((current.bytesReceived - previous.bytesReceived) * 8) / (current.atMs - previous.atMs)));
  }
  const snapshot: QualitySnapshot = {
    rttMs: current.rttMs,
    jitterMs: current.jitterMs,
    packetLossPct,
    bitrateKbps,
    framesDecoded: current.framesDecoded,
    candidateType: current.candidateType,
    connectMs,
    level: 'unknown',
  };
  snapshot.level = qualityLevel(snapshot);
  return snapshot;
}

export function qualityLevel(q: Pick<QualitySnapshot, 'rttMs' | 'packetLossPct' | 'jitterMs'>): QualitySnapshot['level'] {
  if (q.rttMs === null && q.packetLossPct === null) return 'unknown';
  const rtt = q.rttMs ?? 0;
  const loss = q.packetLossPct ?? 0;
  const jitter = q.jitterMs ?? 0;
  if (loss >= 8 || rtt >= 600 || jitter >= 100) return 'poor';
  // 200 ms of round trip is where people start talking over each other (ITU-T G.114 puts highly
  // interactive tasks under 100 ms each way); 30 ms of jitter is where the receiver's buffer grows.
  if (loss >= 2 || rtt >= 200 || jitter >= 30) return 'fair';
  return 'good';
}

/** True when media that was flowing stopped arriving between two samples. */
export function mediaStalled(previous: StatsSample | null, current: StatsSample): boolean {
  return previous !== null && previous.bytesReceived > 0 && current.bytesReceived <= previous.bytesReceived;
}

const round1 = (n: number) => Math.round(n * 10) / 10;
