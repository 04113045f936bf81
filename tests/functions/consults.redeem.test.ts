import { Timestamp } from 'firebase-admin/firestore';
import { afterAll, describe, expect, it } from 'vitest';
import { CONSENT_VERSIONS } from '../../functions/src/consent/versions';
import { redeemInviteWith } from '../../functions/src/consults/redeem';
import { systemClock } from '../../functions/src/lib/clock';
import { AppError } from '../../functions/src/lib/errors';
import type { ConsultDoc, InviteDoc } from '../../functions/src/lib/model';
import { REDEEM_FAILURES_PER_PREFIX, REDEEM_FAILURES_PER_USER, REOPENS_PER_USER, rateLimitRef } from '../../functions/src/lib/rateLimit';
import { adminDb } from '../support/admin';
import {
  anonymousPatient,
  arrangeConsentAndWaiting,
  auditOf,
  clinician,
  closeSessions,
  consultDoc,
  expectRefusal,
  inviteDoc,
  look,
  redeem,
  schedule,
  signedInAs,
  signedOut,
  warmWorkers,
} from './consults.support';

afterAll(closeSessions);

const readConsult = async (consultId: string) => (await consultDoc(consultId).get()).data() as ConsultDoc<Timestamp>;
const readInvite = async (consultId: string) => (await inviteDoc(consultId).get()).data() as InviteDoc<Timestamp>;

/** A well-formed secret that is not this one. */
const wrong = (secret: string, n = 0) => `${secret.slice(0, 40)}${String(n).padStart(3, 'z')}`;

