import { useComputed, useSignal } from '@preact/signals';
import { useEffect, useMemo, useRef } from 'preact/hooks';
import type { ScheduleConsultResult } from '../../../functions/src/lib/api';
import { locale, t } from '../i18n';
import { Layout } from '../components/Layout';
import { Link } from '../components/Link';
import { ErrorMessage, Loading } from '../components/Status';
import { clinicWallTimeToIso, defaultSlot, formatClinicDate, formatClinicTime, CLINIC_TIME_ZONE } from '../clinicTime';
import { session, signOut } from '../state/auth';
import { formatProfessional, professionalOf } from '../../../functions/src/lib/identity';
import { cancelConsult, inviteLinkFor, reissueInvite, scheduleConsult } from '../state/clinic';
import { closeDesk, deskFor } from '../state/desk';
import { ArrivalAlerts, NotifyPrompt, Today, waitedText } from './Desk';
import { useMinutesSince } from '../components/useMinutesSince';
import { Reschedule, SharePaths } from './ConsultActions';
import { isClosed, isPast, type Consult } from '../state/consult';
import { describeError } from '../state/errors';

const DURATIONS = [15, 20, 30, 45, 60];

interface Scheduled {
  result: ScheduleConsultResult;
  label: string;
  scheduledFor: Date;
}

/** Signing out stops everything the desk listens to. */
export function ClinicianSignOut() {
  return (
    <button type="button" class="link-button" onClick={() => { closeDesk(); void signOut(); }}>{t('signout')}</button>
  );
}

export function Dashboard({ clinicianUid, email }: { clinicianUid: string; email: string }) {
  const desk = useMemo(() => deskFor(clinicianUid), [clinicianUid]);
  const invite = useSignal<Scheduled | null>(null);
  const now = useSignal(new Date());
  useEffect(() => {
    const timer = setInterval(() => (now.value = new Date()), 60_000);
    return () => clearInterval(timer);
  }, []);
  const upcoming = useComputed(() => (desk.consults.value ?? []).filter((c) => !isPast(c, now.value)));
  const past = useComputed(() => (desk.consults.value ?? []).filter((c) => isPast(c, now.value)).reverse());
  const loaded = desk.consults.value !== null;

  return (
    <Layout
      wide
      actions={
        <>
          <span class="muted small who">{t('dash.signedInAs', { email })}</span>
          <ClinicianSignOut />
        </>
      }
    >
      <ArrivalAlerts desk={desk} />
      <h1>{t('dash.title')}</h1>
      <OwnRegistration />
      <NotifyPrompt desk={desk} />
      <div class="dashboard">
        <div>
          <ScheduleForm onScheduled={(scheduled) => (invite.value = scheduled)} />
          {invite.value && (
            <InvitePanel scheduled={invite.value} onDone={() => (invite.value = null)} />
          )}
        </div>
        <div>
          {desk.error.value ? <ErrorMessage>{describeError(desk.error.value)}</ErrorMessage> : null}
          <Today desk={desk} />
          <ConsultList title={t('dash.upcoming')} empty={t('dash.noUpcoming')} consults={loaded ? upcoming.value : null} waitingSince={desk.waitingSince.value} onNewLink={(scheduled) => (invite.value = scheduled)} />
          <ConsultList title={t('dash.past')} empty={t('dash.noPast')} consults={loaded ? past.value : null} waitingSince={desk.waitingSince.value} onNewLink={(scheduled) => (invite.value = scheduled)} />
        </div>
      </div>
    </Layout>
  );
}

