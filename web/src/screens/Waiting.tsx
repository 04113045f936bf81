import { useSignal } from '@preact/signals';
import { useEffect, useRef } from 'preact/hooks';
import { locale, t } from '../i18n';
import { ErrorMessage, Loading } from '../components/Status';
import { Video } from '../components/Video';
import { useMinutesSince } from '../components/useMinutesSince';
import { lateText } from '../components/lateText';
import { formatClinicDate, formatClinicTime } from '../clinicTime';
import type { LobbyModel } from '../state/lobby';
import { PatientIdentity } from './IdentityForm';
import { ClinicianLine } from './ClinicianLine';

type WakeState = 'on' | 'unsupported' | 'refused';

/** Keeps the screen on while waiting, where the browser allows it; asked again when the page is shown again. */
function useWakeLock(): WakeState {
  const state = useSignal<WakeState>('on');
  useEffect(() => {
    const wake = (navigator as Navigator & { wakeLock?: { request(type: 'screen'): Promise<{ release(): Promise<void> }> } }).wakeLock;
    if (!wake) {
      state.value = 'unsupported';
      return;
    }
    let lock: { release(): Promise<void> } | null = null;
    let gone = false;
    const ask = () => {
      if (document.visibilityState !== 'visible') return;
      wake.request('screen').then(
        (l) => {
          if (gone) void l.release();
          else {
            lock = l;
            state.value = 'on';
          }
        },
        () => (state.value = 'refused'),
      );
    };
    ask();
    document.addEventListener('visibilitychange', ask);
    return () => {
      gone = true;
      document.removeEventListener('visibilitychange', ask);
      void lock?.release().catch(() => undefined);
    };
  }, []);
  return state.value;
}

/**
 * A light copy of our camera for the self-view: the same camera, scaled down and at a few frames
 * a second (the call's own track is untouched), so that a phone waiting for minutes does not
 * spend its battery and processor drawing a full-size picture in a small box.
 */
function useLightPreview(stream: MediaStream | null): MediaStream | null {
  const preview = useSignal<MediaStream | null>(null);
  useEffect(() => {
    const track = stream?.getVideoTracks()[0];
    if (!track) return;
    const copy = track.clone();
    void copy.applyConstraints({ width: { max: 320 }, height: { max: 240 }, frameRate: { max: 10 } }).catch(() => undefined);
    preview.value = new MediaStream([copy]);
    return () => {
      copy.stop();
      preview.value = null;
    };
  }, [stream]);
  return preview.value;
}

/** When this patient started waiting for this consult: kept for the tab, so a reload does not reset it. */
function useWaitingSince(consultId: string | undefined): number {
  const since = useRef<number>(Date.now());
  useEffect(() => {
    if (!consultId) return;
    const key = `tc.waitingSince.${consultId}`;
    try {
      const kept = Number(sessionStorage.getItem(key));
      if (kept > 0 && kept <= Date.now()) since.current = kept;
      else sessionStorage.setItem(key, String(since.current));
    } catch {
      // Not kept: counted from this page.
    }
  }, [consultId]);
  return since.current;
}

/** The waiting room: when, how long already, any word from the clinic, a self-view, and the way out kept secondary. */
export function Waiting({ lobby }: { lobby: LobbyModel }) {
  const heading = useRef<HTMLHeadingElement>(null);
  useEffect(() => heading.current?.focus(), []);
  const consult = lobby.consult.value;
  const wake = useWakeLock();
  const waited = useMinutesSince(useWaitingSince(consult?.id)) ?? 0;
  const firstTime = useRef<number | null>(null);
  if (consult && firstTime.current === null) firstTime.current = consult.scheduledFor.getTime();
  const moved = consult !== null && firstTime.current !== null && consult.scheduledFor.getTime() !== firstTime.current;
  const loc = locale.value;
  const self = useLightPreview(lobby.selfStream.value);
  const withdraw = () => {
    if (confirm(t('waiting.withdrawConfirm'))) void lobby.withdraw();
  };
  const late = consult?.runningLate ?? null;

  return (
    <section class="card waiting" aria-labelledby="waiting-title" data-screen="waiting">
      <h1 id="waiting-title" tabIndex={-1} ref={heading}>{t('waiting.title')}</h1>
      {consult ? (
        <>
          <p class="lead">{t('waiting.body')}</p>
          <ClinicianLine clinician={consult.clinician} />
          <p class="waiting-when" aria-live="polite" data-testid="waiting-when">
            {moved ? t('waiting.moved', { date: formatClinicDate(consult.scheduledFor, loc), time: formatClinicTime(consult.scheduledFor, loc) })
              : t('waiting.scheduled', { date: formatClinicDate(consult.scheduledFor, loc), time: formatClinicTime(consult.scheduledFor, loc) })}
          </p>
        </>
      ) : (
        <Loading label={t('waiting.connecting')} />
      )}
      <div aria-live="polite" data-testid="waiting-late">
        {late && <p class="notice">{lateText(late.minutes, late.note)}</p>}
      </div>
      <div class="waiting-row">
        {self && (
          <div class="preview waiting-self">
            <Video stream={self} muted label={t('waiting.selfView')} testId="waiting-self" />
          </div>
        )}
        <div class="waiting-status">
          <Loading label={waited < 1 ? t('waiting.justArrived') : t('waiting.for', { minutes: waited })} />
          {self && <p class="hint">{t('waiting.framing')}</p>}
        </div>
      </div>
      {lobby.error.value && <ErrorMessage>{lobby.error.value}</ErrorMessage>}
      <div class="actions">
        <button type="button" class="link-button danger-link" disabled={lobby.withdrawing.value} aria-busy={lobby.withdrawing.value} onClick={withdraw}>
          {t('waiting.withdraw')}
        </button>
      </div>
      {/* After the way out, which stays in view on a phone; the details are asked for below it. */}
      {consult && <PatientIdentity identity={consult.patientIdentity} onSend={lobby.identify} />}
      <p class="hint" data-testid="wake-lock" data-wake={wake}>{wake === 'on' ? t('waiting.awake') : t('waiting.noWake')}</p>
    </section>
  );
}
