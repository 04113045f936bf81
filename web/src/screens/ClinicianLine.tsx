import { formatProfessional, type Professional } from '../../../functions/src/lib/identity';
import { t } from '../i18n';

/** "Quem vai atender: Enf. Ana Souza — COREN-SP 123456-ENF" (CFM 2.314/2022: the patient knows who treats them). */
export function ClinicianLine({ clinician, compact }: { clinician: Professional | null; compact?: boolean }) {
  if (!clinician) return null;
  return (
    <p class={compact ? 'clinician-line compact' : 'clinician-line'} data-testid="clinician-line">
      {compact ? formatProfessional(clinician) : t('pro.treatedBy', { who: formatProfessional(clinician) })}
    </p>
  );
}
