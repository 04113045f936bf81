import { HttpsError, type FunctionsErrorCode } from 'firebase-functions/v2/https';

/**
 * Every expected failure, by reason. The compiler keeps REASON_CODES complete, so a new
 * reason cannot ship without its HTTP-level code.
 */
export type Reason =
  | 'unauthenticated'
  | 'not_clinician'
  | 'not_admin'
  | 'not_owner'
  | 'not_participant'
  | 'invalid_input'
  | 'consult_not_found'
  | 'illegal_transition'
  | 'consult_closed'
  | 'invite_invalid'
  | 'invite_expired'
  | 'invite_locked'
  | 'invite_taken'
  | 'rate_limited'
  | 'consent_required'
  | 'consent_exists'
  | 'consent_version_unknown'
  | 'consent_text_mismatch'
  | 'consent_withdrawn'
  | 'turn_unavailable'
  | 'turn_rate_limited'
  | 'turn_not_configured'
  | 'turn_too_early'
  | 'professional_unregistered'
  | 'identity_missing'
  | 'identity_confirmed'
  | 'record_signed'
  | 'record_unsigned'
  | 'record_full'
  | 'consent_outdated'
  | 'recording_not_consented'
  | 'recording_on'
  | 'recording_unknown'
  | 'photo_exists';

const REASON_CODES: Record<Reason, FunctionsErrorCode> = {
  unauthenticated: 'unauthenticated',
  not_clinician: 'permission-denied',
  not_admin: 'permission-denied',
  not_owner: 'permission-denied',
  not_participant: 'permission-denied',
  invalid_input: 'invalid-argument',
  consult_not_found: 'not-found',
  illegal_transition: 'failed-precondition',
  consult_closed: 'failed-precondition',
  invite_invalid: 'permission-denied',
  invite_expired: 'deadline-exceeded',
  invite_locked: 'resource-exhausted',
  invite_taken: 'already-exists',
  rate_limited: 'resource-exhausted',
  consent_required: 'failed-precondition',
  consent_exists: 'already-exists',
  consent_version_unknown: 'failed-precondition',
  consent_text_mismatch: 'failed-precondition',
  consent_withdrawn: 'failed-precondition',
  turn_unavailable: 'unavailable',
  turn_rate_limited: 'resource-exhausted',
  turn_not_configured: 'failed-precondition',
  turn_too_early: 'failed-precondition',
  professional_unregistered: 'failed-precondition',
  identity_missing: 'failed-precondition',
  identity_confirmed: 'failed-precondition',
  record_signed: 'failed-precondition',
  record_unsigned: 'failed-precondition',
  record_full: 'resource-exhausted',
  consent_outdated: 'failed-precondition',
  recording_not_consented: 'failed-precondition',
  recording_on: 'failed-precondition',
  recording_unknown: 'failed-precondition',
  photo_exists: 'already-exists',
};

/** An expected failure: a reason the client can switch on and a sentence a person can act on. */
export class AppError extends Error {
  constructor(
    readonly reason: Reason,
    message: string,
    readonly details: Record<string, string | number | boolean> = {},
  ) {
    super(message);
    this.name = 'AppError';
  }
}

export function fail(reason: Reason, message: string, details?: Record<string, string | number | boolean>): never {
  throw new AppError(reason, message, details);
}

/** The one place an AppError becomes an HttpsError. Anything else is a bug: `internal`. */
export function toHttpsError(error: unknown): HttpsError {
  if (error instanceof HttpsError) return error;
  if (error instanceof AppError) {
    return new HttpsError(REASON_CODES[error.reason], error.message, { reason: error.reason, ...error.details });
  }
  return new HttpsError('internal', 'Something went wrong on our side. Please try again in a moment.');
}

export function codeFor(reason: Reason): FunctionsErrorCode {
  return REASON_CODES[reason];
}
