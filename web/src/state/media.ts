// The device check: camera preview, microphone level and camera choice, with typed failures.
import { signal, type Signal } from '@preact/signals';
import { acquireMedia } from '../call/media';
import { CallError, type CallErrorReason } from '../call/errors';
import type { RememberedCall } from './rejoin';

export type Facing = 'user' | 'environment';

export interface MediaProblem {
  reason: CallErrorReason;
  /** The browser remembers a "block" for this site: the person must change a setting. */
  blocked: boolean;
}

async function permissionBlocked(): Promise<boolean> {
  try {
    const states = await Promise.all(
      (['camera', 'microphone'] as const).map((name) => navigator.permissions.query({ name: name as PermissionName })),
    );
    return states.some((s) => s.state === 'denied');
  } catch {
    return false;
  }
}

/** The microphone's level while the device check runs, 0 to 1, for the bar beside the preview. */
function levelMeter(level: Signal<number>) {
  let audio: AudioContext | null = null;
  let frame = 0;

  function stop() {
    cancelAnimationFrame(frame);
    void audio?.close().catch(() => undefined);
    audio = null;
    level.value = 0;
  }

  function start(s: MediaStream) {
    stop();
    if (!s.getAudioTracks().length || typeof AudioContext === 'undefined') return;
    audio = new AudioContext();
    const analyser = audio.createAnalyser();
    analyser.fftSize = 512;
    audio.createMediaStreamSource(s).connect(analyser);
    const samples = new Float32Array(analyser.fftSize);
    const tick = () => {
      analyser.getFloatTimeDomainData(samples);
      let sum = 0;
      for (const v of samples) sum += v * v;
      // RMS on a rough log scale, so speech fills most of the bar.
      const rms = Math.sqrt(sum / samples.length);
      level.value = Math.min(1, Math.max(0, (20 * Math.log10(rms + 1e-8) + 60) / 50));
      frame = requestAnimationFrame(tick);
    };
    void audio.resume().catch(() => undefined);
    tick();
  }

  return { start, stop };
}

export function createDeviceCheck() {
  const stream = signal<MediaStream | null>(null);
  const problem = signal<MediaProblem | null>(null);
  const busy = signal(false);
  const facing = signal<Facing>('user');
  const cameras = signal<Array<{ deviceId: string; label: string }>>([]);
  const cameraId = signal<string | null>(null);
  /** Microphone level, 0 to 1. */
  const level = signal(0);
  const meter = levelMeter(level);
  let disposed = false;
  function stopTracks() {
    stream.value?.getTracks().forEach((track) => track.stop());
    stream.value = null;
  }

  async function start(): Promise<void> {
    busy.value = true;
    problem.value = null;
    meter.stop();
    // Phones cannot open two cameras at once: release the current one first.
    stopTracks();
    try {
      const next = await acquireMedia(cameraId.value ? { deviceId: cameraId.value } : { facingMode: facing.value });
      stream.value = next;
      meter.start(next);
      const devices = await navigator.mediaDevices.enumerateDevices();
      cameras.value = devices
        .filter((d) => d.kind === 'videoinput')
        .map((d, i) => ({ deviceId: d.deviceId, label: d.label || `${i + 1}` }));
    } catch (err) {
      const reason = err instanceof CallError ? err.reason : 'no-device';
      problem.value = { reason, blocked: reason === 'permission-denied' && (await permissionBlocked()) };
    } finally {
      busy.value = false;
    }
  }

  return {
    stream,
    problem,
    busy,
    facing,
    cameras,
    cameraId,
    level,
    start,
    chooseFacing(next: Facing) {
      facing.value = next;
      cameraId.value = null;
      return start();
    },
    chooseCamera(deviceId: string) {
      cameraId.value = deviceId;
      return start();
    },
    /** A stream opened elsewhere (the devices reopened after a reload); false once disposed. */
    adopt(next: MediaStream): boolean {
      if (disposed) {
        next.getTracks().forEach((track) => track.stop());
        return false;
      }
      stopTracks();
      stream.value = next;
      return true;
    },
    /** Hands the stream over to the call, which stops its tracks when it ends; the meter stops. */
    release(): MediaStream | null {
      meter.stop();
      const s = stream.value;
      stream.value = null;
      return s;
    },
    dispose() {
      disposed = true;
      meter.stop();
      stopTracks();
    },
  };
}

export type DeviceCheck = ReturnType<typeof createDeviceCheck>;

/**
 * The same devices as before the reload, without asking where the browser still grants them.
 * A camera that is gone is replaced by one facing the same way; a refusal is thrown (CallError).
 */
export async function reopenDevices(memory: RememberedCall): Promise<MediaStream> {
  if (memory.videoDeviceId) {
    try {
      return await acquireMedia({ deviceId: memory.videoDeviceId });
    } catch (err) {
      if (err instanceof CallError && (err.reason === 'permission-denied' || err.reason === 'unsupported-browser')) throw err;
    }
  }
  return acquireMedia({ facingMode: memory.facing ?? 'user' });
}
