// Small pieces the patient's screens share with the clinician's photo panel: sizes, durations and
// the "Gravando" mark. Kept apart so the patient's call does not load the clinician's panel.
import { locale, t } from '../i18n';
import './media.css';

export function formatBytes(bytes: number): string {
  const mb = bytes / (1024 * 1024);
  const nf = new Intl.NumberFormat(locale.value, { maximumFractionDigits: 1 });
  return mb >= 1 ? `${nf.format(mb)} MB` : `${nf.format(Math.max(1, Math.round(bytes / 1024)))} KB`;
}

export function formatDuration(ms: number): string {
  const s = Math.floor(ms / 1000);
  const p = (n: number) => String(n).padStart(2, '0');
  return s >= 3600 ? `${Math.floor(s / 3600)}:${p(Math.floor(s / 60) % 60)}:${p(s % 60)}` : `${p(Math.floor(s / 60))}:${p(s % 60)}`;
}

/** "Gravando", on both screens, from the consult document: what the server says, not what a page thinks. */
export function RecordingIndicator({ on }: { on: boolean }) {
  if (!on) return null;
  return (
    <span class="pill rec-indicator" role="status" data-testid="recording-indicator">
      <span class="rec-dot" aria-hidden="true" />
      {t('rec.on')}
    </span>
  );
}
