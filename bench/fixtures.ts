// Consults arranged through the real callables, as a clinician and a patient would.
import type { RecordConsentRequest, RedeemInviteResult, ScheduleConsultResult } from '../functions/src/lib/api';
import { createUser } from '../tests/support/admin';
import { clientSession, signInAnonymousPatient, signInWithPassword, type ClientSession } from '../tests/support/emulators';
import { consentText } from '../functions/src/consent/texts';
import { DEMO_CLINIC } from '../tests/support/consentText';

export interface ArrangedConsult {
  consultId: string;
  secret: string;
  clinician: ClientSession;
  clinicianUid: string;
}

export async function clinicianSession(): Promise<{ session: ClientSession; uid: string }> {
  const user = await createUser('clinician', 'bench-clinician');
  const session = clientSession();
  const uid = await signInWithPassword(session, user.email, user.password);
  return { session, uid };
}

export async function scheduleConsult(clinician: ClientSession): Promise<{ consultId: string; secret: string }> {
  const result = await clinician.call<unknown, ScheduleConsultResult & { secret: string }>('scheduleConsult', {
    patientLabel: 'Paciente de teste',
    scheduledFor: new Date(Date.now() + 5 * 60_000).toISOString(),
    durationMinutes: 30,
  });
  return { consultId: result.consultId, secret: result.secret };
}

/** A signed-in anonymous patient who redeemed the invite and gave consent (consult now waiting). */
export async function consentingPatient(consultId: string, secret: string): Promise<{ session: ClientSession; uid: string }> {
  const session = clientSession();
  const uid = await signInAnonymousPatient(session);
  await session.call<unknown, RedeemInviteResult>('redeemInvite', { consultId, secret });
  const text = consentText('patient', 'pt-BR', DEMO_CLINIC);
  const request: RecordConsentRequest = { consultId, version: text.version, locale: 'pt-BR', textHash: text.hash, recording: false };
  await session.call('recordConsent', request);
  return { session, uid };
}

export async function clinicianConsent(clinician: ClientSession, consultId: string): Promise<void> {
  const text = consentText('clinician', 'pt-BR', DEMO_CLINIC);
  const request: RecordConsentRequest = { consultId, version: text.version, locale: 'pt-BR', textHash: text.hash, recording: false };
  await clinician.call('recordConsent', request);
}
