import type { ParticipantRefusals } from '../consults/store';

/** How recordConsent and withdrawConsent refuse a caller who has no consent to give or take back here. */
export const CONSENT_REFUSALS: ParticipantRefusals = {
  notFound: 'This consult does not exist. Check the link you were sent.',
  notParticipant: 'Only the clinician and the patient of this consult can do this.',
};

/** User agents go into the consent record as evidence of where it was given; bounded. */
export function userAgentOf(userAgent: string | null): string {
  return (userAgent ?? '').slice(0, 256).toWellFormed();
}
