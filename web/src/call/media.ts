// Camera and microphone: acquisition with typed errors, camera switching and torch.
import { CallError } from './errors';

export interface MediaRequest {
  facingMode?: 'user' | 'environment';
  deviceId?: string;
  audio?: boolean;
}

export function videoConstraints(req: MediaRequest = {}): MediaTrackConstraints {
  const base: MediaTrackConstraints = { width: { ideal: 1280 }, height: { ideal: 720 }, frameRate: { ideal: 30, max: 30 } };
  if (req.deviceId) return { ...base, deviceId: { exact: req.deviceId } };
  if (req.facingMode) return { ...base, facingMode: { ideal: req.facingMode } };
  return base;
}

/** Camera and microphone for a call; throws a CallError the UI can explain. */
export async function acquireMedia(req: MediaRequest = {}): Promise<MediaStream> {
  if (typeof navigator === 'undefined' || !navigator.mediaDevices?.getUserMedia) {
    throw CallError.unsupported('camera access (getUserMedia); it needs HTTPS and a current browser');
  }
  if (typeof RTCPeerConnection === 'undefined') throw CallError.unsupported('WebRTC (RTCPeerConnection)');
  try {
    return await navigator.mediaDevices.getUserMedia({
      audio: req.audio === false ? false : { echoCancellation: true, noiseSuppression: true, autoGainControl: true },
      video: videoConstraints(req),
    });
  } catch (error) {
    throw CallError.fromMediaError(error);
  }
}

/** A new camera track. The old one is stopped first: many phones cannot open two cameras at once. */
export async function acquireCamera(req: MediaRequest, old: MediaStreamTrack | null): Promise<MediaStreamTrack> {
  old?.stop();
  try {
    const stream = await navigator.mediaDevices.getUserMedia({ audio: false, video: videoConstraints(req) });
    const track = stream.getVideoTracks()[0];
    if (!track) throw new CallError('no-device', 'No camera answered.');
    return track;
  } catch (error) {
    throw error instanceof CallError ? error : CallError.fromMediaError(error);
  }
}

export function facingOf(track: MediaStreamTrack | null | undefined): 'user' | 'environment' | null {
  const facing = track?.getSettings?.().facingMode;
  return facing === 'user' || facing === 'environment' ? facing : null;
}

export function torchSupported(track: MediaStreamTrack | null | undefined): boolean {
  if (!track || typeof track.getCapabilities !== 'function') return false;
  return (track.getCapabilities() as MediaTrackCapabilities & { torch?: boolean }).torch === true;
}

export async function applyTorch(track: MediaStreamTrack, on: boolean): Promise<void> {
  await track.applyConstraints({ advanced: [{ torch: on } as MediaTrackConstraintSet] });
}
