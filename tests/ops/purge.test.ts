import type { Auth } from 'firebase-admin/auth';
import type { Firestore } from 'firebase-admin/firestore';
import { beforeAll, describe, expect, it } from 'vitest';
import { verifyChain, type ChainedFields } from '../../functions/src/audit/chain';
import { fixedClock } from '../../functions/src/lib/clock';
import type { ConsultDoc } from '../../functions/src/lib/model';
import { purge, yearsBefore } from '../../functions/src/ops/purge';
import { DEFAULT_RETENTION } from '../../functions/src/ops/retention';
import { isolatedProject } from './isolated';
import { DAY, HOUR, ts, seedAudit, seedConsent, seedConsult, seedInvite, seedMedia, seedPeer, seedRecord, seedStats, statsDoc } from './seed';

const NOW = Date.UTC(2026, 10, 25, 6, 0, 0); // 03:00 in São Paulo, when the job runs
const clock = () => fixedClock(NOW);

async function chainOf(db: Firestore, consultId: string | null) {
  const snap = await db.collection('audit').where('consultId', '==', consultId).get();
  return snap.docs.map((d) => ({ id: d.id, ...(d.data() as ChainedFields & { hash: string }) }));
}

async function consult(db: Firestore, id: string) {
  return (await db.doc(`consults/${id}`).get()).data() as ConsultDoc | undefined;
}

// Each describe gets its own project: purge looks at the whole database.
describe('purge: consults nobody closed', () => {
  let db: Firestore;
  let auth: Auth;
  beforeAll(() => { ({ db, auth } = isolatedProject('purge-expire')); });

  it('ends an open consult 24 h after its scheduled end as expired, with its audit entry on the consult chain', async () => {
    const id = await seedConsult(db, { status: 'waiting', scheduledForMs: NOW - 25 * HOUR, durationMinutes: 30 });
    await seedAudit(db, id, 'consult.scheduled', NOW - 2 * DAY, { uid: 'clinician-1', role: 'clinician' });

    const result = await purge(db, clock(), DEFAULT_RETENTION, auth);

    expect(result.consultsExpired).toBe(1);
    const after = (await consult(db, id))!;
    expect(after).toMatchObject({ status: 'ended', endReason: 'expired' });
    expect((after.endedAt as { toMillis(): number }).toMillis()).toBe(NOW);
    const entries = await chainOf(db, id);
    expect(entries.map((e) => e.action).sort()).toEqual(['consult.expired', 'consult.scheduled']);
    expect(entries.find((e) => e.action === 'consult.expired')).toMatchObject({ actorRole: 'system', atMs: NOW, context: { from: 'waiting' } });
    expect(verifyChain(entries, after.auditHead)).toMatchObject({ ok: true, length: 2 });
  });

  it('leaves a consult open until its scheduled end plus the grace period has passed', async () => {
    // Started 25 h ago but lasts 2 h: its end was 23 h ago.
    const id = await seedConsult(db, { status: 'admitted', scheduledForMs: NOW - 25 * HOUR, durationMinutes: 120 });
    await purge(db, clock(), DEFAULT_RETENTION, auth);
    expect((await consult(db, id))!.status).toBe('admitted');

    await purge(db, fixedClock(NOW + 2 * HOUR), DEFAULT_RETENTION, auth);
    expect((await consult(db, id))!).toMatchObject({ status: 'ended', endReason: 'expired' });
  });

  it('turns off a recording still on in an abandoned call, in the same write, and leaves it for the clinician to close', async () => {
    const id = await seedConsult(db, { status: 'admitted', scheduledForMs: NOW - 26 * HOUR, durationMinutes: 30 });
    const startedAt = ts(NOW - 26 * HOUR + 60_000);
    await db.doc(`consults/${id}`).update({ recording: { id: 'rec-0123456789', on: true, startedAt, stoppedAt: null, closed: false } });

    await purge(db, clock(), DEFAULT_RETENTION, auth);

    const after = (await consult(db, id))!;
    expect(after).toMatchObject({ status: 'ended', endReason: 'expired', recording: { id: 'rec-0123456789', on: false, startedAt, closed: false } });
    expect((after.recording!.stoppedAt as { toMillis(): number }).toMillis()).toBe(NOW);
    const expired = (await chainOf(db, id)).find((e) => e.action === 'consult.expired')!;
    expect(expired.context).toEqual({ from: 'admitted', recordingCut: true });
  });

  it('honours a shorter grace period from the params', async () => {
    const id = await seedConsult(db, { status: 'scheduled', scheduledForMs: NOW - 3 * HOUR, durationMinutes: 30 });
    await purge(db, clock(), DEFAULT_RETENTION, auth);
    expect((await consult(db, id))!.status).toBe('scheduled');
    await purge(db, clock(), { ...DEFAULT_RETENTION, abandonedAfterHours: 2 }, auth);
    expect((await consult(db, id))!.status).toBe('ended');
  });
});

