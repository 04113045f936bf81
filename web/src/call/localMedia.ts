// Our own camera and microphone during a call: mute, camera off, front/rear, torch, and the one
// place their tracks are stopped.
import { CallError } from './errors';
import { acquireCamera, applyTorch, facingOf, torchSupported, type MediaRequest } from './media';
import { writable, type Observable } from './state';

export interface LocalMedia {
  readonly stream: MediaStream;
  micEnabled: Observable<boolean>;
  cameraEnabled: Observable<boolean>;
  facing: Observable<'user' | 'environment'>;
  torchAvailable: Observable<boolean>;
  torchOn: Observable<boolean>;
  setMicEnabled(on: boolean): void;
  setCameraEnabled(on: boolean): void;
  /**
   * Another camera (the other facing by default), sent without renegotiation. If it cannot be
   * opened, the previous camera is opened again and the failure is thrown as a CallError.
   */
  switchCamera(sender: RTCRtpSender | null, to?: MediaRequest): Promise<void>;
  setTorch(on: boolean): Promise<void>;
  /** Stops every track: the call is over. */
  stop(): void;
}

export function createLocalMedia(stream: MediaStream): LocalMedia {
  const videoTrack = () => stream.getVideoTracks()[0] ?? null;
  const micEnabled = writable(stream.getAudioTracks().some((t) => t.enabled));
  const cameraEnabled = writable(videoTrack()?.enabled ?? false);
  const facing = writable<'user' | 'environment'>(facingOf(videoTrack()) ?? 'user');
  const torchAvailable = writable(torchSupported(videoTrack()));
  const torchOn = writable(false);

  async function use(track: MediaStreamTrack, sender: RTCRtpSender | null, request: MediaRequest) {
    track.enabled = cameraEnabled.get();
    for (const current of stream.getVideoTracks()) {
      stream.removeTrack(current);
      current.stop();
    }
    stream.addTrack(track);
    // replaceTrack: no renegotiation, the other side keeps its stream.
    await sender?.replaceTrack(track);
    facing.set(facingOf(track) ?? request.facingMode ?? facing.get());
    torchAvailable.set(torchSupported(track));
    torchOn.set(false);
  }

  return {
    stream,
    micEnabled,
    cameraEnabled,
    facing,
    torchAvailable,
    torchOn,
    setMicEnabled(on) {
      for (const t of stream.getAudioTracks()) t.enabled = on;
      micEnabled.set(on);
    },
    setCameraEnabled(on) {
      for (const t of stream.getVideoTracks()) t.enabled = on;
      cameraEnabled.set(on);
    },
    async switchCamera(sender, to) {
      const old = videoTrack();
      const deviceId = old?.getSettings?.().deviceId;
      const previous: MediaRequest = deviceId ? { deviceId } : { facingMode: facing.get() };
      const request: MediaRequest = to?.deviceId || to?.facingMode ? to : { facingMode: facing.get() === 'user' ? 'environment' : 'user' };
      try {
        await use(await acquireCamera(request, old), sender, request);
      } catch (error) {
        // The old camera was released for the new one (phones open one at a time): take it back.
        const reopened = await acquireCamera(previous, null).catch(() => null);
        if (reopened) await use(reopened, sender, previous).catch(() => undefined);
        else cameraEnabled.set(false);
        throw error instanceof CallError ? error : CallError.fromMediaError(error);
      }
    },
    async setTorch(on) {
      const track = videoTrack();
      if (!track || !torchSupported(track)) {
        torchAvailable.set(false);
        return;
      }
      await applyTorch(track, on);
      torchOn.set(on);
    },
    stop() {
      for (const track of stream.getTracks()) track.stop();
    },
  };
}