function ScheduleForm({ onScheduled }: { onScheduled: (scheduled: Scheduled) => void }) {
  const slot = defaultSlot();
  const label = useSignal('');
  const date = useSignal(slot.date);
  const time = useSignal(slot.time);
  const duration = useSignal(30);
  const busy = useSignal(false);
  const error = useSignal<string | null>(null);

  const submit = async (event: Event) => {
    event.preventDefault();
    if (busy.value) return;
    const scheduledFor = clinicWallTimeToIso(date.value, time.value);
    const patientLabel = label.value.trim();
    if (!patientLabel || !scheduledFor) {
      error.value = t('schedule.missing');
      return;
    }
    busy.value = true;
    error.value = null;
    try {
      const result = await scheduleConsult({ patientLabel, scheduledFor, durationMinutes: duration.value });
      onScheduled({ result, label: patientLabel, scheduledFor: new Date(scheduledFor) });
      label.value = '';
    } catch (err) {
      error.value = describeError(err);
    } finally {
      busy.value = false;
    }
  };

  return (
    <section class="card" aria-labelledby="schedule-title">
      <h2 id="schedule-title">{t('schedule.title')}</h2>
      <form onSubmit={submit}>
        <label for="patient-label">{t('schedule.patientLabel')}</label>
        <input id="patient-label" name="patientLabel" maxLength={120} required autoComplete="off" aria-describedby="patient-label-hint"
          value={label.value} onInput={(e) => (label.value = e.currentTarget.value)} />
        <p id="patient-label-hint" class="hint">{t('schedule.patientLabelHint')}</p>
        <div class="row">
          <div>
            <label for="date">{t('schedule.date')}</label>
            <input id="date" name="date" type="date" required value={date.value} aria-describedby="tz-hint"
              onInput={(e) => (date.value = e.currentTarget.value)} />
          </div>
          <div>
            <label for="time">{t('schedule.time')}</label>
            <input id="time" name="time" type="time" required step={60} value={time.value} aria-describedby="tz-hint"
              onInput={(e) => (time.value = e.currentTarget.value)} />
          </div>
        </div>
        <p id="tz-hint" class="hint" data-time-zone={CLINIC_TIME_ZONE}>{t('schedule.timezone')}</p>
        <label for="duration">{t('schedule.duration')}</label>
        <select id="duration" name="duration" value={String(duration.value)} onChange={(e) => (duration.value = Number(e.currentTarget.value))}>
          {DURATIONS.map((m) => <option key={m} value={String(m)}>{t('schedule.minutes', { minutes: m })}</option>)}
        </select>
        {error.value && <ErrorMessage>{error.value}</ErrorMessage>}
        <button type="submit" class="button primary" disabled={busy.value} aria-busy={busy.value}>
          {busy.value ? t('schedule.submitting') : t('schedule.submit')}
        </button>
      </form>
    </section>
  );
}

function InvitePanel({ scheduled, onDone }: { scheduled: Scheduled; onDone: () => void }) {
  const { result, label, scheduledFor } = scheduled;
  const link = inviteLinkFor(result);
  const copied = useSignal<'idle' | 'copied' | 'failed'>('idle');
  const input = useRef<HTMLInputElement>(null);
  const heading = useRef<HTMLHeadingElement>(null);
  useEffect(() => heading.current?.focus(), [result.consultId]);
  const loc = locale.value;
  const expires = new Date(result.inviteExpiresAt);
  const message = t('invite.message', { date: formatClinicDate(scheduledFor, loc), time: formatClinicTime(scheduledFor, loc), link });

  const copy = async () => {
    try {
      await navigator.clipboard.writeText(link);
      copied.value = 'copied';
    } catch {
      input.current?.select();
      copied.value = 'failed';
    }
  };

  return (
    <section class="card invite" aria-labelledby="invite-title">
      <h2 id="invite-title" tabIndex={-1} ref={heading}>{t('invite.title', { label })}</h2>
      <p class="notice">{t('invite.once')}</p>
      <label for="invite-link">{t('invite.link')}</label>
      <input id="invite-link" ref={input} readOnly value={link} onFocus={(e) => e.currentTarget.select()} />
      <p class="hint">{t('invite.expires', { date: formatClinicDate(expires, loc), time: formatClinicTime(expires, loc) })}</p>
      <div class="actions">
        <button type="button" class="button primary" onClick={copy}>{t('invite.copy')}</button>
        <SharePaths message={message} subject={t('invite.subject')} />
      </div>
      <p role="status" aria-live="polite" class={copied.value === 'failed' ? 'error-text' : 'ok-text'}>
        {copied.value === 'copied' ? t('invite.copied') : copied.value === 'failed' ? t('invite.copyFailed') : ''}
      </p>
      <div class="actions">
        <Link href={`/consults/${result.consultId}`} class="button secondary">{t('dash.open', { label })}</Link>
        <button type="button" class="link-button" onClick={onDone}>{t('invite.dismiss')}</button>
      </div>
    </section>
  );
}

interface ListProps {
  title: string;
  empty: string;
  consults: Consult[] | null;
  waitingSince: ReadonlyMap<string, Date>;
  onNewLink: (scheduled: Scheduled) => void;
}