describe('purge: signaling and invites', () => {
  let db: Firestore;
  let auth: Auth;
  beforeAll(() => { ({ db, auth } = isolatedProject('purge-signaling')); });

  it('removes the signaling documents of ended and cancelled consults and keeps those of live calls', async () => {
    const ended = await seedConsult(db, { status: 'ended', scheduledForMs: NOW - HOUR });
    const cancelled = await seedConsult(db, { status: 'cancelled', scheduledForMs: NOW + DAY });
    const live = await seedConsult(db, { status: 'admitted', scheduledForMs: NOW - 10 * 60_000 });
    for (const id of [ended, cancelled, live]) {
      await seedPeer(db, id, 'clinician-1', 'clinician');
      await seedPeer(db, id, 'patient-1');
    }

    const result = await purge(db, clock(), DEFAULT_RETENTION, auth);

    expect(result.signalingDeleted).toBe(4);
    expect((await db.collection(`consults/${ended}/peers`).get()).size).toBe(0);
    expect((await db.collection(`consults/${cancelled}/peers`).get()).size).toBe(0);
    expect((await db.collection(`consults/${live}/peers`).get()).size).toBe(2);
  });

  it('deletes invites that expired unredeemed and keeps redeemed or still valid ones', async () => {
    const expired = await seedConsult(db, { status: 'cancelled', scheduledForMs: NOW - 3 * DAY, patientUid: null });
    const redeemed = await seedConsult(db, { status: 'ended', scheduledForMs: NOW - 3 * DAY });
    const valid = await seedConsult(db, { status: 'scheduled', scheduledForMs: NOW + DAY, patientUid: null });
    await seedInvite(db, expired, NOW - DAY, null);
    await seedInvite(db, redeemed, NOW - DAY, 'patient-1');
    await seedInvite(db, valid, NOW + 2 * DAY, null);

    const result = await purge(db, clock(), DEFAULT_RETENTION, auth);

    expect(result.invitesDeleted).toBe(1);
    expect((await db.doc(`consults/${expired}/private/invite`).get()).exists).toBe(false);
    expect((await db.doc(`consults/${redeemed}/private/invite`).get()).exists).toBe(true);
    expect((await db.doc(`consults/${valid}/private/invite`).get()).exists).toBe(true);
  });
});

describe('purge: rate-limit counters', () => {
  let db: Firestore;
  let auth: Auth;
  beforeAll(() => { ({ db, auth } = isolatedProject('purge-limits')); });

  it('deletes counters whose window has passed and keeps running ones', async () => {
    await db.doc('rateLimits/redeem-failures_old').set({ count: 3, windowStartMs: NOW - 2 * HOUR, expiresAt: ts(NOW - HOUR) });
    await db.doc('rateLimits/redeem-failures_running').set({ count: 1, windowStartMs: NOW - 60_000, expiresAt: ts(NOW + HOUR) });
    const result = await purge(db, clock(), DEFAULT_RETENTION, auth);
    expect(result.rateLimitsDeleted).toBe(1);
    expect((await db.collection('rateLimits').get()).docs.map((d) => d.id)).toEqual(['redeem-failures_running']);
  });
});

