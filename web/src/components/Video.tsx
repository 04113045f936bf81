import { useEffect, useRef } from 'preact/hooks';

/** How often the picture kept for `freeze` is refreshed: cheap, and at most a second old. */
const KEEP_EVERY_MS = 1000;
/** Without frame callbacks, the first picture is tried this often after the video starts (or changes size). */
const KEEP_SOON_MS = 150;

/**
 * A <video> showing a MediaStream (srcObject cannot be set as an attribute). `freeze`: show the
 * last picture kept instead (the other side's page went away and its tracks ended, which a
 * video element shows as black).
 */
export function Video({ stream, muted, class: className, label, testId, freeze }: {
  stream: MediaStream | null;
  muted?: boolean;
  class?: string;
  label: string;
  testId?: string;
  freeze?: boolean;
}) {
  const ref = useRef<HTMLVideoElement>(null);
  const kept = useRef<HTMLCanvasElement>(null);
  useEffect(() => {
    const video = ref.current;
    if (!video) return;
    if (video.srcObject !== stream) video.srcObject = stream;
    if (stream) void video.play().catch(() => undefined);
  }, [stream]);
  useEffect(() => {
    if (freeze === undefined || freeze) return;
    /** Keeps the picture showing now; false when there is none worth keeping yet. */
    const keep = (): boolean => {
      const video = ref.current;
      const canvas = kept.current;
      if (!video || !canvas || video.videoWidth === 0) return false;
      // Not a picture of a track that has stopped (its last frames are black): keep the one before.
      const track = (video.srcObject as MediaStream | null)?.getVideoTracks()[0];
      if (!track || track.readyState !== 'live' || track.muted) return false;
      // A sender whose track is stopped or disabled sends black frames before it goes quiet: a
      // frame that is all but black is not kept over the last real picture.
      const probe = document.createElement('canvas');
      probe.width = 16;
      probe.height = 16;
      const p = probe.getContext('2d', { willReadFrequently: true });
      if (p) {
        p.drawImage(video, 0, 0, 16, 16);
        const px = p.getImageData(0, 0, 16, 16).data;
        let sum = 0;
        for (let i = 0; i < px.length; i += 4) sum += px[i]! + px[i + 1]! + px[i + 2]!;
        if (sum / (px.length / 4) < 12) return false;
      }
      canvas.width = video.videoWidth;
      canvas.height = video.videoHeight;
      canvas.getContext('2d')?.drawImage(video, 0, 0);
      return true;
    };
    const timer = setInterval(keep, KEEP_EVERY_MS);
    // A picture as soon as the video starts too: the other side may go away within the first
    // second. Tried at every frame shown until one is kept (a remote track can start muted, its
    // first frames dark); where frame callbacks do not exist, every KEEP_SOON_MS for a second.
    const video = ref.current;
    let soon: ReturnType<typeof setTimeout> | undefined;
    let frameCallback: number | undefined;
    const stopSoon = () => {
      clearTimeout(soon);
      if (frameCallback !== undefined) video?.cancelVideoFrameCallback(frameCallback);
      frameCallback = undefined;
    };
    const keepSoon = (tries: number) => {
      soon = setTimeout(() => {
        if (!keep() && tries > 1) keepSoon(tries - 1);
      }, KEEP_SOON_MS);
    };
    const keepAtNextFrame = () => {
      frameCallback = video!.requestVideoFrameCallback(() => {
        frameCallback = undefined;
        if (!keep()) keepAtNextFrame();
      });
    };
    const onPlaying = () => {
      stopSoon();
      if (typeof video?.requestVideoFrameCallback === 'function') keepAtNextFrame();
      else keepSoon(Math.ceil(KEEP_EVERY_MS / KEEP_SOON_MS));
    };
    video?.addEventListener('playing', onPlaying);
    video?.addEventListener('resize', onPlaying);
    return () => {
      clearInterval(timer);
      stopSoon();
      video?.removeEventListener('playing', onPlaying);
      video?.removeEventListener('resize', onPlaying);
    };
  }, [freeze]);
  return (
    <>
      <video ref={ref} class={className} autoPlay playsInline muted={muted} aria-label={label} data-testid={testId} />
      {freeze !== undefined && <canvas ref={kept} class={`${className ?? ''} kept-frame`} hidden={!freeze} aria-hidden="true" data-testid={testId && `${testId}-kept`} />}
    </>
  );
}
