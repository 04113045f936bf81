import { useSignal } from '@preact/signals';
import { useEffect, useMemo, useRef } from 'preact/hooks';
import { callReasonText, locale, t, type MessageKey } from '../i18n';
import { Layout } from '../components/Layout';
import { Link } from '../components/Link';
import { Markdown } from '../components/Markdown';
import { Video } from '../components/Video';
import { ErrorMessage, Loading } from '../components/Status';
import { formatClinicDate, formatClinicTime } from '../clinicTime';
import { isClinician, session } from '../state/auth';
import { deskFor } from '../state/desk';
import { ArrivalAlerts } from './Desk';
import { ClinicianSignOut } from './Dashboard';
import { Reschedule, RunningLate } from './ConsultActions';
import { CallClock } from './CallClock';
import { isClosed } from '../state/consult';
import { describeError } from '../state/errors';
import { createRoom, type RoomModel } from '../state/room';
import { createRecordModel } from '../state/record';
import { callHasStarted } from '../../../functions/src/lib/model';
import { RecordPanel } from './RecordPanel';
import { createConsultMedia } from '../state/consultMedia';
import { PhotoPanel, RecordingControl, SavedMedia } from './PhotoPanel';
import { RecordingIndicator } from './mediaText';
import { identityLine } from './IdentityForm';
import { Call } from './Call';
import { SignIn } from './SignIn';

/** /consults/{id}: the clinician's waiting room, the call, and the summary. */
export function ConsultRoom({ consultId }: { consultId: string }) {
  const s = session.value;
  if (s === undefined) return <Layout><Loading /></Layout>;
  if (!s || s.anonymous) return <SignIn />;
  if (!isClinician.value) return <SignIn notClinician />;
  return <Room consultId={consultId} clinicianUid={s.uid} />;
}

/** The rules answer alike for a consult that does not exist and one that is another clinician's. */
function roomProblemText(problem: unknown): string {
  const code = (problem as { code?: unknown } | null)?.code;
  return code === 'not-found' || code === 'permission-denied' ? t('room.notYours') : describeError(problem);
}

function Room({ consultId, clinicianUid }: { consultId: string; clinicianUid: string }) {
  const room = useMemo(() => createRoom(consultId, clinicianUid), [consultId, clinicianUid]);
  const desk = useMemo(() => deskFor(clinicianUid), [clinicianUid]);
  useEffect(() => () => room.dispose(), [room]);
  const consult = room.consult.value;
  const call = room.call.value;
  // The record is written once the call has started; its listener opens then, off the admission's path.
  const recordOpen = consult ? callHasStarted(consult.status) : false;
  const record = useMemo(() => (recordOpen ? createRecordModel(consultId) : null), [consultId, recordOpen]);
  useEffect(() => () => record?.dispose(), [record]);
  // Photos and the recording live in this page (never on a server): across calls of the consult, until saved.
  const media = useMemo(() => createConsultMedia(consultId, room.consult, room.call), [room]);
  useEffect(() => () => media.dispose(), [media]);

  // Back in an admitted consult after a reload: rejoin the call at once.
  useEffect(() => {
    if (consult?.status === 'admitted' && !room.call.value && room.busy.value === null && room.clinicianConsented.value) void room.joinCall();
  }, [consult?.status, room.clinicianConsented.value]);

  const actions = <ClinicianSignOut />;
  const alerts = <ArrivalAlerts desk={desk} hereConsultId={consultId} />;

  if (room.problem.value && !consult) {
    return (
      <Layout actions={actions}>
        <p><Link href="/">{t('room.back')}</Link></p>
        <ErrorMessage>{roomProblemText(room.problem.value)}</ErrorMessage>
      </Layout>
    );
  }
  if (!consult) return <Layout actions={actions}><Loading /></Layout>;

  if (call && consult.status === 'admitted') {
    const ending = room.busy.value === 'end';
    return (
      <Layout wide actions={actions} call>
        {alerts}
        <Call
          call={call}
          title={t('room.callTitle', { label: consult.patientLabel })}
          onLeave={() => void media.stopRecording('clinician').then(() => room.leaveCall())}
          leaveQuietly
          panels={[
            ...(record ? [{ id: 'record', label: t('record.panel'), render: (close: () => void) => <RecordPanel consult={consult} model={record} onClose={close} /> }] : []),
            {
              id: 'photos',
              label: t('photo.panel'),
              badge: media.unseen.value,
              badgeLabel: t('photo.panelNew', { count: media.unseen.value }),
              render: (close: () => void) => <PhotoPanel consultId={consultId} media={media} onClose={close} live />,
              onToggle: media.setPanelOpen,
            },
          ]}
          header={<CallClock who={consult.patientLabel} since={consult.admittedAt} minutes={consult.durationMinutes} scheduledFor={consult.scheduledFor} />}
          extra={
            <>
              <RecordingIndicator on={consult.recording?.on === true} />
              <RecordingControl media={media} />
              <button type="button" class="button danger solid" disabled={ending} aria-busy={ending}
                onClick={() => confirm(t('room.endConfirm')) && void media.stopRecording('ended').then(() => room.end())}>
                {ending ? t('room.ending') : t('room.end')}
              </button>
            </>
          }
        />
        {room.error.value && <ErrorMessage>{room.error.value}</ErrorMessage>}
      </Layout>
    );
  }

  return (
    <Layout wide actions={actions}>
      {alerts}
      <p><Link href="/">{t('room.back')}</Link></p>
      <h1>{t(isClosed(consult.status) ? 'room.closedTitle' : consult.status === 'admitted' ? 'room.callTitle' : 'room.title', { label: consult.patientLabel })}</h1>
      <p class="muted">
        {t('dash.when', { date: formatClinicDate(consult.scheduledFor, locale.value), time: formatClinicTime(consult.scheduledFor, locale.value), minutes: consult.durationMinutes })}
        {' · '}
        <span class={`badge status-${consult.status}`}>{t(`status.${consult.status}`)}</span>
      </p>
      {room.error.value && <ErrorMessage>{room.error.value}</ErrorMessage>}
      {isClosed(consult.status) ? <Summary room={room} /> : consult.status === 'admitted' ? <Rejoin room={room} /> : <WaitingRoom room={room} />}
      {record && <section class="card"><RecordPanel consult={consult} model={record} /></section>}
      <SavedMedia consultId={consultId} media={media} />
    </Layout>
  );
}

