// App Check on every callable, and no public sign-up: what the emulators can show. They verify no
// App Check signature (production's reCAPTCHA Enterprise tokens are checked by Google), but they
// do refuse a request that carries no token at all, which is what a script calling our callables
// with a stolen or self-made ID token sends.
import { getAuth } from 'firebase-admin/auth';
import { createUserWithEmailAndPassword } from 'firebase/auth';
import { randomUUID } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { adminApp, adminDb, createUser } from '../support/admin';
import { rawCall, signInPassword, signUpAnonymous } from '../support/callableHttp';
import { clientSession, signInAnonymousPatient } from '../support/emulators';
import { CALLABLE_NAMES } from '../support/payloads';
import { scheduleRequest } from './consults.support';

const sessions: Array<{ close(): Promise<void> }> = [];
afterAll(async () => {
  await Promise.all(sessions.map((s) => s.close()));
});

describe('App Check', () => {
  it('every callable refuses a request without an App Check token, signed in or not, before its handler runs', async () => {
    const account = await createUser('clinician', 'appcheck');
    const clinician = await signInPassword(account.email, account.password);
    const patient = await signUpAnonymous();
    for (const name of CALLABLE_NAMES) {
      for (const idToken of [clinician.idToken, patient.idToken, null]) {
        const answer = await rawCall(name, JSON.stringify({ data: {} }), idToken, false);
        expect([name, answer.httpStatus, answer.status]).toEqual([name, 401, 'UNAUTHENTICATED']);
      }
    }
    // The handler never ran: a well-formed scheduling request without the token schedules nothing.
    const refused = await rawCall('scheduleConsult', JSON.stringify({ data: scheduleRequest() }), clinician.idToken, false);
    expect(refused.status).toBe('UNAUTHENTICATED');
    const mine = () => adminDb().collection('consults').where('clinicianUid', '==', account.uid).get();
    expect((await mine()).size).toBe(0);
    // The same request with the token the web app sends goes through.
    const accepted = await rawCall('scheduleConsult', JSON.stringify({ data: scheduleRequest() }), clinician.idToken, true);
    expect([accepted.httpStatus, accepted.status]).toEqual([200, null]);
    expect((await mine()).size).toBe(1);
  });
});

describe('sign-up', () => {
  it('is closed to the public: an e-mail account made from a browser is refused and does not exist; anonymous patients and CLI accounts still are', async () => {
    const session = clientSession();
    sessions.push(session);
    const email = `stranger-${randomUUID().slice(0, 8)}@test.teleconsulta.invalid`;
    const error = await createUserWithEmailAndPassword(session.auth, email, 'uma-senha-qualquer-123').then(
      () => null,
      (e: unknown) => e as { code?: string; message?: string },
    );
    expect(error).not.toBeNull();
    expect(error?.message ?? '').toContain('Accounts are created by the clinic');
    await expect(getAuth(adminApp()).getUserByEmail(email)).rejects.toMatchObject({ code: 'auth/user-not-found' });

    // The invite page's anonymous identity is still made, and so are the CLI's accounts.
    const patientSession = clientSession();
    sessions.push(patientSession);
    expect(await signInAnonymousPatient(patientSession)).toEqual(expect.any(String));
    const staff = await createUser('clinician', 'cli');
    expect((await signInPassword(staff.email, staff.password)).uid).toBe(staff.uid);
  });
});
