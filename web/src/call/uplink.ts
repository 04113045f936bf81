// Our own video for the uplink we have: a half-size start, then the step of the ladder
// (ladder.ts) that getStats' outgoing estimate and the loss allow, down to audio alone.
import { STEP_PROFILES, UplinkLadder, type UplinkStep } from './ladder';
import { writable, type Observable } from './state';
import type { StatsSample } from './stats';

export interface Uplink {
  /**
   * Video starts at half resolution: at the first bandwidth estimate a 720p keyframe would have the
   * encoder drop its first frames (and the pacer spread the rest), which is most of the wait for a
   * first picture. `adapt` climbs to full resolution as soon as the estimate allows.
   */
  startLow(pc: RTCPeerConnection): void;
  adapt(pc: RTCPeerConnection, sample: StatsSample, lossPct: number | null): Promise<void>;
  /** Our video is paused because the uplink cannot carry it; the audio goes on. */
  paused: Observable<boolean>;
  /** The step applied now. */
  step: Observable<UplinkStep>;
}

const videoSender = (pc: RTCPeerConnection) => pc.getSenders().find((s) => s.track?.kind === 'video');

export function createUplink(trace: (event: string, detail?: Record<string, unknown>) => void, now: () => number = Date.now): Uplink {
  /** The step applied to the current connection ('' for none yet). */
  let applied = '';
  const ladder = new UplinkLadder();
  const paused = writable(false);
  const step = writable<UplinkStep>('full');
  return {
    paused,
    step,
    startLow(pc) {
      applied = '';
      ladder.reset();
      paused.set(false);
      const sender = videoSender(pc);
      const params = sender?.getParameters();
      if (!sender || !params?.encodings?.length) {
        trace('start-low', { applied: false });
        return;
      }
      for (const enc of params.encodings) enc.scaleResolutionDownBy = 2;
      applied = 'start';
      sender.setParameters(params).then(
        () => trace('start-low', { applied: true }),
        (e: unknown) => trace('start-low', { applied: false, error: String(e) }),
      );
    },
    async adapt(pc, sample, lossPct) {
      const sender = videoSender(pc);
      if (!sender) return;
      const next = ladder.next(sample.availableOutgoingKbps, lossPct, now());
      if (next === applied) return;
      const profile = STEP_PROFILES[next];
      const params = sender.getParameters();
      if (!params.encodings?.length) return;
      for (const enc of params.encodings) {
        enc.active = profile.active;
        enc.scaleResolutionDownBy = profile.scaleDown;
        if (profile.maxBitrateKbps) enc.maxBitrate = profile.maxBitrateKbps * 1000;
        else delete enc.maxBitrate;
      }
      await sender.setParameters(params);
      applied = next;
      trace('uplink', { step: next, kbps: sample.availableOutgoingKbps, lossPct });
      step.set(next);
      paused.set(next === 'paused');
    },
  };
}
