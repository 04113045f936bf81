import { t } from '../i18n';

/** The words the patient reads about a delay: about how late, and the clinician's note if any. */
export function lateText(minutes: number | null, note: string | null): string {
  const parts = [minutes !== null ? t('late.patientMinutes', { minutes }) : null, note].filter((p): p is string => !!p);
  return parts.join(' — ');
}
