import type { ComponentChildren } from 'preact';
import { useSignal } from '@preact/signals';
import { useEffect, useMemo } from 'preact/hooks';
import { formatBirthDate, formatCpf, formatProfessional } from '../../../functions/src/lib/identity';
import type { ConsentDoc, StatsDoc } from '../../../functions/src/lib/model';
import { CLINIC } from '../clinic';
import { formatClinicDate, formatClinicTime } from '../clinicTime';
import { locale, t, type MessageKey } from '../i18n';
import { Layout } from '../components/Layout';
import { Link } from '../components/Link';
import { ErrorMessage, Loading } from '../components/Status';
import { isClinician, session } from '../state/auth';
import { describeError } from '../state/errors';
import { createRecordModel, loadRecordSheet, type ClinicalRecord, type RecordSheet } from '../state/record';
import { SignIn } from './SignIn';
import { formatBytes, formatDuration } from './mediaText';
import './record.css';

const date = (d: Date) => formatClinicDate(d, locale.value);
const time = (d: Date) => formatClinicTime(d, locale.value);
const at = (d: Date) => ({ date: date(d), time: time(d) });

function Row({ term, children, testId }: { term: string; children: ComponentChildren; testId?: string }) {
  return (
    <>
      <dt>{term}</dt>
      <dd data-testid={testId}>{children}</dd>
    </>
  );
}

/** /consults/{id}/record: the clinician's printable record of one consult (CFM 2.314/2022, one or two A4 pages). */
export function RecordPage({ consultId }: { consultId: string }) {
  const s = session.value;
  if (s === undefined) return <Layout><Loading /></Layout>;
  if (!s || s.anonymous) return <SignIn />;
  if (!isClinician.value) return <SignIn notClinician />;
  return <Sheet consultId={consultId} />;
}

function Sheet({ consultId }: { consultId: string }) {
  const sheet = useSignal<RecordSheet | null>(null);
  const problem = useSignal<string | null>(null);
  const model = useMemo(() => createRecordModel(consultId), [consultId]);
  useEffect(() => () => model.dispose(), [model]);
  useEffect(() => {
    loadRecordSheet(consultId).then((loaded) => (sheet.value = loaded), (err: unknown) => (problem.value = describeError(err)));
  }, [consultId]);
  const back = <p class="record-actions"><Link href={`/consults/${consultId}`}>{t('record.back')}</Link></p>;
  if (problem.value || model.problem.value) {
    return <Layout>{back}<ErrorMessage>{t('record.notFound')} {problem.value ?? model.problem.value}</ErrorMessage></Layout>;
  }
  const loaded = sheet.value;
  const record = model.record.value;
  if (!loaded || record === undefined) return <Layout><Loading label={t('record.loading')} /></Layout>;
  return (
    <Layout>
      <article class="record-page" data-screen="record" aria-labelledby="record-page-title">
        <div class="record-actions">
          <Link href={`/consults/${consultId}`}>{t('record.back')}</Link>
          <button type="button" class="button primary" onClick={() => print()}>{t('record.print')}</button>
        </div>
        <h1 id="record-page-title">{t('record.pageTitle')}</h1>
        <ClinicSection />
        <PeopleSection sheet={loaded} />
        <ConsultSection sheet={loaded} />
        <ConsentSection sheet={loaded} />
        <TechnicalSection sheet={loaded} />
        <NoteSection sheet={loaded} record={record} />
        <AuditSection sheet={loaded} consultId={consultId} />
        <p class="muted">{t('record.generatedAt', at(new Date()))}</p>
      </article>
    </Layout>
  );
}

function ClinicSection() {
  return (
    <section data-testid="record-clinic">
      <h2>{t('record.clinic')}</h2>
      <dl>
        <Row term={t('record.clinic')}>{CLINIC.name}</Row>
        <Row term={t('record.cnpj')}>{CLINIC.cnpj}</Row>
        <Row term={t('record.address')}>{CLINIC.address}</Row>
        <Row term={t('record.dpo')}>{`${CLINIC.dpoName} <${CLINIC.dpoEmail}>`}</Row>
      </dl>
    </section>
  );
}

