// A wound photo from the patient's camera: the still at the camera's full resolution, turned the
// right way up, re-encoded as a JPEG with no metadata (so no place or device can be read from it)
// and kept under the size the transfer accepts.
import { MEDIA_LIMITS } from '../../../functions/src/lib/model';

export interface Still {
  jpeg: Uint8Array;
  width: number;
  height: number;
  /** How it was taken: the camera's photo mode, or a frame of the video at its highest resolution. */
  source: 'photo' | 'frame';
}

/** Clinical detail first: high quality, lowered only as far as the size bound needs. */
const QUALITIES = [0.92, 0.88, 0.84, 0.8] as const;
/** Each further step shrinks the picture by this much. */
const SHRINK = 0.85;

interface ImageCaptureLike {
  takePhoto(settings?: Record<string, unknown>): Promise<Blob>;
  getPhotoCapabilities?(): Promise<{ imageWidth?: { max?: number }; imageHeight?: { max?: number } }>;
}
type ImageCaptureCtor = new (track: MediaStreamTrack) => ImageCaptureLike;

/** Takes the still from a live camera track (the one the call is sending). */
export async function takeStill(track: MediaStreamTrack, maxBytes: number = MEDIA_LIMITS.photoBytesMax): Promise<Still> {
  const Capture = (globalThis as { ImageCapture?: ImageCaptureCtor }).ImageCapture;
  let image: ImageBitmap | null = null;
  let source: Still['source'] = 'photo';
  if (Capture) {
    try {
      const capture = new Capture(track);
      const caps = await capture.getPhotoCapabilities?.().catch(() => null);
      const width = caps?.imageWidth?.max;
      const height = caps?.imageHeight?.max;
      const blob = await capture.takePhoto(width && height ? { imageWidth: width, imageHeight: height } : undefined);
      image = await createImageBitmap(blob, { imageOrientation: 'from-image' });
    } catch {
      image = null; // a camera without photo mode: a video frame instead
    }
  }
  if (!image || !atLeastTrack(image, track)) {
    image?.close();
    source = 'frame';
    image = await frameAtFullResolution(track);
  }
  try {
    return { ...(await encodeBounded(image, maxBytes)), source };
  } finally {
    image.close();
  }
}

/** A photo smaller than what the camera is already sending is no better than a screenshot. */
function atLeastTrack(image: ImageBitmap, track: MediaStreamTrack): boolean {
  const { width = 0, height = 0 } = track.getSettings();
  return Math.max(image.width, image.height) >= Math.max(width, height) && Math.min(image.width, image.height) >= Math.min(width, height);
}

/**
 * Raises the track to the camera's highest resolution for the shot, grabs one frame, and puts the
 * constraints back: the call's video is larger for a moment, never smaller.
 */
async function frameAtFullResolution(track: MediaStreamTrack): Promise<ImageBitmap> {
  const before = track.getConstraints();
  const caps = typeof track.getCapabilities === 'function' ? track.getCapabilities() : {};
  const maxWidth = caps.width?.max ?? 4096;
  const maxHeight = caps.height?.max ?? 4096;
  try {
    await track.applyConstraints({ ...before, width: { ideal: maxWidth }, height: { ideal: maxHeight }, frameRate: before.frameRate }).catch(() => undefined);
    return await grabFrame(track);
  } finally {
    await track.applyConstraints(before).catch(() => undefined);
  }
}

async function grabFrame(track: MediaStreamTrack): Promise<ImageBitmap> {
  const video = document.createElement('video');
  video.muted = true;
  video.playsInline = true;
  video.srcObject = new MediaStream([track]);
  try {
    await video.play();
    const { width = 0, height = 0 } = track.getSettings();
    // Wait for a frame at the size the camera now sends (a few frames after the constraints change).
    for (let i = 0; i < 30 && (video.videoWidth < width || video.videoHeight < height || video.videoWidth === 0); i++) {
      await new Promise((r) => setTimeout(r, 50));
    }
    if (!video.videoWidth) throw new Error('The camera sent no picture.');
    return await createImageBitmap(video);
  } finally {
    video.pause();
    video.srcObject = null;
  }
}

/** JPEG at the best quality that fits `maxBytes`, shrinking only when quality alone cannot. */
export async function encodeBounded(image: ImageBitmap, maxBytes: number): Promise<Omit<Still, 'source'>> {
  let width = image.width;
  let height = image.height;
  for (let step = 0; step < 12; step++) {
    const canvas = document.createElement('canvas');
    canvas.width = width;
    canvas.height = height;
    const ctx = canvas.getContext('2d');
    if (!ctx) throw new Error('This browser cannot prepare the photo.');
    ctx.drawImage(image, 0, 0, width, height);
    for (const quality of QUALITIES) {
      const blob = await new Promise<Blob | null>((resolve) => canvas.toBlob(resolve, 'image/jpeg', quality));
      if (!blob) throw new Error('This browser cannot prepare the photo.');
      if (blob.size <= maxBytes) return { jpeg: new Uint8Array(await blob.arrayBuffer()), width, height };
    }
    width = Math.max(1, Math.round(width * SHRINK));
    height = Math.max(1, Math.round(height * SHRINK));
  }
  throw new Error('The photo could not be made small enough.');
}
