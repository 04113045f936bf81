// What the clinician's desk shows on every clinician screen: who has arrived (an alert that
// screen readers announce), the one question about system notifications, and today's list.
import { locale, t } from '../i18n';
import { Link } from '../components/Link';
import { useMinutesSince } from '../components/useMinutesSince';
import { clinicWallTimeOf, formatClinicTime } from '../clinicTime';
import { isClosed, type Consult } from '../state/consult';
import type { Desk } from '../state/desk';

export function waitedText(minutes: number): string {
  return minutes < 1 ? t('desk.waitedJustNow') : t('desk.waitedMinutes', { minutes });
}

/** Always in the page (a live region must exist before its content changes to be announced). */
export function ArrivalAlerts({ desk, hereConsultId }: { desk: Desk; hereConsultId?: string }) {
  const alerts = desk.alerts.value;
  return (
    <div class="arrivals" aria-live="assertive" data-testid="arrival-alerts">
      {alerts.map((a) => (
        <div key={a.consultId} class="arrival" role="alert" data-arrival={a.consultId}>
          <span class="arrival-text">{t('desk.arrived', { label: a.patientLabel })}</span>
          {a.consultId !== hereConsultId && (
            <Link href={`/consults/${a.consultId}`} class="button primary small" label={t('dash.open', { label: a.patientLabel })}>
              {t('dash.openShort')}
            </Link>
          )}
          <button type="button" class="link-button" aria-label={t('desk.dismiss', { label: a.patientLabel })} onClick={() => desk.dismiss(a.consultId)}>
            {t('common.close')}
          </button>
        </div>
      ))}
    </div>
  );
}

/** Asked once, with the reason, and never again whatever the answer. */
export function NotifyPrompt({ desk }: { desk: Desk }) {
  const permission = desk.permission.value;
  if (permission === 'unsupported') return null;
  if (permission === 'denied') {
    return desk.asked.value ? null : <p class="hint" data-testid="notify-denied">{t('desk.notifyDenied')}</p>;
  }
  if (permission === 'granted' || desk.asked.value) return null;
  return (
    <section class="card notify" aria-labelledby="notify-title" data-testid="notify-prompt">
      <h2 id="notify-title">{t('desk.notifyTitle')}</h2>
      <p>{t('desk.notifyWhy')}</p>
      <div class="actions">
        <button type="button" class="button primary small" onClick={() => void desk.askToNotify()}>{t('desk.notifyAllow')}</button>
        <button type="button" class="link-button" onClick={() => desk.declineToNotify()}>{t('desk.notifyLater')}</button>
      </div>
    </section>
  );
}

function sameClinicDay(a: Date, b: Date): boolean {
  return clinicWallTimeOf(a).date === clinicWallTimeOf(b).date;
}

/** Today's consults in time order, live, with how long each patient has waited; the next one stands out. */
export function Today({ desk }: { desk: Desk }) {
  const consults = desk.consults.value;
  const today = (consults ?? []).filter((c) => sameClinicDay(c.scheduledFor, new Date()) || c.status === 'waiting' || c.status === 'admitted');
  // Next: whoever has waited longest, or else the first consult still to happen.
  const since = desk.waitingSince.value;
  const waitingFirst = today.filter((c) => since.has(c.id)).sort((a, b) => since.get(a.id)!.getTime() - since.get(b.id)!.getTime())[0];
  const next = waitingFirst ?? today.find((c) => !isClosed(c.status) && c.status !== 'admitted') ?? null;
  return (
    <section class="card today" aria-labelledby="today-title" data-testid="today">
      <h2 id="today-title">{t('desk.today')}</h2>
      {consults === null ? null : today.length === 0 ? (
        <p class="muted">{t('desk.todayEmpty')}</p>
      ) : (
        <ol class="today-list">
          {today.map((c) => <TodayItem key={c.id} consult={c} next={c === next} since={since.get(c.id) ?? null} />)}
        </ol>
      )}
    </section>
  );
}

function TodayItem({ consult, next, since }: { consult: Consult; next: boolean; since: Date | null }) {
  const waited = useMinutesSince(since);
  return (
    <li class={next ? 'today-item next' : 'today-item'} data-today={consult.id} aria-current={next ? 'true' : undefined}>
      <span class="today-time">{formatClinicTime(consult.scheduledFor, locale.value)}</span>
      <span class="today-who">
        <strong>{consult.patientLabel}</strong>
        {next && <span class="next-tag">{t('desk.next')}</span>}
      </span>
      <span class={`badge status-${consult.status}`}>{t(`status.${consult.status}`)}</span>
      {waited !== null && <span class="waited" data-testid="waited">{waitedText(waited)}</span>}
      {!isClosed(consult.status) && (
        <Link href={`/consults/${consult.id}`} class="button secondary small" label={t('dash.open', { label: consult.patientLabel })}>
          {t('dash.openShort')}
        </Link>
      )}
    </li>
  );
}