function ConsultList({ title, empty, consults, waitingSince, onNewLink }: ListProps) {
  const id = `list-${title.replace(/\W+/g, '-').toLowerCase()}`;
  return (
    <section class="card" aria-labelledby={id}>
      <h2 id={id}>{title}</h2>
      {consults === null ? (
        <Loading label={t('dash.loadingList')} />
      ) : consults.length === 0 ? (
        <p class="muted">{empty}</p>
      ) : (
        <ul class="consults">
          {consults.map((c) => <ConsultItem key={c.id} consult={c} since={waitingSince.get(c.id) ?? null} onNewLink={onNewLink} />)}
        </ul>
      )}
    </section>
  );
}

function ConsultItem({ consult, since, onNewLink }: { consult: Consult; since: Date | null; onNewLink: (scheduled: Scheduled) => void }) {
  const busy = useSignal(false);
  const error = useSignal<string | null>(null);
  const moving = useSignal(false);
  const waited = useMinutesSince(since);
  const loc = locale.value;
  const notStarted = consult.status === 'scheduled' || consult.status === 'waiting';
  const cancel = async () => {
    if (!confirm(t('dash.cancelConfirm', { label: consult.patientLabel }))) return;
    busy.value = true;
    error.value = null;
    try {
      await cancelConsult({ consultId: consult.id });
    } catch (err) {
      error.value = describeError(err);
    } finally {
      busy.value = false;
    }
  };
  const newLink = async () => {
    if (!confirm(t('dash.newLinkConfirm', { label: consult.patientLabel }))) return;
    busy.value = true;
    error.value = null;
    try {
      const result = await reissueInvite({ consultId: consult.id });
      onNewLink({ result, label: consult.patientLabel, scheduledFor: consult.scheduledFor });
    } catch (err) {
      error.value = describeError(err);
    } finally {
      busy.value = false;
    }
  };
  return (
    <li class="consult" data-consult-id={consult.id}>
      <div class="consult-main">
        <strong>{consult.patientLabel}</strong>
        <span class="muted">
          {t('dash.when', { date: formatClinicDate(consult.scheduledFor, loc), time: formatClinicTime(consult.scheduledFor, loc), minutes: consult.durationMinutes })}
        </span>
        <span class={`badge status-${consult.status}`}>{t(`status.${consult.status}`)}</span>
        {waited !== null && <span class="waited">{waitedText(waited)}</span>}
        {consult.status === 'scheduled' && <span class="hint">{t('dash.lostLink')}</span>}
      </div>
      <div class="actions">
        {consult.status !== 'cancelled' && (
          <Link href={`/consults/${consult.id}`} class="button secondary small" label={t('dash.open', { label: consult.patientLabel })}>
            {t('dash.openShort')}
          </Link>
        )}
        {notStarted && !moving.value && (
          <button type="button" class="button secondary small" aria-label={t('reschedule.open', { label: consult.patientLabel })} onClick={() => (moving.value = true)}>
            {t('reschedule.button')}
          </button>
        )}
        {consult.status === 'scheduled' && (
          <button type="button" class="button secondary small" disabled={busy.value} aria-label={t('dash.newLinkFor', { label: consult.patientLabel })} onClick={() => void newLink()}>
            {t('dash.newLink')}
          </button>
        )}
        {!isClosed(consult.status) && consult.status !== 'admitted' && (
          <button type="button" class="button danger small" disabled={busy.value} aria-busy={busy.value}
            aria-label={t('dash.cancel', { label: consult.patientLabel })} onClick={cancel}>
            {busy.value ? t('dash.cancelling') : t('room.cancel')}
          </button>
        )}
      </div>
      {moving.value && <Reschedule consult={consult} onClose={() => (moving.value = false)} />}
      {error.value && <ErrorMessage>{error.value}</ErrorMessage>}
    </li>
  );
}

/** The clinician's own registration, as patients see it; without one, scheduling is refused, so say so first. */
function OwnRegistration() {
  const pro = professionalOf(session.value?.pro);
  return pro
    ? <p class="muted" data-testid="own-registration">{t('pro.yours', { registration: formatProfessional(pro) })}</p>
    : <p class="notice" role="status" data-testid="own-registration">{t('pro.missing')}</p>;
}
