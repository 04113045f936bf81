import { createHash } from 'node:crypto';
import type { Timestamp } from 'firebase-admin/firestore';
import { afterAll, describe, expect, it } from 'vitest';
import type { ConsultDoc, InviteDoc } from '../../functions/src/lib/model';
import {
  anonymousPatient,
  auditOf,
  clinician,
  closeSessions,
  consultDoc,
  expectRefusal,
  idTokenOf,
  inMinutes,
  rawCall,
  inviteDoc,
  schedule,
  scheduleRequest,
  signedInAs,
  signedOut,
} from './consults.support';

afterAll(closeSessions);

describe('scheduleConsult', () => {
  it('creates a scheduled consult owned by the clinician and returns a one-time invite', async () => {
    const doctor = await clinician();
    const scheduledFor = inMinutes(60);
    const result = await schedule(doctor, { patientLabel: '  Maria S.  ', scheduledFor, durationMinutes: 45 });

    expect(result.consultId).toMatch(/^[A-Za-z0-9]{20}$/);
    expect(result.secret).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const url = new URL(result.inviteUrl);
    expect(url.pathname).toBe(`/join/${result.consultId}`);
    expect(url.hash).toBe(`#k=${result.secret}`);
    const scheduledMs = Date.parse(scheduledFor);
    expect(Date.parse(result.inviteExpiresAt)).toBe(scheduledMs + 45 * 60_000 + 12 * 3600_000);

    const consult = (await consultDoc(result.consultId).get()).data() as ConsultDoc<Timestamp>;
    expect(consult).toMatchObject({
      clinicianUid: doctor.uid,
      patientUid: null,
      patientLabel: 'Maria S.',
      durationMinutes: 45,
      status: 'scheduled',
      patientProgress: 'invited',
      admittedAt: null,
      endedAt: null,
      endReason: null,
      auditHead: { seq: 1 },
    });
    expect(consult.scheduledFor.toMillis()).toBe(scheduledMs);
    expect(consult.updatedAt.toMillis()).toBe(consult.createdAt.toMillis());
  });

  it('stores only the SHA-256 of the secret, with no failed attempts and no redeemer', async () => {
    const result = await schedule(await clinician());
    const invite = (await inviteDoc(result.consultId).get()).data() as InviteDoc<Timestamp>;
    expect(invite.secretHash).toBe(createHash('sha256').update(result.secret).digest('hex'));
    expect(JSON.stringify(invite)).not.toContain(result.secret);
    expect(invite).toMatchObject({ failedAttempts: 0, lockedUntil: null, redeemedBy: null });
    expect(invite.expiresAt.toDate().toISOString()).toBe(result.inviteExpiresAt);
  });

  it('writes the consult.scheduled audit entry, without the patient label or the secret', async () => {
    const result = await schedule(await clinician(), { patientLabel: 'Joana Q.' });
    const [entry, ...rest] = await auditOf(result.consultId);
    expect(rest).toHaveLength(0);
    expect(entry).toMatchObject({ action: 'consult.scheduled', seq: 1, actorRole: 'clinician' });
    const text = JSON.stringify(entry);
    expect(text).not.toContain('Joana');
    expect(text).not.toContain(result.secret);
    const consult = (await consultDoc(result.consultId).get()).data() as ConsultDoc;
    expect(consult.auditHead).toEqual({ seq: 1, hash: entry!.hash });
  });

  it('records the address the platform saw, not an X-Forwarded-For the caller forged', async () => {
    const doctor = await clinician();
    const body = JSON.stringify({ data: scheduleRequest() });
    const answer = await rawCall('scheduleConsult', body, await idTokenOf(doctor), { 'x-forwarded-for': '203.0.113.7', 'user-agent': 'forger/1.0' });
    expect(answer.status).toBe(200);
    const { consultId } = answer.json.result as { consultId: string };
    const [entry] = await auditOf(consultId);
    expect(entry!.context['userAgent']).toBe('forger/1.0');
    expect(entry!.context['ipPrefix']).not.toBe('203.0.113.0/24');
    // The emulator's caller is on this machine.
    expect([null, '127.0.0.0/24', '::/48', '0:0:0::/48']).toContain(entry!.context['ipPrefix']);
  });

  it('gives every consult its own id and secret', async () => {
    const doctor = await clinician();
    const [a, b] = await Promise.all([schedule(doctor), schedule(doctor)]);
    expect(a.consultId).not.toBe(b.consultId);
    expect(a.secret).not.toBe(b.secret);
  });

  it('lets an administrator schedule too', async () => {
    const admin = await signedInAs('admin');
    const result = await schedule(admin);
    expect(((await consultDoc(result.consultId).get()).data() as ConsultDoc).clinicianUid).toBe(admin.uid);
  });

  it('refuses a caller who is not signed in', async () => {
    await expectRefusal(signedOut().call('scheduleConsult', scheduleRequest()), 'unauthenticated', 'unauthenticated');
  });

  it('refuses patients and users without a role', async () => {
    await expectRefusal(schedule(await anonymousPatient()), 'permission-denied', 'not_clinician');
    await expectRefusal(schedule(await signedInAs(null)), 'permission-denied', 'not_clinician');
  });

  it('refuses a time more than a day in the past or more than a year ahead', async () => {
    const doctor = await clinician();
    await expectRefusal(schedule(doctor, { scheduledFor: inMinutes(-25 * 60) }), 'invalid-argument', 'invalid_input');
    await expectRefusal(schedule(doctor, { scheduledFor: inMinutes(367 * 24 * 60) }), 'invalid-argument', 'invalid_input');
    // An hour ago is fine: the clinician may enter a consult that already started.
    await expect(schedule(doctor, { scheduledFor: inMinutes(-60) })).resolves.toHaveProperty('consultId');
  });
});
