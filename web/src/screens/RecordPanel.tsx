import { useSignal } from '@preact/signals';
import { useEffect } from 'preact/hooks';
import { IDENTITY_DOCUMENT_MAX } from '../../../functions/src/lib/identity';
import { RECORD_LIMITS, callHasStarted } from '../../../functions/src/lib/model';
import { locale, t } from '../i18n';
import { Link } from '../components/Link';
import { ErrorMessage, Loading } from '../components/Status';
import { formatClinicTime } from '../clinicTime';
import type { Consult } from '../state/consult';
import type { RecordModel } from '../state/record';
import { IdentityFields, identityLine } from './IdentityForm';
import './record.css';

const time = (date: Date) => formatClinicTime(date, locale.value);

/** What the patient said about who they are, and the clinician's check once they are on video. */
export function IdentityCheck({ consult, model }: { consult: Consult; model: RecordModel }) {
  const identity = consult.patientIdentity;
  const correcting = useSignal(false);
  const document = useSignal(identity?.document ?? '');
  const canConfirm = callHasStarted(consult.status);
  const busy = model.busy.value === 'identity';
  const confirm = async (correction: Parameters<RecordModel['confirmIdentity']>[0]['correction']) => {
    const ok = await model.confirmIdentity({ document: document.value.trim() || null, correction });
    if (ok) correcting.value = false;
  };
  return (
    <section class="identity-check" aria-labelledby="identity-check-title" data-testid="identity-check"
      data-state={identity?.confirmedAt ? 'confirmed' : identity ? 'given' : 'missing'}>
      <h2 id="identity-check-title">{t('identity.checkTitle')}</h2>
      <p data-testid="identity-given">{identity ? identityLine(identity) : t('identity.notGiven')}</p>
      {identity && (
        <p class="hint">
          {identity.confirmedAt
            ? t('identity.confirmedAt', { time: time(identity.confirmedAt) }) + (identity.document ? ` · ${identity.document}` : '')
            : identity.statedBy === 'patient' ? t('identity.givenByPatient', { time: time(identity.statedAt) }) : ''}
        </p>
      )}
      {!canConfirm && <p class="hint">{t('identity.confirmLater')}</p>}
      {canConfirm && !correcting.value && (
        <>
          <label for="identity-document">{t('identity.document')}</label>
          <input id="identity-document" name="document" maxLength={IDENTITY_DOCUMENT_MAX} placeholder={t('identity.documentExample')}
            value={document.value} onInput={(e) => (document.value = e.currentTarget.value)} />
          <div class="actions">
            {identity && (
              <button type="button" class="button primary" disabled={busy} aria-busy={busy} onClick={() => void confirm(null)}>
                {identity.confirmedAt ? t('identity.confirmAgain') : t('identity.confirm')}
              </button>
            )}
            <button type="button" class="button secondary" onClick={() => (correcting.value = true)}>
              {identity ? t('identity.correct') : t('identity.enter')}
            </button>
          </div>
        </>
      )}
      {canConfirm && correcting.value && (
        <IdentityFields initial={identity} cpfRequired={false} busy={busy} submitLabel={t('identity.saveCorrection')}
          onSubmit={(correction) => void confirm(correction)} onCancel={() => (correcting.value = false)} />
      )}
    </section>
  );
}

const draftKey = (consultId: string) => `tc.recordDraft.${consultId}`;

/** Typed text kept on this device until it is saved, so a crash or a closed tab loses nothing. */
function useKeptDraft(consultId: string, saved: string | undefined) {
  const text = useSignal<string | null>(null);
  useEffect(() => {
    if (saved === undefined || text.peek() !== null) return;
    let kept: string | null = null;
    try {
      kept = localStorage.getItem(draftKey(consultId));
    } catch {
      // Storage off: nothing kept.
    }
    text.value = kept ?? saved;
  }, [saved]);
  const set = (value: string) => {
    text.value = value;
    try {
      localStorage.setItem(draftKey(consultId), value);
    } catch {
      // Storage full or off: the text is still on screen.
    }
  };
  const forget = () => {
    try {
      localStorage.removeItem(draftKey(consultId));
    } catch {
      // Nothing kept.
    }
  };
  return { text, set, forget };
}

