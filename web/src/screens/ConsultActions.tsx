// What a clinician can do to a consult that has not started: move it (and tell the patient the
// new time through the invite's share paths), and tell a waiting patient about a delay.
import { useSignal } from '@preact/signals';
import { useEffect, useRef } from 'preact/hooks';
import { RUNNING_LATE_MINUTES, RUNNING_LATE_NOTE_MAX } from '../../../functions/src/lib/model';
import { locale, t } from '../i18n';
import { ErrorMessage } from '../components/Status';
import { clinicWallTimeOf, clinicWallTimeToIso, formatClinicDate, formatClinicTime, CLINIC_TIME_ZONE } from '../clinicTime';
import { announceDelay, rescheduleConsult } from '../state/clinic';
import type { Consult } from '../state/consult';
import { describeError } from '../state/errors';
import { lateText } from '../components/lateText';

/**
 * The ways a message (an invite, a new time) leaves for the patient, none through a web server of
 * a third party: the system's share sheet where the browser has one, the WhatsApp app by its own
 * scheme (whatsapp://, which the installed app handles; wa.me would hand the message, link and
 * secret included, to WhatsApp's web server in its address), and the mail client. README,
 * "Sharing an invite", says what each path exposes.
 */
export function SharePaths({ message, subject, small = false }: { message: string; subject: string; small?: boolean }) {
  const size = small ? ' small' : '';
  const canShare = typeof navigator !== 'undefined' && typeof navigator.share === 'function';
  const share = () => void navigator.share({ title: subject, text: message }).catch(() => undefined);
  return (
    <>
      {canShare && (
        <button type="button" class={`button secondary${size}`} onClick={share}>
          {t('invite.share')}
        </button>
      )}
      <a class={`button secondary${size}`} href={`whatsapp://send?text=${encodeURIComponent(message)}`}>
        {t('invite.whatsapp')}
      </a>
      <a class={`button secondary${size}`} href={`mailto:?subject=${encodeURIComponent(subject)}&body=${encodeURIComponent(message)}`}>
        {t('invite.email')}
      </a>
    </>
  );
}

/** Copy, and the share paths, for a message. */
export function ShareMessage({ message, subject, copyLabel }: { message: string; subject: string; copyLabel: string }) {
  const copied = useSignal<'idle' | 'copied' | 'failed'>('idle');
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(message);
      copied.value = 'copied';
    } catch {
      copied.value = 'failed';
    }
  };
  return (
    <>
      <div class="actions">
        <button type="button" class="button primary small" onClick={() => void copy()}>{copyLabel}</button>
        <SharePaths message={message} subject={subject} small />
      </div>
      <p role="status" aria-live="polite" class={copied.value === 'failed' ? 'error-text' : 'ok-text'}>
        {copied.value === 'copied' ? t('reschedule.copied') : copied.value === 'failed' ? t('invite.copyFailed') : ''}
      </p>
    </>
  );
}