describe('purge: call stats', () => {
  let db: Firestore;
  let auth: Auth;
  beforeAll(() => { ({ db, auth } = isolatedProject('purge-stats')); });

  it('deletes call stats older than the stats retention, in batches, and keeps younger ones', async () => {
    const old = await seedConsult(db, { status: 'ended', scheduledForMs: NOW - 100 * DAY });
    const recent = await seedConsult(db, { status: 'ended', scheduledForMs: NOW - 80 * DAY });
    // More than one batch of 400 writes.
    const writer = db.bulkWriter();
    for (let i = 0; i < 450; i++) void writer.set(db.doc(`consults/${old}/stats/u${i}`), statsDoc(NOW - 91 * DAY));
    await writer.close();
    await seedStats(db, recent, 'patient-1', NOW - 80 * DAY);

    const result = await purge(db, clock(), DEFAULT_RETENTION, auth);

    expect(result.statsDeleted).toBe(450);
    expect((await db.collection(`consults/${old}/stats`).get()).size).toBe(0);
    expect((await db.collection(`consults/${recent}/stats`).get()).size).toBe(1);

    const shorter = await purge(db, clock(), { ...DEFAULT_RETENTION, statsDays: 30 }, auth);
    expect(shorter.statsDeleted).toBe(1);
  });
});

describe('purge: the clinical record', () => {
  let db: Firestore;
  let auth: Auth;
  beforeAll(() => { ({ db, auth } = isolatedProject('purge-record')); });

  it('keeps consults, consents and audit entries for 20 years and removes them, whole, after that', async () => {
    const twentyOneYears = yearsBefore(NOW, 21);
    const nineteenYears = yearsBefore(NOW, 19);
    const gone = await seedConsult(db, { status: 'ended', scheduledForMs: twentyOneYears });
    const kept = await seedConsult(db, { status: 'ended', scheduledForMs: nineteenYears });
    for (const [id, at] of [[gone, twentyOneYears], [kept, nineteenYears]] as const) {
      await seedConsent(db, id, 'patient-1', 'patient', at);
      await db.doc(`consults/${id}/consents/patient-1-withdrawal`).set({ uid: 'patient-1', withdrawnAt: new Date(at), userAgent: 'test' });
      await seedAudit(db, id, 'consent.recorded', at, { uid: 'patient-1', role: 'patient' });
      await seedAudit(db, id, 'consult.ended', at, { uid: 'clinician-1', role: 'clinician' });
      await seedRecord(db, id, at);
      await seedMedia(db, id, 'photo-0123456789', at);
    }

    const result = await purge(db, clock(), DEFAULT_RETENTION, auth);

    expect(result).toMatchObject({ recordsDeleted: 1, auditEntriesDeleted: 2, recordsKept: 1 });
    expect(await consult(db, gone)).toBeUndefined();
    expect((await db.collection(`consults/${gone}/consents`).get()).size).toBe(0);
    expect((await db.doc(`consults/${gone}/record/note`).get()).exists).toBe(false);
    expect((await db.doc(`consults/${kept}/record/note`).get()).data()).toMatchObject({ note: 'Curativo trocado.' });
    expect((await db.doc(`consults/${gone}/media/photo-0123456789`).get()).exists).toBe(false);
    expect((await db.doc(`consults/${kept}/media/photo-0123456789`).get()).data()).toMatchObject({ kind: 'photo', sha256: 'e'.repeat(64) });
    expect((await consult(db, kept))!.patientIdentity).toMatchObject({ fullName: 'Maria da Silva Souza' });
    expect(await chainOf(db, gone)).toHaveLength(0);

    const keptConsult = (await consult(db, kept))!;
    expect((await db.collection(`consults/${kept}/consents`).get()).size).toBe(2);
    expect(verifyChain(await chainOf(db, kept), keptConsult.auditHead)).toMatchObject({ ok: true, length: 2 });
  });

  it('never removes an open consult, however old', async () => {
    const open = await seedConsult(db, { status: 'scheduled', scheduledForMs: yearsBefore(NOW, 25), durationMinutes: 30 });
    await purge(db, clock(), DEFAULT_RETENTION, auth);
    // It was abandoned, so it is ended now — and kept for the next 20 years.
    expect((await consult(db, open))!).toMatchObject({ status: 'ended', endReason: 'expired' });
  });
});

