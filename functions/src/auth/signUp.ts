import { HttpsError, beforeUserCreated, type AuthBlockingEvent } from 'firebase-functions/v2/identity';
import { logOutcome } from '../lib/log';

/**
 * Who may create an account by themselves: only a patient's anonymous identity, which the
 * invite page makes. Clinicians' and administrators' accounts come from `npm run users` (the
 * Admin SDK, which no blocking function sees), so an e-mail, a phone or any sign-in provider
 * in a sign-up is someone outside the clinic making an account for themselves.
 */
export function selfSignUpAllowed(user: AuthBlockingEvent['data']): boolean {
  return !user?.email && !user?.phoneNumber && (user?.providerData ?? []).length === 0;
}

/** Refuses public sign-up (Firebase Authentication with Identity Platform runs it before every account is created). */
export const beforeAccountCreated = beforeUserCreated((event) => {
  if (selfSignUpAllowed(event.data)) return;
  logOutcome({ fn: 'beforeAccountCreated', outcome: 'rejected', reason: 'sign_up_closed', ms: 0 });
  throw new HttpsError('permission-denied', 'Accounts are created by the clinic. Ask its administrator for one.');
});