/** The consult note: a draft saved at will, signed once ("Assinar registro"), addenda after. */
export function RecordEditor({ consult, model }: { consult: Consult; model: RecordModel }) {
  const record = model.record.value;
  const draft = useKeptDraft(consult.id, record === undefined ? undefined : record?.note ?? '');
  const addendum = useSignal('');
  const busy = model.busy.value;
  const canWrite = callHasStarted(consult.status);
  if (record === undefined) return model.problem.value ? <ErrorMessage>{model.problem.value}</ErrorMessage> : <Loading label={t('record.loading')} />;
  const text = draft.text.value ?? '';
  const unsaved = !record?.signedAt && text.trim() !== (record?.note ?? '');

  const save = async (mode: 'draft' | 'sign') => {
    if (mode === 'sign' && !confirm(t('record.signConfirm'))) return;
    if (await model.save(text, mode)) draft.forget();
  };
  const addAddendum = async () => {
    if (await model.save(addendum.value, 'addendum')) addendum.value = '';
  };

  return (
    <section class="record-editor" aria-labelledby="record-title" data-testid="record-editor" data-signed={String(Boolean(record?.signedAt))}>
      <h2 id="record-title">{t('record.title')}</h2>
      {!canWrite && <p class="hint">{t('record.later')}</p>}
      {record?.signedAt ? (
        <>
          <p class="hint" data-testid="record-signed">{t('record.signedAt', { time: time(record.signedAt) })}</p>
          <div class="record-note" data-testid="record-note">{record.note}</div>
          {record.addenda.length > 0 && (
            <ol class="addenda" aria-label={t('record.addenda')}>
              {record.addenda.map((a, i) => (
                <li key={a.hash + i} data-testid="record-addendum">
                  <span class="muted">{t('record.addendumAt', { n: i + 1, time: time(a.at) })}</span>
                  <div class="record-note">{a.text}</div>
                </li>
              ))}
            </ol>
          )}
          <label for="record-addendum">{t('record.addendum')}</label>
          <textarea id="record-addendum" rows={3} maxLength={RECORD_LIMITS.addendumMax} value={addendum.value}
            onInput={(e) => (addendum.value = e.currentTarget.value)} />
          <div class="actions">
            <button type="button" class="button primary" disabled={busy !== null || !addendum.value.trim()} aria-busy={busy === 'addendum'}
              onClick={() => void addAddendum()}>{t('record.addAddendum')}</button>
          </div>
        </>
      ) : (
        <>
          <label for="record-note">{t('record.note')}</label>
          <textarea id="record-note" rows={8} maxLength={RECORD_LIMITS.noteMax} disabled={!canWrite} value={text}
            onInput={(e) => draft.set(e.currentTarget.value)} />
          <p class="hint" role="status" data-testid="record-status">
            {unsaved ? t('record.unsaved') : record ? t('record.savedAt', { time: time(record.savedAt) }) : ''}
          </p>
          <div class="actions">
            <button type="button" class="button secondary" disabled={!canWrite || busy !== null || !unsaved} aria-busy={busy === 'draft'}
              onClick={() => void save('draft')}>{t('record.saveDraft')}</button>
            <button type="button" class="button primary" disabled={!canWrite || busy !== null || !text.trim()} aria-busy={busy === 'sign'}
              onClick={() => void save('sign')}>{t('record.sign')}</button>
          </div>
        </>
      )}
      {model.error.value && <ErrorMessage>{model.error.value}</ErrorMessage>}
      <p><Link href={`/consults/${consult.id}/record`}>{t('record.open')}</Link></p>
    </section>
  );
}

/** Identity and note together: beside the video during the call, in the summary after it. */
export function RecordPanel({ consult, model, onClose }: { consult: Consult; model: RecordModel; onClose?: () => void }) {
  return (
    <div class={onClose ? 'chat record-panel' : 'record-panel'} data-testid="record-panel">
      {onClose && (
        <div class="chat-head">
          <h2>{t('record.panel')}</h2>
          <button type="button" class="button" onClick={onClose}>{t('common.close')}</button>
        </div>
      )}
      <div class="record-panel-body">
        <IdentityCheck consult={consult} model={model} />
        <RecordEditor consult={consult} model={model} />
      </div>
    </div>
  );
}
