// The patient's photo of the wound, in place of the videos while the call goes on: the rear
// camera, the torch where there is one, a frame to aim with and the advice that makes a photo
// clinically useful; then the photo to check, send (with its progress) or take again.
import { useSignal } from '@preact/signals';
import { useEffect, useRef } from 'preact/hooks';
import { takeStill, type Still } from '../call/capture';
import type { PhotoAsk } from '../call/photo';
import { CallError } from '../call/errors';
import { Video } from '../components/Video';
import { ErrorMessage, Loading } from '../components/Status';
import { callReasonText, t } from '../i18n';
import type { Call } from '../state/call';
import { formatBytes } from './mediaText';

type Step = 'framing' | 'taking' | 'review' | 'sending' | 'sent';

export function PhotoCapture({ call, ask, onClose }: { call: Call; ask: PhotoAsk | null; onClose: () => void }) {
  const step = useSignal<Step>('framing');
  const still = useSignal<(Still & { url: string }) | null>(null);
  const problem = useSignal<string | null>(null);
  const cameraNote = useSignal<string | null>(null);
  const sentId = useSignal<string | null>(null);
  const heading = useRef<HTMLHeadingElement>(null);
  const switchedFrom = useRef<'user' | null>(null);

  // The rear camera for the photo; the front one again afterwards, if that is what the call had.
  useEffect(() => {
    heading.current?.focus();
    let gone = false;
    if (call.facing.value === 'user') {
      switchedFrom.current = 'user';
      call.session.switchCamera({ facingMode: 'environment' }).catch((err: unknown) => {
        if (!gone) cameraNote.value = t('photo.noRearCamera', { reason: callReasonText(err instanceof CallError ? err.reason : 'no-device') });
      });
    }
    return () => {
      gone = true;
      if (switchedFrom.current) void call.session.switchCamera({ facingMode: 'user' }).catch(() => undefined);
      if (call.torchOn.value) void call.session.setTorch(false).catch(() => undefined);
    };
  }, [call]);
  useEffect(() => () => {
    if (still.value) URL.revokeObjectURL(still.value.url);
  }, []);

  const take = async () => {
    const track = call.localStream.getVideoTracks()[0];
    problem.value = null;
    if (!track || track.readyState !== 'live') {
      problem.value = t('photo.noCamera');
      return;
    }
    step.value = 'taking';
    try {
      const shot = await takeStill(track);
      if (still.value) URL.revokeObjectURL(still.value.url);
      still.value = { ...shot, url: URL.createObjectURL(new Blob([shot.jpeg as Uint8Array<ArrayBuffer>], { type: 'image/jpeg' })) };
      step.value = 'review';
    } catch {
      problem.value = t('photo.takeFailed');
      step.value = 'framing';
    }
  };

  const send = async () => {
    const shot = still.value;
    if (!shot) return;
    problem.value = null;
    step.value = 'sending';
    try {
      const sent = await call.session.photos.send(shot.jpeg, { width: shot.width, height: shot.height }, ask?.id ?? null, ask?.site ?? null);
      sentId.value = sent.id;
    } catch {
      problem.value = t('photo.sendFailed');
      step.value = 'review';
    }
  };

  const decline = () => {
    if (ask) call.session.photos.decline(ask.id);
    onClose();
  };

  const transfer = sentId.value ? call.photoTransfers.value.find((x) => x.id === sentId.value && x.direction === 'out') : undefined;
  useEffect(() => {
    if (step.value !== 'sending' || !transfer) return;
    if (transfer.state === 'received') step.value = 'sent';
    else if (transfer.state === 'failed') {
      problem.value = t(transfer.failure === 'refused' ? 'photo.refused' : 'photo.damaged');
      step.value = 'review';
    }
  }, [transfer?.state]);

  const percent = transfer ? Math.floor((transfer.done / transfer.bytes) * 100) : 0;
  return (
    <section class="capture" aria-labelledby="capture-title" data-testid="photo-capture" data-step={step.value}>
      <h2 id="capture-title" ref={heading} tabIndex={-1}>
        {ask ? (ask.site ? t('photo.askedSite', { site: ask.site }) : t('photo.asked')) : t('photo.ownTitle')}
      </h2>
      {(step.value === 'framing' || step.value === 'taking') && (
        <>
          <div class="capture-view">
            <Video stream={call.localStream} muted class="capture-video" label={t('photo.viewfinder')} testId="capture-video" />
            <div class="capture-guide" aria-hidden="true" />
          </div>
          <p class="capture-advice">{t('photo.advice')}</p>
          {cameraNote.value && <p class="hint">{cameraNote.value}</p>}
          {problem.value && <ErrorMessage>{problem.value}</ErrorMessage>}
          <div class="capture-actions">
            {step.value === 'taking'
              ? <Loading label={t('photo.taking')} />
              : <button type="button" class="button primary" onClick={() => void take()}>{t('photo.take')}</button>}
            {call.torchAvailable.value && (
              <button type="button" class="button" aria-pressed={call.torchOn.value} onClick={() => void call.session.setTorch(!call.torchOn.value)}>
                {call.torchOn.value ? t('call.torchOff') : t('call.torchOn')}
              </button>
            )}
            {ask
              ? <button type="button" class="button" onClick={decline}>{t('photo.decline')}</button>
              : <button type="button" class="button" onClick={onClose}>{t('common.cancel')}</button>}
          </div>
        </>
      )}
      {(step.value === 'review' || step.value === 'sending') && still.value && (
        <>
          <div class="capture-view">
            <img class="capture-still" src={still.value.url} alt={t('photo.preview')} data-testid="capture-still" />
          </div>
          <p class="hint" data-testid="capture-size">{t('photo.size', { width: still.value.width, height: still.value.height, size: formatBytes(still.value.jpeg.length) })}</p>
          {problem.value && <ErrorMessage>{problem.value}</ErrorMessage>}
          {step.value === 'sending' ? (
            <div class="capture-progress">
              <label for="capture-progress">{t('photo.sending', { percent })}</label>
              <progress id="capture-progress" max={100} value={percent} data-testid="capture-progress" />
              <p class="hint">{t('photo.keepOpen')}</p>
            </div>
          ) : (
            <div class="capture-actions">
              <button type="button" class="button primary" onClick={() => void send()}>{t('photo.send')}</button>
              <button type="button" class="button" onClick={() => (step.value = 'framing')}>{t('photo.retake')}</button>
              {ask
                ? <button type="button" class="button" onClick={decline}>{t('photo.decline')}</button>
                : <button type="button" class="button" onClick={onClose}>{t('common.cancel')}</button>}
            </div>
          )}
        </>
      )}
      {step.value === 'sent' && (
        <>
          <p class="capture-done" role="status" data-testid="capture-sent">{t('photo.sent')}</p>
          <div class="capture-actions">
            <button type="button" class="button primary" ref={(el) => el?.focus()} onClick={onClose}>{t('photo.backToCall')}</button>
          </div>
        </>
      )}
    </section>
  );
}