describe('purge: its own audit trail', () => {
  let db: Firestore;
  let auth: Auth;
  beforeAll(() => { ({ db, auth } = isolatedProject('purge-audit')); });

  it('records every run on the system chain with what it removed, and a second run finds nothing to do', async () => {
    const id = await seedConsult(db, { status: 'ended', scheduledForMs: NOW - HOUR });
    await seedPeer(db, id, 'patient-1');
    await seedStats(db, id, 'patient-1', NOW - 200 * DAY);

    const first = await purge(db, clock(), DEFAULT_RETENTION, auth);
    const second = await purge(db, fixedClock(NOW + DAY), DEFAULT_RETENTION, auth);

    expect(first).toMatchObject({ signalingDeleted: 1, statsDeleted: 1 });
    const { recordsKept, ...removed } = second;
    expect(Object.values(removed).every((n) => n === 0)).toBe(true);
    expect(recordsKept).toBe(1);
    const system = await chainOf(db, null);
    const head = (await db.doc('system/auditHead').get()).data() as { seq: number; hash: string };
    expect(verifyChain(system, head)).toMatchObject({ ok: true, length: 2 });
    const runs = system.sort((a, b) => a.seq - b.seq);
    expect(runs.map((e) => [e.action, e.actorRole, e.atMs])).toEqual([['purge.run', 'system', NOW], ['purge.run', 'system', NOW + DAY]]);
    expect(runs[0]!.context).toMatchObject({ signalingDeleted: 1, statsDeleted: 1, statsDays: 90, clinicalRecordYears: 20 });
  });
});

describe('purge: anonymous accounts', () => {
  let db: Firestore;
  let auth: Auth;
  beforeAll(() => { ({ db, auth } = isolatedProject('purge-accounts')); });

  const exists = async (uid: string) => auth.getUser(uid).then(() => true, () => false);

  it('deletes an idle anonymous account bound to no open consult (its consult closed, or the link only looked at), and keeps the rest', async () => {
    // Patients' identities are anonymous: an account with no provider, e-mail or phone.
    const ended = (await auth.createUser({})).uid;
    const waiting = (await auth.createUser({})).uid;
    const looked = (await auth.createUser({})).uid;
    const staff = (await auth.createUser({ email: `staff-${Date.now()}@clinic.test`, password: 'senha-segura-123' })).uid;
    await seedConsult(db, { status: 'ended', scheduledForMs: Date.now() - 2 * HOUR, patientUid: ended });
    const open = await seedConsult(db, { status: 'waiting', scheduledForMs: Date.now() + 30 * DAY, patientUid: waiting });

    // The same day, a patient may still be on the page: nothing goes.
    const sameDay = await purge(db, fixedClock(Date.now() + HOUR), DEFAULT_RETENTION, auth);
    expect(sameDay.anonymousAccountsDeleted).toBe(0);

    const later = await purge(db, fixedClock(Date.now() + 2 * DAY), DEFAULT_RETENTION, auth);
    expect(later.anonymousAccountsDeleted).toBe(2);
    expect(await exists(ended)).toBe(false);
    expect(await exists(looked)).toBe(false);
    expect(await exists(waiting)).toBe(true);
    expect(await exists(staff)).toBe(true);
    // The record keeps the uid; only the account is gone.
    expect((await consult(db, open))?.patientUid).toBe(waiting);
    const runs = (await chainOf(db, null)).filter((e) => e.action === 'purge.run').map((e) => e.context as { anonymousAccountsDeleted: number });
    expect(runs.map((r) => r.anonymousAccountsDeleted).sort()).toEqual([0, 2]);
  });
});
