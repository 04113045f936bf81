import type { ComponentChildren } from 'preact';
import { useSignal } from '@preact/signals';
import { callReasonText, t } from '../i18n';
import { ErrorMessage, Loading } from '../components/Status';
import { Video } from '../components/Video';
import { CallError, type CallErrorReason } from '../call/errors';
import type { Call as CallModel } from '../state/call';
import { ChatAnnouncer, ChatPanel, ChatToggle } from './ChatPanel';

export function QualityBadge({ call }: { call: CallModel }) {
  const level = call.quality.value?.level ?? 'unknown';
  return (
    <span class={`quality ${level}`} role="status" data-quality={level}>
      <span class="dot" aria-hidden="true" />
      {t('call.quality', { quality: t(`quality.${level}`) })}
    </span>
  );
}

/** What the other side's microphone and camera are doing, and whether a weak link paused either side's video, over their video. */
function RemoteMediaState({ call }: { call: CallModel }) {
  const media = call.remoteMedia.value;
  const ownPaused = call.videoPaused.value;
  const remotePaused = !!media?.weak && media.camera;
  if (!ownPaused && (!media || (media.mic && media.camera && !remotePaused))) return null;
  return (
    <div class="remote-media" role="status" data-testid="remote-media">
      {media && !media.mic && <span class="pill" data-testid="remote-muted">{t('call.remoteMuted')}</span>}
      {media && !media.camera && <span class="pill" data-testid="remote-camera-off">{t('call.remoteCameraOff')}</span>}
      {remotePaused && <span class="pill" data-testid="remote-video-paused">{t('call.remoteVideoPaused')}</span>}
      {ownPaused && <span class="pill" data-testid="own-video-paused">{t('call.ownVideoPaused')}</span>}
    </div>
  );
}

/**
 * The call: remote video, self view, controls, chat. `data-call-state` is what tests wait on.
 * `connectingLabel`: what the screen says until the other side is there (a rejoin says so,
 * instead of "waiting for them to join"). `header`: who and how long (the clinician's clock).
 * `leaveQuietly`: leaving is not the red action here (ending the consult is).
 */
/** A side panel in the chat's place (the clinician's record, the photos), with its toolbar button. */
export interface CallPanel {
  id: string;
  label: string;
  /** A count on the button (photos received while the panel was closed). */
  badge?: number;
  /** Said by screen readers with the count, e.g. "Fotos, 2 novas". */
  badgeLabel?: string;
  render: (close: () => void) => ComponentChildren;
  onToggle?: (open: boolean) => void;
}

export function Call({ call, title, onLeave, extra, connectingLabel, header, leaveQuietly, panels = [], tools, cover }: {
  call: CallModel;
  title: string;
  onLeave: () => void;
  extra?: ComponentChildren;
  connectingLabel?: string;
  header?: ComponentChildren;
  leaveQuietly?: boolean;
  panels?: CallPanel[];
  /** More buttons in the toolbar, before leaving (the patient's "Enviar foto"). */
  tools?: ComponentChildren;
  /** Shown instead of the videos (the patient's photo capture): the call goes on underneath. */
  cover?: ComponentChildren;
}) {
  const open = useSignal<string | null>(null);
  const chatOpen = open.value === 'chat';
  const toggle = (id: string | null) => {
    const before = open.value;
    open.value = id;
    for (const p of panels) {
      if (p.id === before && p.id !== id) p.onToggle?.(false);
      if (p.id === id && p.id !== before) p.onToggle?.(true);
    }
  };
  const close = () => toggle(null);
  const openPanel = panels.find((p) => p.id === open.value);
  const state = call.state.value;
  const switching = useSignal(false);
  const error = call.error.value;
  const mic = call.micEnabled.value;
  const camera = call.cameraEnabled.value;
  const torch = call.torchOn.value;
  // The other side's page went away (a reload): their last picture stays under the notice.
  const away = call.remoteAway.value && state === 'connecting';

  const switchError = useSignal<CallErrorReason | null>(null);
  const switchCamera = async () => {
    switching.value = true;
    switchError.value = null;
    try {
      await call.session.switchCamera();
    } catch (err) {
      // The previous camera is back where the device allows it; say why the other one is not.
      switchError.value = err instanceof CallError ? err.reason : 'no-device';
    } finally {
      switching.value = false;
    }
  };

  return (
    <section class={open.value ? 'call with-chat' : 'call'} aria-label={title} data-call-state={state} data-screen="call">
      <h1 class="visually-hidden">{title}</h1>
      {state === 'reconnecting' && <p class="banner warn" role="alert">{t('call.reconnecting')}</p>}
      {away && <p class="banner warn" role="alert" data-testid="remote-away">{t('call.remoteAway')}</p>}
      {error && state !== 'ended' && <ErrorMessage>{callReasonText(error.reason)}</ErrorMessage>}
      {switchError.value && state !== 'ended' && <ErrorMessage>{t('call.switchFailed', { reason: callReasonText(switchError.value) })}</ErrorMessage>}
      <div class="call-bar">
        {header}
        <QualityBadge call={call} />
        {extra}
      </div>
      <div class="call-body">
      {cover}
      <div class="stage" hidden={!!cover}>
        <Video stream={call.remoteStream.value} class="remote" label={t('call.remote')} testId="remote-video" freeze={away} />
        <RemoteMediaState call={call} />
        {state !== 'connected' && state !== 'reconnecting' && !away && (
          <div class="overlay">
            <Loading label={state === 'connecting' && !call.remotePresent.value ? (connectingLabel ?? t('call.waitingRemote')) : t('call.connecting')} />
          </div>
        )}
        <Video stream={call.localStream} muted class="self" label={t('call.self')} testId="self-video" />
      </div>
      {chatOpen && <ChatPanel call={call} onClose={close} />}
      {openPanel?.render(close)}
      </div>
      <ChatAnnouncer call={call} />
      <div class="controls" role="toolbar" aria-label={title}>
        <button type="button" class="button" aria-pressed={!mic} onClick={() => call.session.setMicEnabled(!mic)}>
          {mic ? t('call.mute') : t('call.unmute')}
        </button>
        <button type="button" class="button" aria-pressed={!camera} onClick={() => call.session.setCameraEnabled(!camera)}>
          {camera ? t('call.cameraOff') : t('call.cameraOn')}
        </button>
        <button type="button" class="button" disabled={switching.value} aria-busy={switching.value} onClick={() => void switchCamera()}>
          {t('call.switchCamera')}
        </button>
        {call.torchAvailable.value && (
          <button type="button" class="button" aria-pressed={torch} onClick={() => void call.session.setTorch(!torch)}>
            {torch ? t('call.torchOff') : t('call.torchOn')}
          </button>
        )}
        <ChatToggle call={call} open={chatOpen} onToggle={() => toggle(chatOpen ? null : 'chat')} />
        {panels.map((p) => (
          <button key={p.id} type="button" class="button" aria-pressed={open.value === p.id} data-panel={p.id}
            aria-label={p.badge ? p.badgeLabel : undefined} onClick={() => toggle(open.value === p.id ? null : p.id)}>
            {p.label}
            {!!p.badge && <span class="badge count" aria-hidden="true">{p.badge}</span>}
          </button>
        ))}
        {tools}
        <button type="button" class={leaveQuietly ? 'button' : 'button danger solid'} onClick={onLeave}>{t('call.leave')}</button>
      </div>
    </section>
  );
}
