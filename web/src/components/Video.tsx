import { useEffect, useRef } from 'preact/hooks';

/** A <video> showing a MediaStream (srcObject cannot be set as an attribute). */
export function Video({ stream, muted, class: className, label, testId }: {
  stream: MediaStream | null;
  muted?: boolean;
  class?: string;
  label: string;
  testId?: string;
}) {
  const ref = useRef<HTMLVideoElement>(null);
  useEffect(() => {
    const video = ref.current;
    if (!video) return;
    if (video.srcObject !== stream) video.srcObject = stream;
    if (stream) void video.play().catch(() => undefined);
  }, [stream]);
  return <video ref={ref} class={className} autoPlay playsInline muted={muted} aria-label={label} data-testid={testId} />;
}