function PeopleSection({ sheet }: { sheet: RecordSheet }) {
  const { consult } = sheet;
  const identity = consult.patientIdentity;
  const check = identity?.confirmedAt
    ? t('record.identityConfirmed', at(identity.confirmedAt)) + (identity.document ? ` (${identity.document})` : '')
    : t('record.identityNotConfirmed');
  return (
    <section data-testid="record-people">
      <h2>{t('record.professional')} · {t('record.patient')}</h2>
      <dl>
        <Row term={t('record.professional')} testId="record-professional">{consult.clinician ? formatProfessional(consult.clinician) : '—'}</Row>
        <Row term={t('record.name')} testId="record-patient-name">{identity?.fullName ?? '—'}</Row>
        <Row term={t('record.birth')}>{identity ? formatBirthDate(identity.birthDate) : '—'}</Row>
        {identity?.cpf && <Row term="CPF">{formatCpf(identity.cpf)}</Row>}
        <Row term={t('record.label')}>{consult.patientLabel}</Row>
        <Row term={t('record.identityCheck')} testId="record-identity-check">
          {identity ? `${t(identity.statedBy === 'patient' ? 'record.identityByPatient' : 'record.identityByClinician')}; ${check}` : check}
        </Row>
      </dl>
    </section>
  );
}

function ConsultSection({ sheet }: { sheet: RecordSheet }) {
  const { consult } = sheet;
  const ms = consult.admittedAt && consult.endedAt ? consult.endedAt.getTime() - consult.admittedAt.getTime() : null;
  return (
    <section data-testid="record-consult">
      <h2>{t('record.consult')}</h2>
      <dl>
        <Row term={t('record.date')}>{date(consult.admittedAt ?? consult.scheduledFor)}</Row>
        <Row term={t('record.scheduled')}>{time(consult.scheduledFor)}</Row>
        <Row term={t('record.admitted')} testId="record-admitted">{consult.admittedAt ? time(consult.admittedAt) : '—'}</Row>
        <Row term={t('record.ended')} testId="record-ended">{consult.endedAt ? time(consult.endedAt) : '—'}</Row>
        <Row term={t('record.duration')} testId="record-duration">
          {ms === null ? '—' : t('record.durationValue', { minutes: Math.floor(ms / 60_000), seconds: Math.floor((ms % 60_000) / 1000) })}
        </Row>
        <Row term={t('record.status')}>{t(`status.${consult.status}` as MessageKey)}</Row>
      </dl>
    </section>
  );
}

function consentLine(who: string, consent: ConsentDoc<Date> | null): ComponentChildren {
  if (!consent) return t('record.consentNone', { who });
  return (
    <>
      {t('record.consentOf', { who, version: consent.textVersion, locale: consent.locale, ...at(consent.acceptedAt), recording: t(consent.recording ? 'record.yes' : 'record.no') })}
      <br />
      <span class="muted">{t('record.textHash')}: </span><span class="hash">{consent.textHash}</span>
    </>
  );
}

function ConsentSection({ sheet }: { sheet: RecordSheet }) {
  return (
    <section data-testid="record-consents">
      <h2>{t('record.consents')}</h2>
      <ul>
        <li>{consentLine(t('record.patientWord'), sheet.consents.patient)}</li>
        <li>{consentLine(t('record.clinicianWord'), sheet.consents.clinician)}</li>
      </ul>
    </section>
  );
}

function qualityLine(who: string, stats: StatsDoc<Date> | null): string {
  if (!stats || stats.rttMs === null) return t('record.qualityNone', { who });
  const n = (v: number | null) => (v === null ? '—' : String(Math.round(v * 10) / 10));
  return t('record.qualityOf', { who, rtt: n(stats.rttMs), loss: n(stats.packetLossPct), jitter: n(stats.jitterMs), restarts: stats.iceRestarts });
}