/** A new date and time for a consult that has not started; afterwards, the message for the patient. */
export function Reschedule({ consult, onClose }: { consult: Consult; onClose: () => void }) {
  const start = clinicWallTimeOf(consult.scheduledFor);
  const date = useSignal(start.date);
  const time = useSignal(start.time);
  const busy = useSignal(false);
  const error = useSignal<string | null>(null);
  const moved = useSignal<Date | null>(null);
  const first = useRef<HTMLInputElement>(null);
  useEffect(() => first.current?.focus(), []);
  const id = `reschedule-${consult.id}`;
  const loc = locale.value;

  const submit = async (event: Event) => {
    event.preventDefault();
    const scheduledFor = clinicWallTimeToIso(date.value, time.value);
    if (!scheduledFor) {
      error.value = t('schedule.missing');
      return;
    }
    busy.value = true;
    error.value = null;
    try {
      const result = await rescheduleConsult({ consultId: consult.id, scheduledFor });
      moved.value = new Date(result.scheduledFor);
    } catch (err) {
      error.value = describeError(err);
    } finally {
      busy.value = false;
    }
  };

  if (moved.value) {
    const message = t('reschedule.message', { date: formatClinicDate(moved.value, loc), time: formatClinicTime(moved.value, loc) });
    return (
      <div class="reschedule" data-testid="rescheduled">
        <p class="ok-text" role="status">{t('reschedule.done', { date: formatClinicDate(moved.value, loc), time: formatClinicTime(moved.value, loc) })}</p>
        <p class="hint">{t('reschedule.tellPatient')}</p>
        <ShareMessage message={message} subject={t('invite.subject')} copyLabel={t('reschedule.copy')} />
        <button type="button" class="link-button" onClick={onClose}>{t('invite.dismiss')}</button>
      </div>
    );
  }
  return (
    <form class="reschedule" onSubmit={submit} aria-labelledby={`${id}-title`}>
      <h3 id={`${id}-title`}>{t('reschedule.title', { label: consult.patientLabel })}</h3>
      <div class="row">
        <div>
          <label for={`${id}-date`}>{t('schedule.date')}</label>
          <input id={`${id}-date`} ref={first} type="date" required value={date.value} aria-describedby={`${id}-tz`}
            onInput={(e) => (date.value = e.currentTarget.value)} />
        </div>
        <div>
          <label for={`${id}-time`}>{t('schedule.time')}</label>
          <input id={`${id}-time`} type="time" required step={60} value={time.value} aria-describedby={`${id}-tz`}
            onInput={(e) => (time.value = e.currentTarget.value)} />
        </div>
      </div>
      <p id={`${id}-tz`} class="hint" data-time-zone={CLINIC_TIME_ZONE}>{t('reschedule.sameLink')}</p>
      {error.value && <ErrorMessage>{error.value}</ErrorMessage>}
      <div class="actions">
        <button type="submit" class="button primary small" disabled={busy.value} aria-busy={busy.value}>
          {busy.value ? t('reschedule.saving') : t('reschedule.save')}
        </button>
        <button type="button" class="link-button" onClick={onClose}>{t('reschedule.keep')}</button>
      </div>
    </form>
  );
}

/** "Vou atrasar": one tap for 5, 10 or 15 minutes, or a short note; shown live to the waiting patient. */
export function RunningLate({ consult }: { consult: Consult }) {
  const note = useSignal('');
  const busy = useSignal(false);
  const error = useSignal<string | null>(null);
  const current = consult.runningLate;

  const send = async (minutes: 5 | 10 | 15 | null, text: string | null) => {
    busy.value = true;
    error.value = null;
    try {
      await announceDelay({ consultId: consult.id, minutes, note: text });
      note.value = '';
    } catch (err) {
      error.value = describeError(err);
    } finally {
      busy.value = false;
    }
  };

  return (
    <section class="card" aria-labelledby="late-title" data-testid="running-late">
      <h2 id="late-title">{t('late.title')}</h2>
      {current ? (
        <p class="notice" role="status" data-testid="late-current">
          {t('late.shown', { message: lateText(current.minutes, current.note) })}
        </p>
      ) : (
        <p class="hint">{t('late.why')}</p>
      )}
      <div class="actions" role="group" aria-label={t('late.title')}>
        {RUNNING_LATE_MINUTES.map((m) => (
          <button key={m} type="button" class="button secondary small" disabled={busy.value} onClick={() => void send(m, null)}>
            {t('late.minutes', { minutes: m })}
          </button>
        ))}
      </div>
      <form class="late-note" onSubmit={(e) => { e.preventDefault(); if (note.value.trim()) void send(null, note.value.trim()); }}>
        <label for="late-note">{t('late.note')}</label>
        <input id="late-note" maxLength={RUNNING_LATE_NOTE_MAX} autoComplete="off" value={note.value} aria-describedby="late-note-hint"
          onInput={(e) => (note.value = e.currentTarget.value)} />
        <p id="late-note-hint" class="hint">{t('late.noteHint', { max: RUNNING_LATE_NOTE_MAX })}</p>
        <div class="actions">
          <button type="submit" class="button secondary small" disabled={busy.value || !note.value.trim()}>{t('late.sendNote')}</button>
          {current && <button type="button" class="link-button" disabled={busy.value} onClick={() => void send(null, null)}>{t('late.clear')}</button>}
        </div>
      </form>
      {error.value && <ErrorMessage>{error.value}</ErrorMessage>}
    </section>
  );
}
