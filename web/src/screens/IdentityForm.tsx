import { useSignal } from '@preact/signals';
import type { PatientIdentityInput } from '../../../functions/src/lib/api';
import { PATIENT_NAME_MAX, formatBirthDate, formatCpf, isPlausibleBirthDate, isValidCpf } from '../../../functions/src/lib/identity';
import { CLINIC } from '../clinic';
import { t } from '../i18n';
import { ErrorMessage } from '../components/Status';
import type { Identity } from '../state/consult';
import './record.css';

/** What is wrong with a typed identity, field by field, before anything is sent. */
function problemsOf(input: { fullName: string; birthDate: string; cpf: string }, cpfRequired: boolean) {
  const name = input.fullName.trim();
  return {
    fullName: name.length < 3 || !name.includes(' ') ? t('identity.nameProblem') : null,
    birthDate: !isPlausibleBirthDate(input.birthDate, Date.now()) ? t('identity.birthProblem') : null,
    cpf: !CLINIC.askPatientCpf ? null
      : input.cpf.trim() === '' ? (cpfRequired ? t('identity.cpfMissing') : null)
      : !isValidCpf(input.cpf) ? t('identity.cpfProblem') : null,
  };
}

/**
 * Name, date of birth and (where the clinic asks) CPF. `cpfRequired`: the patient must give a CPF
 * the clinic asks for; a clinician correcting may leave it empty for a patient without one.
 */
export function IdentityFields({ initial, cpfRequired, busy, submitLabel, onSubmit, onCancel, autoFocus }: {
  initial: Identity | null;
  cpfRequired: boolean;
  busy: boolean;
  submitLabel: string;
  onSubmit: (identity: PatientIdentityInput) => void;
  onCancel?: () => void;
  autoFocus?: boolean;
}) {
  const fullName = useSignal(initial?.fullName ?? '');
  const birthDate = useSignal(initial?.birthDate ?? '');
  const cpf = useSignal(initial?.cpf ? formatCpf(initial.cpf) : '');
  const tried = useSignal(false);
  const problems = problemsOf({ fullName: fullName.value, birthDate: birthDate.value, cpf: cpf.value }, cpfRequired);
  const show = (key: keyof typeof problems) => (tried.value ? problems[key] : null);
  const submit = (event: Event) => {
    event.preventDefault();
    tried.value = true;
    if (problems.fullName || problems.birthDate || problems.cpf) return;
    onSubmit({ fullName: fullName.value.trim(), birthDate: birthDate.value, cpf: CLINIC.askPatientCpf && cpf.value.trim() ? cpf.value.trim() : null });
  };
  const field = (id: string, key: keyof typeof problems) => ({
    id,
    'aria-invalid': show(key) ? true : undefined,
    'aria-describedby': show(key) ? `${id}-problem` : undefined,
  });
  return (
    <form class="identity-fields" onSubmit={submit} noValidate>
      <label for="identity-name">{t('identity.fullName')}</label>
      <input {...field('identity-name', 'fullName')} name="fullName" autoComplete="name" autoFocus={autoFocus} maxLength={PATIENT_NAME_MAX} required
        value={fullName.value} onInput={(e) => (fullName.value = e.currentTarget.value)} />
      {show('fullName') && <p class="field-problem" id="identity-name-problem">{problems.fullName}</p>}
      <label for="identity-birth">{t('identity.birthDate')}</label>
      <input {...field('identity-birth', 'birthDate')} name="birthDate" type="date" autoComplete="bday" required
        max={new Date().toISOString().slice(0, 10)} value={birthDate.value} onInput={(e) => (birthDate.value = e.currentTarget.value)} />
      {show('birthDate') && <p class="field-problem" id="identity-birth-problem">{problems.birthDate}</p>}
      {CLINIC.askPatientCpf && (
        <>
          <label for="identity-cpf">{cpfRequired ? t('identity.cpf') : t('identity.cpfOptional')}</label>
          <input {...field('identity-cpf', 'cpf')} name="cpf" inputMode="numeric" autoComplete="off" maxLength={14} placeholder="000.000.000-00"
            value={cpf.value} onInput={(e) => (cpf.value = e.currentTarget.value)} />
          {show('cpf') && <p class="field-problem" id="identity-cpf-problem">{problems.cpf}</p>}
        </>
      )}
      <div class="actions">
        <button type="submit" class="button primary" disabled={busy} aria-busy={busy}>{submitLabel}</button>
        {onCancel && <button type="button" class="button secondary" onClick={onCancel}>{t('common.cancel')}</button>}
      </div>
    </form>
  );
}

/** One line for an identity: "Maria da Silva · nasc. 12/03/1958 · CPF 529.982.247-25". */
export function identityLine(identity: Pick<Identity, 'fullName' | 'birthDate' | 'cpf'>): string {
  const parts = [identity.fullName, t('identity.born', { date: formatBirthDate(identity.birthDate) })];
  if (identity.cpf) parts.push(`CPF ${formatCpf(identity.cpf)}`);
  return parts.join(' · ');
}

/** The patient, while waiting: who they are, for the record; sent once, changeable until confirmed. */
export function PatientIdentity({ identity, onSend }: { identity: Identity | null; onSend: (input: PatientIdentityInput) => Promise<void> }) {
  const editing = useSignal(false);
  const busy = useSignal(false);
  const error = useSignal<string | null>(null);
  const send = async (input: PatientIdentityInput) => {
    busy.value = true;
    error.value = null;
    try {
      await onSend(input);
      editing.value = false;
    } catch (err) {
      error.value = err instanceof Error ? err.message : String(err);
    } finally {
      busy.value = false;
    }
  };
  const open = editing.value;
  const state = identity?.confirmedAt ? 'confirmed' : identity ? 'given' : 'missing';
  return (
    <section class="identity" aria-labelledby="identity-title" data-testid="patient-identity" data-state={state}>
      <h2 id="identity-title">{t('identity.title')}</h2>
      {!identity && !open ? (
        // Asked for in one line, so the waiting room still fits a phone; the form opens on demand.
        <p class="identity-ask">
          <span>{t('identity.ask')}</span>{' '}
          <button type="button" class="button primary" onClick={() => (editing.value = true)}>{t('identity.open')}</button>
        </p>
      ) : open ? (
        <>
          <p class="hint">{t('identity.why')}</p>
          <IdentityFields initial={identity} cpfRequired busy={busy.value} submitLabel={t('identity.send')} onSubmit={(i) => void send(i)}
            onCancel={() => (editing.value = false)} autoFocus />
        </>
      ) : (
        <div role="status">
          <p>{identityLine(identity!)}</p>
          {identity!.confirmedAt ? <p class="hint">{t('identity.confirmedForPatient')}</p> : (
            <p class="hint">
              {t('identity.sent')}{' '}
              <button type="button" class="link-button" onClick={() => (editing.value = true)}>{t('identity.change')}</button>
            </p>
          )}
        </div>
      )}
      {error.value && <ErrorMessage>{error.value}</ErrorMessage>}
    </section>
  );
}
