// Shared arrangements for the consult callable tests: signed-in sessions, a scheduled consult,
// consents written as functions would write them, raw protocol calls and the audit trail.
import { Timestamp } from 'firebase-admin/firestore';
import { FirebaseError } from 'firebase/app';
import { expect } from 'vitest';
import type { ScheduleConsultRequest, ScheduleConsultResult } from '../../functions/src/lib/api';
import type { AuditEntry, ConsentDoc, ConsultDoc } from '../../functions/src/lib/model';
import { adminDb, createUser } from '../support/admin';
import { PROJECT_ID, REGION, appCheckHeader, clientSession, functionsOrigin, signInAnonymousPatient, signInWithPassword, type ClientSession } from '../support/emulators';
import { CONSENT_VERSIONS } from '../../functions/src/consent/versions';

export interface Person {
  session: ClientSession;
  uid: string;
}

const sessions: ClientSession[] = [];
function track(session: ClientSession): ClientSession {
  sessions.push(session);
  return session;
}

export async function closeSessions(): Promise<void> {
  await Promise.all(sessions.splice(0).map((s) => s.close()));
}

export async function signedInAs(role: 'clinician' | 'admin' | null): Promise<Person> {
  const user = await createUser(role, role ?? 'plain');
  const session = track(clientSession());
  const uid = await signInWithPassword(session, user.email, user.password);
  return { session, uid };
}

export const clinician = () => signedInAs('clinician');

export async function anonymousPatient(): Promise<Person> {
  const session = track(clientSession());
  return { session, uid: await signInAnonymousPatient(session) };
}

export function signedOut(): ClientSession {
  return track(clientSession());
}

/** An ISO time with the clinic's offset, `minutesFromNow` ahead. */
export function inMinutes(minutesFromNow: number): string {
  const local = new Date(Date.now() + minutesFromNow * 60_000 - 3 * 60 * 60_000);
  return `${local.toISOString().slice(0, 19)}-03:00`;
}

export function scheduleRequest(overrides: Partial<ScheduleConsultRequest> = {}): ScheduleConsultRequest {
  return { patientLabel: 'Maria S.', scheduledFor: inMinutes(30), durationMinutes: 30, ...overrides };
}

export function schedule(by: Person, overrides: Partial<ScheduleConsultRequest> = {}): Promise<ScheduleConsultResult> {
  return by.session.call<ScheduleConsultRequest, ScheduleConsultResult>('scheduleConsult', scheduleRequest(overrides));
}

export function redeem(by: Person, consultId: string, secret: string) {
  return by.session.call('redeemInvite', { consultId, secret });
}

/** What the patient's page does as it opens: checks the link, binds nothing. */
export function look(by: Person, consultId: string, secret: string) {
  return by.session.call('redeemInvite', { consultId, secret, look: true });
}

