import { callHasStarted, type ConsultStatus } from '../lib/model';
import { AppError } from '../lib/errors';

/**
 * What can happen to a consult. `patient_consented` is raised by recordConsent, `expire` by the
 * retention purge; the others by the callables of the same name.
 */
export type ConsultEvent = 'patient_consented' | 'admit' | 'end' | 'cancel' | 'consent_withdrawn' | 'expire';

export type Transition =
  | { ok: true; status: ConsultStatus }
  | { ok: false; reason: 'illegal_transition'; from: ConsultStatus; event: ConsultEvent; message: string };

/** scheduled → waiting → admitted → ended, or cancelled before anyone was admitted. */
const NEXT: Record<ConsultStatus, Partial<Record<ConsultEvent, ConsultStatus>>> = {
  scheduled: { patient_consented: 'waiting', cancel: 'cancelled', end: 'ended', consent_withdrawn: 'ended', expire: 'ended' },
  waiting: { admit: 'admitted', cancel: 'cancelled', end: 'ended', consent_withdrawn: 'ended', expire: 'ended' },
  admitted: { end: 'ended', consent_withdrawn: 'ended', expire: 'ended' },
  ended: {},
  cancelled: {},
};

const EVENT_WORDS: Record<ConsultEvent, string> = {
  patient_consented: 'move to the waiting room',
  admit: 'admit the patient',
  end: 'end',
  cancel: 'cancel',
  consent_withdrawn: 'end on a consent withdrawal',
  expire: 'expire',
};

const WHY_NOT: Record<ConsultStatus, string> = {
  scheduled: 'the patient has not accepted the consent yet',
  waiting: 'the patient is still in the waiting room',
  admitted: 'the call is already under way',
  ended: 'it has already ended',
  cancelled: 'it was cancelled',
};

/** The status a consult moves to on an event, or a refusal with a sentence; pure. */
export function transition(status: ConsultStatus, event: ConsultEvent): Transition {
  const next = NEXT[status][event];
  if (next) return { ok: true, status: next };
  return {
    ok: false,
    reason: 'illegal_transition',
    from: status,
    event,
    message: `This consult cannot ${EVENT_WORDS[event]}: ${WHY_NOT[status]}.`,
  };
}

/** The next status, or an `illegal_transition` AppError (failed-precondition) to throw as is. */
export function nextStatus(status: ConsultStatus, event: ConsultEvent): ConsultStatus {
  const result = transition(status, event);
  if (!result.ok) throw new AppError('illegal_transition', result.message, { status, event });
  return result.status;
}

/** Closed consults accept nothing more. */
export function isClosed(status: ConsultStatus): boolean {
  return status === 'ended' || status === 'cancelled';
}

/** What is done on video or after it (the identity check, the record): `illegal_transition` before. */
export function assertStarted(status: ConsultStatus, message: string): void {
  if (!callHasStarted(status)) throw new AppError('illegal_transition', message, { status });
}

/**
 * Changes that only make sense before the call (moving it, a delay notice, a new link): allowed
 * while scheduled or waiting; otherwise `illegal_transition` with the caller's sentence for a
 * consult under way and for a closed one.
 */
export function assertNotStarted(status: ConsultStatus, why: { started: string; closed: string }): void {
  if (status === 'scheduled' || status === 'waiting') return;
  throw new AppError('illegal_transition', status === 'admitted' ? why.started : why.closed, { status });
}
