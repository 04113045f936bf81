// getIceServers on the emulators, through the client SDK. The demo project's params choose the
// coturn provider (functions/.env.demo-teleconsulta) with the development secret the harness wrote.
import { createHmac, randomUUID } from 'node:crypto';
import { Timestamp } from 'firebase-admin/firestore';
import { FirebaseError } from 'firebase/app';
import { afterAll, describe, expect, it } from 'vitest';
import type { GetIceServersResult } from '../../functions/src/lib/api';
import type { ConsultDoc, ConsultStatus } from '../../functions/src/lib/model';
import { verifyChain, type ChainedFields } from '../../functions/src/audit/chain';
import { adminDb, createUser } from '../support/admin';
import { clientSession, signInAnonymousPatient, signInWithPassword, type ClientSession } from '../support/emulators';

const sessions: ClientSession[] = [];
afterAll(async () => { await Promise.all(sessions.map((s) => s.close())); });

function newConsultId(): string {
  return randomUUID().replaceAll('-', '').slice(0, 20);
}

async function signedInPatient() {
  const session = clientSession();
  sessions.push(session);
  return { session, uid: await signInAnonymousPatient(session) };
}

async function signedInClinician() {
  const user = await createUser('clinician', 'turn');
  const session = clientSession();
  sessions.push(session);
  return { session, uid: await signInWithPassword(session, user.email, user.password) };
}

interface Arranged {
  consultId: string;
  clinician: { session: ClientSession; uid: string };
  patient: { session: ClientSession; uid: string };
}

/** A consult in `status`, with consents for the given sides, written straight into Firestore. */
async function arrangeConsult(status: ConsultStatus, consented: Array<'clinician' | 'patient'> = ['clinician', 'patient'], scheduledInMs = 0): Promise<Arranged> {
  const [clinician, patient] = await Promise.all([signedInClinician(), signedInPatient()]);
  const consultId = newConsultId();
  const now = Timestamp.now();
  const consult: ConsultDoc<Timestamp> = {
    clinicianUid: clinician.uid,
    patientUid: patient.uid,
    patientLabel: 'Paciente de teste',
    scheduledFor: Timestamp.fromMillis(now.toMillis() + scheduledInMs),
    durationMinutes: 30,
    status,
    patientProgress: 'consented',
    createdAt: now,
    updatedAt: now,
    admittedAt: status === 'admitted' ? now : null,
    endedAt: status === 'ended' ? now : null,
    endReason: status === 'ended' ? 'clinician' : null,
    auditHead: { seq: 0, hash: '0'.repeat(64) },
  };
  const db = adminDb();
  await db.doc(`consults/${consultId}`).set(consult);
  for (const side of consented) {
    const uid = side === 'clinician' ? clinician.uid : patient.uid;
    await db.doc(`consults/${consultId}/consents/${uid}`).set({
      uid, kind: side, textVersion: 'test', locale: 'pt-BR', textHash: 'f'.repeat(64), recording: false, userAgent: 'test', acceptedAt: now,
    });
  }
  return { consultId, clinician, patient };
}

const getIceServers = (session: ClientSession, data: unknown) => session.call<unknown, GetIceServersResult>('getIceServers', data);

async function failureOf(promise: Promise<unknown>): Promise<{ code: string; reason: unknown }> {
  const error = await promise.then(() => null, (e: unknown) => e);
  expect(error).toBeInstanceOf(FirebaseError);
  const e = error as FirebaseError & { details?: { reason?: string } };
  return { code: e.code, reason: e.details?.reason };
}

function devSecret(): string {
  const secret = process.env.TC_TURN_SECRET;
  if (!secret) throw new Error('TC_TURN_SECRET is not set: run through `npm test`.');
  return secret;
}