/** Expects a callable to fail with this code (and reason, when given): never `internal`. */
export async function expectRefusal(call: Promise<unknown>, code: string, reason?: string): Promise<FirebaseError & { details?: unknown }> {
  const error = await call.then(
    () => {
      throw new Error(`expected functions/${code}, but the call succeeded`);
    },
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(FirebaseError);
  const fe = error as FirebaseError & { details?: { reason?: string } };
  expect(fe.code, fe.message).toBe(`functions/${code}`);
  if (reason) expect(fe.details?.reason, fe.message).toBe(reason);
  expect(fe.message.length).toBeGreaterThan(10);
  return fe;
}

export const consultDoc = (consultId: string) => adminDb().doc(`consults/${consultId}`);
export const inviteDoc = (consultId: string) => adminDb().doc(`consults/${consultId}/private/invite`);

/** A patient consent as recordConsent writes it, and the consult moved into the waiting room. */
export interface ConsentTerms {
  recording?: boolean;
  version?: string;
}

/**
 * A consent written as recordConsent writes it, on the given terms (an older version, which the
 * callable no longer accepts, can be arranged too).
 */
export async function arrangeConsent(consultId: string, uid: string, kind: ConsentDoc['kind'], terms: ConsentTerms = {}): Promise<void> {
  const consent: ConsentDoc<Timestamp> = {
    uid,
    kind,
    textVersion: terms.version ?? CONSENT_VERSIONS[kind],
    locale: 'pt-BR',
    textHash: '0'.repeat(64),
    recording: terms.recording ?? false,
    userAgent: 'tests',
    acceptedAt: Timestamp.now(),
  };
  await adminDb().doc(`consults/${consultId}/consents/${uid}`).create(consent);
}

export async function arrangeConsentAndWaiting(consultId: string, patientUid: string, terms: ConsentTerms = {}): Promise<void> {
  await arrangeConsent(consultId, patientUid, 'patient', terms);
  await consultDoc(consultId).update({ status: 'waiting', patientProgress: 'consented' });
}

/**
 * A consult in the call, through the callables: the patient redeemed and consented (on `patient`
 * terms), the clinician's consent when `clinician` terms are given, then admitted.
 */
export async function inCall(terms: { patient?: ConsentTerms; clinician?: ConsentTerms } = {}) {
  const doctor = await clinician();
  const patient = await anonymousPatient();
  const { consultId, secret } = await schedule(doctor);
  await redeem(patient, consultId, secret);
  await arrangeConsentAndWaiting(consultId, patient.uid, terms.patient);
  if (terms.clinician) await arrangeConsent(consultId, doctor.uid, 'clinician', terms.clinician);
  await doctor.session.call('admitPatient', { consultId });
  return { doctor, patient, consultId };
}

/** A consult whose patient redeemed the invite and consented: status waiting. */
export async function waitingConsult() {
  const doctor = await clinician();
  const patient = await anonymousPatient();
  const { consultId, secret } = await schedule(doctor);
  await redeem(patient, consultId, secret);
  await arrangeConsentAndWaiting(consultId, patient.uid);
  return { doctor, patient, consultId, secret };
}

/** The consult document as the functions left it. */
export const readConsult = async (consultId: string) => (await consultDoc(consultId).get()).data() as ConsultDoc<Timestamp>;

export async function arrangeWithdrawal(consultId: string, uid: string): Promise<void> {
  await adminDb().doc(`consults/${consultId}/consents/${uid}-withdrawal`).create({ uid, withdrawnAt: Timestamp.now(), userAgent: 'tests' });
}

/** POSTs a raw callable body (JSON text as written), as a client could, bypassing the SDK. */
export async function rawCall(name: string, body: string, idToken: string | null, headers: Record<string, string> = {}): Promise<{ status: number; json: { error?: { status: string; message: string; details?: { reason?: string } }; result?: unknown } }> {
  const response = await fetch(`${functionsOrigin()}/${PROJECT_ID}/${REGION}/${name}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...appCheckHeader(), ...(idToken ? { authorization: `Bearer ${idToken}` } : {}), ...headers },
    body,
  });
  return { status: response.status, json: await response.json() };
}

export async function idTokenOf(person: Person): Promise<string> {
  const user = person.session.auth.currentUser;
  if (!user) throw new Error('not signed in');
  return user.getIdToken();
}

/** The consult's audit entries, in chain order. */
export async function auditOf(consultId: string): Promise<Array<AuditEntry<Timestamp> & { id: string }>> {
  const snap = await adminDb().collection('audit').where('consultId', '==', consultId).get();
  return snap.docs.map((d) => ({ id: d.id, ...(d.data() as AuditEntry<Timestamp>) })).sort((a, b) => a.seq - b.seq);
}

/**
 * The functions emulator starts one worker process per concurrent request, and a worker that
 * takes more than 30 s to start drops its request unanswered: 20 cold starts at once on a small
 * machine do. Ramping up with calls that reach Firestore (its client loads lazily, per worker)
 * leaves `workers` warm workers for a race.
 */
export async function warmWorkers(by: Person, name: string, data: unknown, workers: number, step = 2): Promise<void> {
  for (let n = step; n < workers + step; n += step) {
    await Promise.all(Array.from({ length: Math.min(n, workers) }, () => by.session.call(name, data).catch(() => undefined)));
  }
}