describe('redeemInvite', () => {
  it('binds the consult to the first patient who opens the link and tells them what to consent to', async () => {
    const doctor = await clinician();
    const patient = await anonymousPatient();
    const { consultId, secret } = await schedule(doctor, { patientLabel: 'Maria S.', durationMinutes: 20 });
    const result = await redeem(patient, consultId, secret);
    const consult = await readConsult(consultId);
    expect(result).toEqual({
      consultId,
      status: 'scheduled',
      patientLabel: 'Maria S.',
      scheduledFor: consult.scheduledFor.toDate().toISOString(),
      durationMinutes: 20,
      consentRecorded: false,
      consentVersion: CONSENT_VERSIONS.patient,
      bound: true,
    });
    expect(consult).toMatchObject({ patientUid: patient.uid, patientProgress: 'link_opened', status: 'scheduled' });
    expect((await readInvite(consultId)).redeemedBy).toBe(patient.uid);
    expect((await auditOf(consultId)).at(-1)).toMatchObject({
      action: 'invite.redeemed',
      actorUid: patient.uid,
      actorRole: 'patient',
      context: { reopened: false },
    });
  });

  it('a look (the page opening, a link scanner, a chat preview) binds nothing and writes nothing; the patient who acts binds it', async () => {
    const doctor = await clinician();
    const { consultId, secret } = await schedule(doctor, { patientLabel: 'Maria S.' });
    const before = await readConsult(consultId);
    const auditBefore = await auditOf(consultId);
    const scanner = await anonymousPatient();
    const seen = await look(scanner, consultId, secret);
    expect(seen).toMatchObject({ consultId, status: 'scheduled', patientLabel: 'Maria S.', bound: false, consentRecorded: false });
    // A second look by the same scanner changes nothing either.
    await look(scanner, consultId, secret);
    expect(await readConsult(consultId)).toEqual(before);
    expect((await readInvite(consultId)).redeemedBy).toBeNull();
    expect(await auditOf(consultId)).toEqual(auditBefore);

    const patient = await anonymousPatient();
    expect(await look(patient, consultId, secret)).toMatchObject({ bound: false });
    expect(await redeem(patient, consultId, secret)).toMatchObject({ bound: true });
    expect((await readConsult(consultId)).patientUid).toBe(patient.uid);
    // Once bound: the patient's own look says so, anybody else's is refused as taken.
    expect(await look(patient, consultId, secret)).toMatchObject({ bound: true });
    await expectRefusal(look(scanner, consultId, secret), 'already-exists', 'invite_taken');
    // A look with a wrong secret is a guess like any other.
    await expectRefusal(look(scanner, consultId, wrong(secret)), 'permission-denied', 'invite_invalid');
  });

  it('lets the same patient open the link again, keeping their progress and reporting their consent', async () => {
    const doctor = await clinician();
    const patient = await anonymousPatient();
    const { consultId, secret } = await schedule(doctor);
    await redeem(patient, consultId, secret);
    await arrangeConsentAndWaiting(consultId, patient.uid);
    const again = await redeem(patient, consultId, secret);
    expect(again).toMatchObject({ consultId, status: 'waiting', consentRecorded: true });
    expect(await readConsult(consultId)).toMatchObject({ patientUid: patient.uid, patientProgress: 'consented' });
    // Reopening is not audited: the binding was.
    expect((await auditOf(consultId)).filter((e) => e.action === 'invite.redeemed')).toHaveLength(1);
  });

  it('refuses a second person once the link is bound', async () => {
    const { consultId, secret } = await schedule(await clinician());
    const first = await anonymousPatient();
    await redeem(first, consultId, secret);
    const refusal = await expectRefusal(redeem(await anonymousPatient(), consultId, secret), 'already-exists', 'invite_taken');
    expect(refusal.message).toContain('another device');
    expect((await readConsult(consultId)).patientUid).toBe(first.uid);
  });

  it('refuses the clinician who owns the consult, without binding them', async () => {
    const doctor = await clinician();
    const { consultId, secret } = await schedule(doctor);
    await expectRefusal(redeem(doctor, consultId, secret), 'permission-denied', 'not_participant');
    expect((await readConsult(consultId)).patientUid).toBeNull();
  });

  it('refuses a caller who is not signed in', async () => {
    const { consultId, secret } = await schedule(await clinician());
    await expectRefusal(signedOut().call('redeemInvite', { consultId, secret }), 'unauthenticated', 'unauthenticated');
  });

  it('accepts a signed-in user with an account too (anonymous is not required)', async () => {
    const { consultId, secret } = await schedule(await clinician());
    const person = await signedInAs(null);
    await expect(redeem(person, consultId, secret)).resolves.toMatchObject({ consultId });
  });

  it('refuses an expired invite, even to the patient it is bound to', async () => {
    const { consultId, secret } = await schedule(await clinician());
    const patient = await anonymousPatient();
    await redeem(patient, consultId, secret);
    await inviteDoc(consultId).update({ expiresAt: Timestamp.fromMillis(Date.now() - 1000) });
    await expectRefusal(redeem(patient, consultId, secret), 'deadline-exceeded', 'invite_expired');
    await expectRefusal(redeem(await anonymousPatient(), consultId, secret), 'deadline-exceeded', 'invite_expired');
  });

  it('refuses the link of a cancelled or ended consult', async () => {
    const doctor = await clinician();
    const a = await schedule(doctor);
    await doctor.session.call('cancelConsult', { consultId: a.consultId });
    const cancelled = await expectRefusal(redeem(await anonymousPatient(), a.consultId, a.secret), 'failed-precondition', 'consult_closed');
    expect(cancelled.message).toContain('cancelled');
    const b = await schedule(doctor);
    await doctor.session.call('endConsult', { consultId: b.consultId });
    await expectRefusal(redeem(await anonymousPatient(), b.consultId, b.secret), 'failed-precondition', 'consult_closed');
  });

  it('refuses a wrong secret and persists the failure, with an audit entry that holds no secret', async () => {
    const { consultId, secret } = await schedule(await clinician());
    const guesser = await anonymousPatient();
    const guess = wrong(secret);
    await expectRefusal(redeem(guesser, consultId, guess), 'permission-denied', 'invite_invalid');
    expect(await readInvite(consultId)).toMatchObject({ failedAttempts: 1, lockedUntil: null, redeemedBy: null });
    const entry = (await auditOf(consultId)).at(-1)!;
    expect(entry).toMatchObject({ action: 'invite.redeem_failed', actorUid: guesser.uid, context: { reason: 'wrong_secret', failedAttempts: 1 } });
    expect(JSON.stringify(entry)).not.toContain(guess);
    expect(JSON.stringify(entry)).not.toContain(secret);
    const limiter = await rateLimitRef(adminDb(), REDEEM_FAILURES_PER_USER, guesser.uid).get();
    expect(limiter.data()).toMatchObject({ count: 1 });
  });

  it('writes nothing into a closed consult for a wrong secret: no audit entry, no updatedAt, no count on its invite', async () => {
    const doctor = await clinician();
    for (const close of ['cancelConsult', 'endConsult'] as const) {
      const { consultId, secret } = await schedule(doctor);
      await doctor.session.call(close, { consultId });
      const [before, inviteBefore, chainBefore] = [await readConsult(consultId), await readInvite(consultId), await auditOf(consultId)];
      const guesser = await anonymousPatient();
      await expectRefusal(redeem(guesser, consultId, wrong(secret)), 'permission-denied', 'invite_invalid');
      const after = await readConsult(consultId);
      expect(after.updatedAt.toMillis(), close).toBe(before.updatedAt.toMillis());
      expect(after.auditHead, close).toEqual(before.auditHead);
      expect(await auditOf(consultId), close).toHaveLength(chainBefore.length);
      expect(await readInvite(consultId), close).toEqual(inviteBefore);
      // The guesser's own limit still counts it.
      expect((await rateLimitRef(adminDb(), REDEEM_FAILURES_PER_USER, guesser.uid).get()).data(), close).toMatchObject({ count: 1 });
    }
  });

  it('answers an unknown consult like a wrong secret', async () => {
    const { secret } = await schedule(await clinician());
    await expectRefusal(redeem(await anonymousPatient(), 'ZZZZZZZZZZZZZZZZZZZZ', secret), 'permission-denied', 'invite_invalid');
  });

  it('lets the patient in with the right secret after eleven strangers guessed wrong at the same link', async () => {
    const { consultId, secret } = await schedule(await clinician());
    for (let i = 0; i < 11; i++) {
      await expectRefusal(redeem(await anonymousPatient(), consultId, wrong(secret, i)), 'permission-denied', 'invite_invalid');
    }
    expect((await readInvite(consultId)).failedAttempts).toBe(11);
    const patient = await anonymousPatient();
    await expect(redeem(patient, consultId, secret)).resolves.toMatchObject({ consultId });
    expect((await readConsult(consultId)).patientUid).toBe(patient.uid);
    expect((await auditOf(consultId)).filter((e) => e.action === 'invite.redeem_failed')).toHaveLength(11);
  });

  it('refuses a network that guessed too much before writing anything for it, and still lets a right secret in from it', async () => {
    const { consultId, secret } = await schedule(await clinician());
    // Called with the function's own code, from an address prefix of this test's own.
    const prefix = `198.51.${Math.floor(Math.random() * 250)}.0/24`;
    const from = (uid: string, s: string) =>
      redeemInviteWith(adminDb(), systemClock, {
        data: { consultId, secret: s },
        caller: { uid, role: null, anonymous: true, professional: null },
        request: { ipPrefix: prefix, userAgent: 'tests' },
      });
    const limiter = rateLimitRef(adminDb(), REDEEM_FAILURES_PER_PREFIX, prefix);
    await expect(from('guesser-a', wrong(secret))).rejects.toMatchObject({ reason: 'invite_invalid' });
    expect((await limiter.get()).data()).toMatchObject({ count: 1 });
    await limiter.set({ count: REDEEM_FAILURES_PER_PREFIX.max, windowStartMs: Date.now(), expiresAt: Timestamp.fromMillis(Date.now() + REDEEM_FAILURES_PER_PREFIX.windowMs) });
    const chain = await auditOf(consultId);
    const refused = await from('guesser-b', wrong(secret, 1)).catch((e: unknown) => e);
    expect(refused).toMatchObject({ reason: 'rate_limited' });
    expect(await auditOf(consultId)).toHaveLength(chain.length);
    expect((await readInvite(consultId)).failedAttempts).toBe(1);
    await expect(from('the-patient', secret)).resolves.toMatchObject({ consultId });
    expect((await readConsult(consultId)).patientUid).toBe('the-patient');
  });

  it('lets the bound patient reopen the link without writing into the consult, and limits reopening', async () => {
    const { consultId, secret } = await schedule(await clinician());
    const patient = await anonymousPatient();
    await redeem(patient, consultId, secret);
    const [chain, consult] = [await auditOf(consultId), await readConsult(consultId)];
    for (let i = 0; i < 3; i++) await expect(redeem(patient, consultId, secret)).resolves.toMatchObject({ consultId, consentRecorded: false });
    expect(await auditOf(consultId)).toHaveLength(chain.length);
    expect((await readConsult(consultId)).updatedAt.toMillis()).toBe(consult.updatedAt.toMillis());
    const limiter = rateLimitRef(adminDb(), REOPENS_PER_USER, patient.uid);
    expect((await limiter.get()).data()).toMatchObject({ count: 3 });
    await limiter.update({ count: REOPENS_PER_USER.max });
    const limited = await expectRefusal(redeem(patient, consultId, secret), 'resource-exhausted', 'rate_limited');
    expect((limited.details as { retryAfterSeconds: number }).retryAfterSeconds).toBeGreaterThan(0);
  });

  it('lets the clinician end the consult while the bound patient reopens the link 200 times at once', { timeout: 120_000 }, async () => {
    const doctor = await clinician();
    const { consultId, secret } = await schedule(doctor);
    const patient = await anonymousPatient();
    await redeem(patient, consultId, secret);
    const chain = await auditOf(consultId);
    // The reopens with the function's own code against the Firestore emulator (the functions
    // emulator would start a process per concurrent call); the end through the callable.
    const reopens = Array.from({ length: 200 }, () =>
      redeemInviteWith(adminDb(), systemClock, {
        data: { consultId, secret },
        caller: { uid: patient.uid, role: null, anonymous: true, professional: null },
        request: { ipPrefix: null, userAgent: 'tests' },
      }).then(
        () => 'ok',
        (e: unknown) => (e instanceof AppError ? e.reason : String(e)),
      ),
    );
    await expect(doctor.session.call('endConsult', { consultId })).resolves.toBeTruthy();
    const outcomes = await Promise.all(reopens);
    // Each reopen is answered, none fails: they hold no lock the end could wait on.
    expect(outcomes.every((o) => ['ok', 'rate_limited', 'consult_closed'].includes(o)), outcomes.join(',')).toBe(true);
    expect((await readConsult(consultId)).status).toBe('ended');
    expect((await auditOf(consultId)).filter((e) => e.action === 'invite.redeemed')).toHaveLength(chain.filter((e) => e.action === 'invite.redeemed').length);
  });

  it('limits failed redemptions per user across consults', async () => {
    const doctor = await clinician();
    const guesser = await anonymousPatient();
    const first = await schedule(doctor);
    const second = await schedule(doctor);
    await rateLimitRef(adminDb(), REDEEM_FAILURES_PER_USER, guesser.uid).set({
      count: REDEEM_FAILURES_PER_USER.max - 1,
      windowStartMs: Date.now(),
      expiresAt: Timestamp.fromMillis(Date.now() + REDEEM_FAILURES_PER_USER.windowMs),
    });
    await expectRefusal(redeem(guesser, first.consultId, wrong(first.secret)), 'permission-denied', 'invite_invalid');
    const limited = await expectRefusal(redeem(guesser, second.consultId, second.secret), 'resource-exhausted', 'rate_limited');
    expect((limited.details as { retryAfterSeconds: number }).retryAfterSeconds).toBeGreaterThan(0);
    expect((await readConsult(second.consultId)).patientUid).toBeNull();
    // Someone else is not affected.
    await expect(redeem(await anonymousPatient(), second.consultId, second.secret)).resolves.toMatchObject({ consultId: second.consultId });
  });

  it('binds exactly one of 20 people redeeming the same invite at once', { timeout: 120_000 }, async () => {
    const { consultId, secret } = await schedule(await clinician());
    const people = await Promise.all(Array.from({ length: 20 }, () => anonymousPatient()));
    // The redemption itself, with the function's own code and transaction, 20 at once against the
    // Firestore emulator: the functions emulator would start one process per concurrent call.
    const results = await Promise.allSettled(
      people.map((p) =>
        redeemInviteWith(adminDb(), systemClock, {
          data: { consultId, secret },
          caller: { uid: p.uid, role: null, anonymous: true, professional: null },
          request: { ipPrefix: null, userAgent: 'tests' },
        }),
      ),
    );
    const winners = people.filter((_, i) => results[i]!.status === 'fulfilled');
    expect(winners).toHaveLength(1);
    for (const result of results) {
      if (result.status === 'rejected') {
        expect(result.reason).toBeInstanceOf(AppError);
        expect((result.reason as AppError).reason).toBe('invite_taken');
      }
    }
    expect((await readConsult(consultId)).patientUid).toBe(winners[0]!.uid);
    expect((await readInvite(consultId)).redeemedBy).toBe(winners[0]!.uid);
    expect((await auditOf(consultId)).filter((e) => e.action === 'invite.redeemed')).toHaveLength(1);
    // The losers see the same through the callable.
    await expectRefusal(redeem(people.find((p) => p !== winners[0])!, consultId, secret), 'already-exists', 'invite_taken');
  });

  it('binds exactly one of several people redeeming through the callable at once', { timeout: 180_000 }, async () => {
    const { consultId, secret } = await schedule(await clinician());
    const people = await Promise.all(Array.from({ length: 5 }, () => anonymousPatient()));
    await warmWorkers(await anonymousPatient(), 'redeemInvite', { consultId: 'W'.repeat(20), secret }, people.length);
    const results = await Promise.allSettled(people.map((p) => redeem(p, consultId, secret)));
    const winners = people.filter((_, i) => results[i]!.status === 'fulfilled');
    expect(winners).toHaveLength(1);
    for (const result of results) {
      if (result.status === 'rejected') {
        const error = result.reason as { code: string; details?: { reason?: string } };
        expect(error.code, JSON.stringify(error)).toBe('functions/already-exists');
        expect(error.details?.reason).toBe('invite_taken');
      }
    }
    expect((await readConsult(consultId)).patientUid).toBe(winners[0]!.uid);
  });
});
