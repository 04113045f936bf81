// Our own video for the uplink we have: a half-size start, then the resolution and bitrate that
// getStats' outgoing estimate and the loss allow.
import { uplinkProfile, type StatsSample } from './stats';

export interface Uplink {
  /**
   * Video starts at half resolution: at the first bandwidth estimate a 720p keyframe would have the
   * encoder drop its first frames (and the pacer spread the rest), which is most of the wait for a
   * first picture. `adapt` climbs to full resolution as soon as the estimate allows.
   */
  startLow(pc: RTCPeerConnection): void;
  adapt(pc: RTCPeerConnection, sample: StatsSample, lossPct: number | null): Promise<void>;
}

const videoSender = (pc: RTCPeerConnection) => pc.getSenders().find((s) => s.track?.kind === 'video');

export function createUplink(trace: (event: string, detail?: Record<string, unknown>) => void): Uplink {
  /** The profile applied to the current connection ('' for none yet). */
  let applied = '';
  return {
    startLow(pc) {
      applied = '';
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
      const profile = uplinkProfile(sample, lossPct);
      const key = profile ? `${profile.maxBitrateKbps}/${profile.scaleDown}` : 'none';
      if (key === applied) return;
      const params = sender.getParameters();
      if (!params.encodings?.length) return;
      for (const enc of params.encodings) {
        if (profile) {
          enc.maxBitrate = profile.maxBitrateKbps * 1000;
          enc.scaleResolutionDownBy = profile.scaleDown;
        } else {
          delete enc.maxBitrate;
          enc.scaleResolutionDownBy = 1;
        }
      }
      await sender.setParameters(params);
      applied = key;
    },
  };
}
