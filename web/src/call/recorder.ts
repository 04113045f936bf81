// The consult's recording, made on the clinician's device and never sent anywhere: the patient's
// video and both voices, mixed into one file. The picture is drawn onto a canvas and the voices
// into one audio graph, so a new connection (a new remote track after a reconnection) carries on
// in the same file instead of ending it.
import type { Observable } from './state';

export interface Recording {
  blob: Blob;
  mimeType: string;
  durationMs: number;
}

export interface Recorder {
  /** Milliseconds recorded so far. */
  elapsed(): number;
  /** Stops and hands over the file; a second call gets the same file. */
  stop(): Promise<Recording>;
}

/** What this browser records in, best first. */
const TYPES = ['video/webm;codecs=vp8,opus', 'video/webm;codecs=vp9,opus', 'video/webm', 'video/mp4'];
const FRAME_MS = 1000 / 15;
/** 1 Mbit/s: a wound at 720p stays legible; an hour is about 450 MB. */
const VIDEO_BPS = 1_000_000;

export function recordingSupported(): boolean {
  return typeof MediaRecorder !== 'undefined' && typeof AudioContext !== 'undefined' && TYPES.some((t) => MediaRecorder.isTypeSupported(t));
}

export function startRecorder(local: MediaStream, remote: Observable<MediaStream | null>, now: () => number = Date.now): Recorder {
  const mimeType = TYPES.find((t) => MediaRecorder.isTypeSupported(t)) ?? '';
  // The picture: the patient's video, letterboxed into 1280×720, redrawn 15 times a second.
  const canvas = document.createElement('canvas');
  canvas.width = 1280;
  canvas.height = 720;
  const ctx = canvas.getContext('2d')!;
  const video = document.createElement('video');
  video.muted = true;
  video.playsInline = true;
  const draw = () => {
    ctx.fillStyle = '#000';
    ctx.fillRect(0, 0, canvas.width, canvas.height);
    if (video.videoWidth > 0) {
      const scale = Math.min(canvas.width / video.videoWidth, canvas.height / video.videoHeight);
      const w = video.videoWidth * scale;
      const h = video.videoHeight * scale;
      ctx.drawImage(video, (canvas.width - w) / 2, (canvas.height - h) / 2, w, h);
    }
  };
  const drawing = setInterval(draw, FRAME_MS);

  // The voices: ours and theirs into one track.
  const audio = new AudioContext();
  const mix = audio.createMediaStreamDestination();
  const sources = new Map<string, MediaStreamAudioSourceNode>();
  const connect = (stream: MediaStream | null, key: string) => {
    sources.get(key)?.disconnect();
    sources.delete(key);
    if (stream && stream.getAudioTracks().length > 0) {
      const node = audio.createMediaStreamSource(new MediaStream(stream.getAudioTracks()));
      node.connect(mix);
      sources.set(key, node);
    }
  };
  connect(local, 'local');
  const follow = (stream: MediaStream | null) => {
    video.srcObject = stream ? new MediaStream(stream.getVideoTracks()) : null;
    if (stream) void video.play().catch(() => undefined);
    connect(stream, 'remote');
  };
  follow(remote.get());
  const unfollow = remote.subscribe(follow);

  const stream = new MediaStream([...canvas.captureStream(15).getVideoTracks(), ...mix.stream.getAudioTracks()]);
  const recorder = new MediaRecorder(stream, { ...(mimeType ? { mimeType } : {}), videoBitsPerSecond: VIDEO_BPS });
  const chunks: Blob[] = [];
  recorder.ondataavailable = (e) => {
    if (e.data.size > 0) chunks.push(e.data);
  };
  const startedAt = now();
  // Data every few seconds: a long recording does not sit in one buffer until the end.
  recorder.start(5000);

  let result: Promise<Recording> | null = null;
  return {
    elapsed: () => now() - startedAt,
    stop() {
      result ??= new Promise<Recording>((resolve) => {
        const durationMs = now() - startedAt;
        recorder.onstop = () => {
          clearInterval(drawing);
          unfollow();
          for (const node of sources.values()) node.disconnect();
          void audio.close().catch(() => undefined);
          video.srcObject = null;
          for (const track of stream.getTracks()) track.stop();
          const type = recorder.mimeType || mimeType || 'video/webm';
          resolve({ blob: new Blob(chunks, { type }), mimeType: type, durationMs });
        };
        if (recorder.state === 'inactive') recorder.onstop(new Event('stop'));
        else recorder.stop();
      });
      return result;
    },
  };
}
