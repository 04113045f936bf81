// Moving a consult and telling the waiting patient about a delay: what changes, what the audit
// chain says (never the note's words), and who may do it when.
import type { Timestamp } from 'firebase-admin/firestore';
import { doc, getDoc } from 'firebase/firestore';
import { afterAll, describe, expect, it } from 'vitest';
import { verifyChain } from '../../functions/src/audit/chain';
import { INVITE_GRACE_MS } from '../../functions/src/consults/invite';
import {
  anonymousPatient,
  auditOf,
  clinician,
  closeSessions,
  expectRefusal,
  inMinutes,
  inviteDoc,
  redeem,
  schedule,
  readConsult,
  waitingConsult,
} from './consults.support';

afterAll(closeSessions);



async function chainHolds(consultId: string) {
  const consult = await readConsult(consultId);
  const entries = await auditOf(consultId);
  return verifyChain(entries, consult.auditHead);
}

describe('rescheduleConsult', () => {
  it('moves a scheduled consult, keeps the same link working until the new time’s grace, and audits from and to', async () => {
    const doctor = await clinician();
    const { consultId, secret } = await schedule(doctor, { scheduledFor: inMinutes(60), durationMinutes: 30 });
    const before = await readConsult(consultId);
    const to = inMinutes(3 * 24 * 60);
    const result = await doctor.session.call('rescheduleConsult', { consultId, scheduledFor: to });
    const toMs = Date.parse(to);
    expect(result).toEqual({ consultId, scheduledFor: new Date(toMs).toISOString(), inviteExpiresAt: new Date(toMs + 30 * 60_000 + INVITE_GRACE_MS).toISOString() });

    const after = await readConsult(consultId);
    expect(after.scheduledFor.toMillis()).toBe(toMs);
    expect(after.status).toBe('scheduled');
    expect(((await inviteDoc(consultId).get()).get('expiresAt') as Timestamp).toMillis()).toBe(toMs + 30 * 60_000 + INVITE_GRACE_MS);
    const entries = await auditOf(consultId);
    expect(entries.at(-1)).toMatchObject({
      action: 'consult.rescheduled',
      actorUid: doctor.uid,
      context: { fromMs: before.scheduledFor.toMillis(), toMs },
    });
    expect((await chainHolds(consultId)).ok).toBe(true);

    // The link the patient already has still opens the consult.
    const patient = await anonymousPatient();
    await expect(redeem(patient, consultId, secret)).resolves.toMatchObject({ consultId, scheduledFor: new Date(toMs).toISOString() });
  });

  it('moves a consult whose patient is already waiting, and takes back a running-late message', async () => {
    const { doctor, consultId } = await waitingConsult();
    await doctor.session.call('announceDelay', { consultId, minutes: 10, note: null });
    expect((await readConsult(consultId)).runningLate).toMatchObject({ minutes: 10, note: null });
    await doctor.session.call('rescheduleConsult', { consultId, scheduledFor: inMinutes(120) });
    const after = await readConsult(consultId);
    expect(after.status).toBe('waiting');
    expect(after.runningLate).toBeNull();
  });

  it('refuses a consult under way or closed, another clinician, the patient, and a time out of range, changing nothing', async () => {
    const { doctor, patient, consultId } = await waitingConsult();
    const stranger = await clinician();
    const to = inMinutes(240);
    await expectRefusal(stranger.session.call('rescheduleConsult', { consultId, scheduledFor: to }), 'permission-denied', 'not_owner');
    await expectRefusal(patient.session.call('rescheduleConsult', { consultId, scheduledFor: to }), 'permission-denied');
    await expectRefusal(doctor.session.call('rescheduleConsult', { consultId, scheduledFor: inMinutes(400 * 24 * 60) }), 'invalid-argument');
    const untouched = await readConsult(consultId);

    await doctor.session.call('admitPatient', { consultId });
    const admitted = await readConsult(consultId);
    const refused = await expectRefusal(doctor.session.call('rescheduleConsult', { consultId, scheduledFor: to }), 'failed-precondition', 'illegal_transition');
    expect(refused.message).toMatch(/already started/);
    expect((await readConsult(consultId)).scheduledFor.toMillis()).toBe(untouched.scheduledFor.toMillis());
    expect((await readConsult(consultId)).auditHead).toEqual(admitted.auditHead);

    await doctor.session.call('endConsult', { consultId });
    await expectRefusal(doctor.session.call('rescheduleConsult', { consultId, scheduledFor: to }), 'failed-precondition', 'illegal_transition');
  });
});

