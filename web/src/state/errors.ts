// Turns any failure (callable, auth, network) into one sentence a person can act on.
import { isReason, reasonText, t } from '../i18n';
import type { Reason } from '../../../functions/src/lib/errors';

interface CodedError {
  code: string;
  details?: unknown;
}

function isCoded(error: unknown): error is CodedError {
  return typeof error === 'object' && error !== null && typeof (error as { code?: unknown }).code === 'string';
}

/** The server's reason for a failed callable, when it gave one. */
export function reasonOf(error: unknown): Reason | null {
  if (!isCoded(error) || !error.code.startsWith('functions/')) return null;
  const details = error.details;
  const reason = typeof details === 'object' && details !== null ? (details as { reason?: unknown }).reason : undefined;
  return isReason(reason) ? reason : null;
}

export function describeError(error: unknown): string {
  const reason = reasonOf(error);
  if (reason) return reasonText(reason);
  if (!isCoded(error)) return t('error.generic');
  switch (error.code) {
    case 'auth/invalid-credential':
    case 'auth/invalid-login-credentials':
    case 'auth/wrong-password':
    case 'auth/user-not-found':
    case 'auth/invalid-email':
      return t('signin.invalid');
    case 'auth/too-many-requests':
      return t('signin.tooMany');
    case 'auth/user-disabled':
      return t('signin.disabled');
    case 'auth/network-request-failed':
    case 'unavailable':
      return t('error.network');
    case 'functions/unavailable':
    case 'functions/deadline-exceeded':
      return navigator.onLine ? t('error.unavailable') : t('error.network');
    case 'functions/unauthenticated':
      return reasonText('unauthenticated');
    case 'permission-denied':
    case 'functions/permission-denied':
      return reasonText('not_participant');
    case 'not-found':
      return reasonText('consult_not_found');
    default:
      return navigator.onLine ? t('error.generic') : t('error.network');
  }
}
