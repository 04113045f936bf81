import type { ComponentChildren } from 'preact';
import { t } from '../i18n';

/** Every wait shows what is happening; screen readers hear it once. */
export function Loading({ label }: { label?: string }) {
  return (
    <div class="loading" role="status" aria-live="polite">
      <span class="spinner" aria-hidden="true" />
      <span>{label ?? t('common.loading')}</span>
    </div>
  );
}

/** A failure with the next step. */
export function ErrorMessage({ children, action }: { children: ComponentChildren; action?: ComponentChildren }) {
  return (
    <div class="error" role="alert">
      <p>{children}</p>
      {action}
    </div>
  );
}