describe('announceDelay', () => {
  it('shows the patient about how late and the note, audits the minutes and that a note exists but never its words', async () => {
    const { doctor, patient, consultId } = await waitingConsult();
    const note = 'Trânsito na Av. Paulista, chego logo';
    await expect(doctor.session.call('announceDelay', { consultId, minutes: 15, note })).resolves.toEqual({ consultId, shown: true });

    // The patient reads it from the consult document, as the waiting room does.
    const seen = await getDoc(doc(patient.session.db, 'consults', consultId));
    expect(seen.get('runningLate')).toMatchObject({ minutes: 15, note });

    const entries = await auditOf(consultId);
    const last = entries.at(-1)!;
    expect(last).toMatchObject({ action: 'consult.running_late', actorUid: doctor.uid, context: { minutes: 15, withNote: true } });
    expect(JSON.stringify(entries)).not.toContain('Paulista');
    expect((await chainHolds(consultId)).ok).toBe(true);
  });

  it('takes a note alone, trims it, and takes the message back with neither', async () => {
    const doctor = await clinician();
    const { consultId } = await schedule(doctor);
    await doctor.session.call('announceDelay', { consultId, minutes: null, note: '  Em atendimento de urgência  ' });
    expect((await readConsult(consultId)).runningLate).toMatchObject({ minutes: null, note: 'Em atendimento de urgência' });
    await expect(doctor.session.call('announceDelay', { consultId, minutes: null, note: '   ' })).resolves.toEqual({ consultId, shown: false });
    expect((await readConsult(consultId)).runningLate).toBeNull();
    expect((await auditOf(consultId)).at(-1)!.action).toBe('consult.running_late_cleared');
  });

  it('refuses another clinician, the patient, a note too long, minutes off the list, and a consult already in the call', async () => {
    const { doctor, patient, consultId } = await waitingConsult();
    const stranger = await clinician();
    await expectRefusal(stranger.session.call('announceDelay', { consultId, minutes: 5, note: null }), 'permission-denied', 'not_owner');
    await expectRefusal(patient.session.call('announceDelay', { consultId, minutes: 5, note: null }), 'permission-denied');
    await expectRefusal(doctor.session.call('announceDelay', { consultId, minutes: 5, note: 'x'.repeat(141) }), 'invalid-argument');
    await expectRefusal(doctor.session.call('announceDelay', { consultId, minutes: 20, note: null }), 'invalid-argument');
    await doctor.session.call('admitPatient', { consultId });
    await expectRefusal(doctor.session.call('announceDelay', { consultId, minutes: 5, note: null }), 'failed-precondition', 'illegal_transition');
    expect((await readConsult(consultId)).runningLate ?? null).toBeNull();
  });
});

describe('reissueInvite', () => {
  it('gives a new link, kills the old one at once, clears a wrong binding and audits it', async () => {
    const doctor = await clinician();
    const { consultId, secret } = await schedule(doctor);
    const wrongPerson = await anonymousPatient();
    await redeem(wrongPerson, consultId, secret);
    expect((await readConsult(consultId)).patientUid).toBe(wrongPerson.uid);

    const fresh = await doctor.session.call<{ consultId: string }, { secret: string; inviteUrl: string; inviteExpiresAt: string }>('reissueInvite', { consultId });
    expect(fresh.secret).not.toBe(secret);
    expect(fresh.inviteUrl).toContain(`/join/${consultId}#k=${fresh.secret}`);
    const after = await readConsult(consultId);
    expect(after).toMatchObject({ patientUid: null, patientProgress: 'invited', status: 'scheduled' });
    expect((await auditOf(consultId)).at(-1)).toMatchObject({ action: 'invite.reissued', context: { bindingCleared: true } });
    expect((await chainHolds(consultId)).ok).toBe(true);

    // The old link is dead for everyone, the one who held it included; the new one works.
    await expectRefusal(redeem(wrongPerson, consultId, secret), 'permission-denied');
    const patient = await anonymousPatient();
    await expectRefusal(redeem(patient, consultId, secret), 'permission-denied', 'invite_invalid');
    await expect(redeem(patient, consultId, fresh.secret)).resolves.toMatchObject({ consultId });
    await expectRefusal(redeem(wrongPerson, consultId, fresh.secret), 'already-exists', 'invite_taken');
  });

  it('refuses once the patient has consented, and for another clinician', async () => {
    const { doctor, consultId } = await waitingConsult();
    const stranger = await clinician();
    await expectRefusal(stranger.session.call('reissueInvite', { consultId }), 'permission-denied', 'not_owner');
    await expectRefusal(doctor.session.call('reissueInvite', { consultId }), 'failed-precondition', 'illegal_transition');
  });
});