const STEPS: Array<{ key: 'link_opened' | 'consented' | 'devices' | 'waiting'; label: MessageKey }> = [
  { key: 'link_opened', label: 'room.step.link_opened' },
  { key: 'consented', label: 'room.step.consented' },
  { key: 'devices', label: 'room.step.devices' },
  { key: 'waiting', label: 'room.step.waiting' },
];

function WaitingRoom({ room }: { room: RoomModel }) {
  const consult = room.consult.value!;
  const steps = room.steps.value;
  const consented = room.clinicianConsented.value;
  const admitting = room.busy.value === 'admit' || room.busy.value === 'media';
  const lang = locale.value;
  useEffect(() => {
    if (consented === false) void room.loadClinicianConsent();
  }, [consented, lang]);
  const needsConsent = consented === false;
  const canAdmit = room.canAdmit.value && (!needsConsent || room.consentAccepted.value);
  const moving = useSignal(false);

  return (
    <div class="dashboard">
      <section class="card" aria-labelledby="progress-title">
        <h2 id="progress-title">{t('room.progress')}</h2>
        {consult.patientProgress === 'withdrawn' ? (
          <ErrorMessage>{t('room.withdrawn')}</ErrorMessage>
        ) : (
          <ol class="steps" aria-live="polite" data-testid="patient-progress">
            <li class="done" data-step="invited">
              <span class="mark" aria-hidden="true">✓</span>
              <span>{t('room.step.invited')} <span class="visually-hidden">({t('room.step.done')})</span></span>
            </li>
            {STEPS.map((step) => {
              const done = steps[step.key];
              return (
                <li key={step.key} class={done ? 'done' : 'pending'} data-step={step.key} data-done={String(done)}>
                  <span class="mark" aria-hidden="true">{done ? '✓' : ''}</span>
                  <span>{t(step.label)} <span class="visually-hidden">({done ? t('room.step.done') : t('room.step.pending')})</span></span>
                </li>
              );
            })}
          </ol>
        )}
        <p class="muted" data-testid="waiting-identity">
          {consult.patientIdentity ? identityLine(consult.patientIdentity) : t('identity.notGiven')}
        </p>
      </section>
      <section class="card" aria-labelledby="admit-title">
        <h2 id="admit-title">{t('room.admit')}</h2>
        {!room.canAdmit.value && consult.patientProgress !== 'withdrawn' && <p class="muted">{t('room.notYet')}</p>}
        {needsConsent && (
          <details>
            <summary>{t('room.clinicianConsent')}</summary>
            {room.consentText.value ? (
              <div class="consent-text" tabIndex={0} role="region" aria-label={t('room.clinicianConsent')}>
                <Markdown source={room.consentText.value.text} headingOffset={2} />
              </div>
            ) : (
              <Loading label={t('consent.loadingText')} />
            )}
          </details>
        )}
        {needsConsent && (
          <label class="check">
            <input type="checkbox" name="clinician-recording" checked={room.consentRecording.value} disabled={room.consentAccepted.value}
              onChange={(e) => (room.consentRecording.value = e.currentTarget.checked)} />
            <span>{t('room.clinicianRecording')}</span>
          </label>
        )}
        {needsConsent && (
          <label class="check">
            <input type="checkbox" name="clinician-consent" checked={room.consentAccepted.value}
              onChange={(e) => room.acceptTerms(e.currentTarget.checked)} />
            <span>{t('room.clinicianAccept')}</span>
          </label>
        )}
        <ClinicianPreview room={room} />
        <div class="actions">
          <button type="button" class="button primary" disabled={!canAdmit || admitting} aria-busy={admitting} onClick={() => void room.admit()}>
            {admitting ? t('room.admitting') : t('room.admit')}
          </button>
          {room.retrying.value && <p class="muted" role="status" data-testid="admit-retrying">{t('room.admitRetrying')}</p>}
          <button type="button" class="button danger" disabled={room.busy.value !== null}
            onClick={() => confirm(t('dash.cancelConfirm', { label: consult.patientLabel })) && void room.cancel()}>
            {room.busy.value === 'cancel' ? t('dash.cancelling') : t('room.cancel')}
          </button>
          {!moving.value && <button type="button" class="button secondary" onClick={() => (moving.value = true)}>{t('reschedule.button')}</button>}
        </div>
        {moving.value && <Reschedule consult={consult} onClose={() => (moving.value = false)} />}
      </section>
      {consult.patientProgress !== 'withdrawn' && <RunningLate consult={consult} />}
    </div>
  );
}