describe('getIceServers', () => {
  it('gives a consenting patient of an admitted consult coturn credentials signed for their uid', async () => {
    const { consultId, patient } = await arrangeConsult('admitted');
    const before = Date.now();
    const result = await getIceServers(patient.session, { consultId });

    expect(result.provider).toBe('coturn');
    const turn = result.iceServers.find((s) => s.username);
    expect(turn?.urls).toEqual(expect.arrayContaining([expect.stringMatching(/^turn:127\.0\.0\.1:\d+\?transport=udp$/), expect.stringMatching(/\?transport=tcp$/)]));
    const [expiry, uid] = turn!.username!.split(':');
    expect(uid).toBe(patient.uid);
    expect(turn!.credential).toBe(createHmac('sha1', devSecret()).update(turn!.username!).digest('base64'));
    const expiresAtMs = Date.parse(result.expiresAt);
    expect(Number(expiry) * 1000).toBe(expiresAtMs);
    // A 30-minute consult starting now: covered, and never more than an hour (a leaked credential is worth little).
    expect(expiresAtMs).toBeGreaterThanOrEqual(before + 30 * 60_000);
    expect(expiresAtMs).toBeLessThanOrEqual(Date.now() + 3600_000);
  });

  it('gives the consenting clinician of a waiting consult credentials too', async () => {
    const { consultId, clinician } = await arrangeConsult('waiting');
    const result = await getIceServers(clinician.session, { consultId });
    expect(result.iceServers.find((s) => s.username)?.username).toMatch(new RegExp(`^\\d+:${clinician.uid}$`));
  });

  it('gives none to a waiting room more than 15 minutes before the consult, some within them, and any time once admitted', async () => {
    const early = await arrangeConsult('waiting', ['clinician', 'patient'], 16 * 60_000);
    for (const side of [early.patient, early.clinician]) {
      expect(await failureOf(getIceServers(side.session, { consultId: early.consultId }))).toEqual({ code: 'functions/failed-precondition', reason: 'turn_too_early' });
    }
    const chain = await adminDb().collection('audit').where('consultId', '==', early.consultId).get();
    expect(chain.size).toBe(0);
    const soon = await arrangeConsult('waiting', ['clinician', 'patient'], 14 * 60_000);
    expect((await getIceServers(soon.patient.session, { consultId: soon.consultId })).provider).toBe('coturn');
    // A clinician may admit early; the call then needs its relay at once.
    const admittedEarly = await arrangeConsult('admitted', ['clinician', 'patient'], 60 * 60_000);
    expect((await getIceServers(admittedEarly.patient.session, { consultId: admittedEarly.consultId })).provider).toBe('coturn');
    // After the end, none.
    const ended = await arrangeConsult('ended');
    expect((await failureOf(getIceServers(ended.patient.session, { consultId: ended.consultId }))).reason).toBe('consult_closed');
  });

  it('records provider and TTL in the consult’s audit chain, and never a credential', async () => {
    const { consultId, patient } = await arrangeConsult('admitted');
    const result = await getIceServers(patient.session, { consultId });
    const turn = result.iceServers.find((s) => s.username)!;

    const db = adminDb();
    const entries = (await db.collection('audit').where('consultId', '==', consultId).get()).docs.map((d) => ({ id: d.id, ...(d.data() as ChainedFields & { hash: string }) }));
    expect(entries).toHaveLength(1);
    const entry = entries[0]!;
    expect(entry).toMatchObject({ action: 'turn.issued', actorUid: patient.uid, actorRole: 'patient', seq: 1 });
    expect(entry.context).toMatchObject({ provider: 'coturn', ttlSeconds: expect.any(Number) });
    // The TTL handed out: expiresAt is in whole seconds and the entry is written just after.
    const ttlSeen = (Date.parse(result.expiresAt) - entry.atMs) / 1000;
    expect(Math.abs(Number(entry.context['ttlSeconds']) - ttlSeen)).toBeLessThanOrEqual(2);
    const stored = JSON.stringify(entry);
    expect(stored).not.toContain(turn.credential!);
    expect(stored).not.toContain(turn.username!);
    const head = (await db.doc(`consults/${consultId}`).get()).get('auditHead');
    expect(verifyChain(entries, head)).toMatchObject({ ok: true, length: 1 });
  });

  it('refuses a signed-in stranger', async () => {
    const { consultId } = await arrangeConsult('admitted');
    const stranger = await signedInPatient();
    expect(await failureOf(getIceServers(stranger.session, { consultId }))).toEqual({ code: 'functions/permission-denied', reason: 'not_participant' });
  });

  it('refuses a participant who has not consented', async () => {
    const { consultId, patient } = await arrangeConsult('waiting', ['clinician']);
    expect(await failureOf(getIceServers(patient.session, { consultId }))).toEqual({ code: 'functions/failed-precondition', reason: 'consent_required' });
  });

  it('refuses a participant who withdrew consent', async () => {
    const { consultId, patient } = await arrangeConsult('admitted');
    await adminDb().doc(`consults/${consultId}/consents/${patient.uid}-withdrawal`).set({ uid: patient.uid, withdrawnAt: Timestamp.now(), userAgent: 'test' });
    expect(await failureOf(getIceServers(patient.session, { consultId }))).toEqual({ code: 'functions/failed-precondition', reason: 'consent_withdrawn' });
  });

  it.each(['ended', 'cancelled', 'scheduled'] as const)('refuses a consult that is %s', async (status) => {
    const { consultId, clinician } = await arrangeConsult(status);
    expect(await failureOf(getIceServers(clinician.session, { consultId }))).toEqual({ code: 'functions/failed-precondition', reason: 'consult_closed' });
    expect((await adminDb().collection('audit').where('consultId', '==', consultId).get()).size).toBe(0);
  });

  it('answers not-found for a consult that does not exist', async () => {
    const { session } = await signedInPatient();
    expect((await failureOf(getIceServers(session, { consultId: newConsultId() }))).code).toBe('functions/not-found');
  });

  it('refuses callers who are not signed in, and malformed requests', async () => {
    const anonymousNobody = clientSession();
    sessions.push(anonymousNobody);
    expect((await failureOf(getIceServers(anonymousNobody, { consultId: newConsultId() }))).code).toBe('functions/unauthenticated');
    const { consultId, patient } = await arrangeConsult('admitted');
    for (const bad of [{}, { consultId: 'short' }, { consultId, extra: true }, { consultId: 42 }]) {
      expect((await failureOf(getIceServers(patient.session, bad))).code).toBe('functions/invalid-argument');
    }
  });

  it('limits each user to 30 requests in ten minutes, then answers resource-exhausted', async () => {
    const { consultId, patient } = await arrangeConsult('admitted');
    for (let i = 0; i < 30; i++) await getIceServers(patient.session, { consultId });
    const refused = await failureOf(getIceServers(patient.session, { consultId }));
    expect(refused).toEqual({ code: 'functions/resource-exhausted', reason: 'rate_limited' });
    expect((await adminDb().collection('audit').where('consultId', '==', consultId).get()).size).toBe(30);
  });
});