function TechnicalSection({ sheet }: { sheet: RecordSheet }) {
  const types = [sheet.stats.clinician?.candidateType, sheet.stats.patient?.candidateType].filter(Boolean);
  const path = types.length === 0 ? 'record.path.unknown' : types.includes('relay') ? 'record.path.relay' : 'record.path.direct';
  return (
    <section data-testid="record-technical">
      <h2>{t('record.media')}</h2>
      {sheet.media.length === 0 ? <p data-testid="record-media">{t('record.noMedia')}</p> : (
        <>
          <ul data-testid="record-media">
            {sheet.media.map((m) => (
              <li key={m.id} data-kind={m.kind}>
                {m.kind === 'photo'
                  ? t('record.photoLine', {
                      site: m.site ?? t('photo.noSite'), ...at(m.at), width: m.width, height: m.height, size: formatBytes(m.bytes),
                      how: m.requested ? t('record.photoRequested') : t('record.photoUnprompted'), seq: m.seq,
                    })
                  : t('record.recordingLine', {
                      start: `${date(m.startedAt)} ${time(m.startedAt)}`, end: time(m.stoppedAt), duration: formatDuration(m.durationMs),
                      size: formatBytes(m.bytes), why: t(`record.recordingStop.${m.reason}`), seq: m.seq,
                    })}
                {' · '}SHA-256 <span class="hash">{m.sha256}</span>
              </li>
            ))}
          </ul>
          <p class="muted">{t('record.mediaKept')} <code>npm run audit:verify -- {sheet.consult.id} --file …</code></p>
        </>
      )}
      <h2>{t('record.platform')}</h2>
      <p>{t('record.platformText')}</p>
      <p data-testid="record-path" data-path={path}>{t(path)}</p>
      <h2>{t('record.qualityTitle')}</h2>
      <ul data-testid="record-quality">
        <li>{qualityLine(t('record.patientWord'), sheet.stats.patient)}</li>
        <li>{qualityLine(t('record.clinicianWord'), sheet.stats.clinician)}</li>
      </ul>
    </section>
  );
}

function NoteSection({ sheet, record }: { sheet: RecordSheet; record: ClinicalRecord | null }) {
  const signer = sheet.consult.clinician ? formatProfessional(sheet.consult.clinician) : '';
  return (
    <section data-testid="record-note-section">
      <h2>{t('record.noteTitle')}</h2>
      {!record || !record.note ? <p>{t('record.noNote')}</p> : (
        <>
          <div class="record-note" data-testid="record-page-note">{record.note}</div>
          <p class="muted">
            {record.signedAt ? t('record.signedBy', { who: signer, ...at(record.signedAt) }) : t('record.draftNote')}
            {' · '}SHA-256 <span class="hash">{record.noteHash}</span>
          </p>
          {record.addenda.length > 0 && (
            <ol class="addenda" aria-label={t('record.addenda')}>
              {record.addenda.map((a, i) => (
                <li key={a.hash + i} data-testid="record-page-addendum">
                  <span class="muted">{t('record.addendumAt', { n: i + 1, time: `${date(a.at)} ${time(a.at)}` })}</span>
                  <div class="record-note">{a.text}</div>
                  <span class="hash">SHA-256 {a.hash}</span>
                </li>
              ))}
            </ol>
          )}
        </>
      )}
    </section>
  );
}

function AuditSection({ sheet, consultId }: { sheet: RecordSheet; consultId: string }) {
  return (
    <section data-testid="record-audit">
      <h2>{t('record.audit')}</h2>
      <p>{t('record.auditHead', { seq: sheet.auditHead.seq })} <span class="hash" data-testid="record-audit-hash">{sheet.auditHead.hash}</span></p>
      <p>{t('record.auditVerify')} <code>npm run audit:verify -- {consultId}</code></p>
    </section>
  );
}