/** The clinician's own camera while the patient waits: checked before admitting, and ready for the call. */
function ClinicianPreview({ room }: { room: RoomModel }) {
  const stream = room.camera.value;
  const problem = room.cameraProblem.value;
  if (problem) return <p class="muted" role="status">{t('room.previewProblem', { reason: callReasonText(problem) })}</p>;
  if (!stream) return null;
  return (
    <div class="preview clinician-preview">
      <Video stream={stream} muted label={t('call.self')} testId="clinician-preview" />
    </div>
  );
}

function Rejoin({ room }: { room: RoomModel }) {
  const busy = room.busy.value !== null;
  return (
    <section class="card">
      {busy ? <Loading label={t('call.connecting')} /> : null}
      <div class="actions">
        <button type="button" class="button primary" disabled={busy} onClick={() => void room.joinCall()}>{t('ended.rejoin')}</button>
        <button type="button" class="button danger solid" disabled={busy} onClick={() => confirm(t('room.endConfirm')) && void room.end()}>
          {t('room.end')}
        </button>
      </div>
    </section>
  );
}

function Summary({ room }: { room: RoomModel }) {
  const consult = room.consult.value!;
  const heading = useRef<HTMLHeadingElement>(null);
  useEffect(() => heading.current?.focus(), []);
  const ms = consult.admittedAt && consult.endedAt ? consult.endedAt.getTime() - consult.admittedAt.getTime() : null;
  const quality = room.worstQuality.value;
  return (
    <section class="card" aria-labelledby="summary-title" data-screen="summary">
      <h2 id="summary-title" tabIndex={-1} ref={heading}>{consult.status === 'ended' ? t('room.summary') : t('room.closed', { status: t(`status.${consult.status}`).toLowerCase() })}</h2>
      {consult.status === 'ended' && (
        <ul>
          {ms !== null && <li data-testid="summary-duration">{t('room.duration', { minutes: Math.floor(ms / 60_000), seconds: Math.floor((ms % 60_000) / 1000) })}</li>}
          <li data-testid="summary-quality">{t('room.quality', { quality: t(quality === 'unknown' ? 'quality.notMeasured' : `quality.${quality}`) })}</li>
        </ul>
      )}
      <Link href="/" class="button secondary">{t('room.back')}</Link>
    </section>
  );
}
