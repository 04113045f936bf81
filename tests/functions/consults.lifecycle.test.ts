import { afterAll, describe, expect, it } from 'vitest';
import { verifyChain } from '../../functions/src/audit/chain';
import type { ConsultStatus } from '../../functions/src/lib/model';
import { adminDb } from '../support/admin';
import {
  anonymousPatient,
  arrangeConsentAndWaiting,
  arrangeWithdrawal,
  auditOf,
  clinician,
  closeSessions,
  consultDoc,
  expectRefusal,
  redeem,
  schedule,
  signedInAs,
  type Person,
  readConsult,
  waitingConsult,
} from './consults.support';

afterAll(closeSessions);



async function setStatus(consultId: string, status: ConsultStatus) {
  await consultDoc(consultId).update({ status });
}

const call = (who: Person, name: string, consultId: string) => who.session.call(name, { consultId });

describe('cancelConsult', () => {
  it('cancels a scheduled consult, records who did it and when', async () => {
    const doctor = await clinician();
    const { consultId } = await schedule(doctor);
    const before = await readConsult(consultId);
    await expect(call(doctor, 'cancelConsult', consultId)).resolves.toEqual({ consultId, status: 'cancelled' });
    const after = await readConsult(consultId);
    expect(after.status).toBe('cancelled');
    expect(after.updatedAt.toMillis()).toBeGreaterThanOrEqual(before.updatedAt.toMillis());
    const entries = await auditOf(consultId);
    expect(entries.map((e) => e.action)).toEqual(['consult.scheduled', 'consult.cancelled']);
    expect(entries[1]).toMatchObject({ actorUid: doctor.uid, actorRole: 'clinician', context: { from: 'scheduled' } });
    expect(after.auditHead).toEqual({ seq: 2, hash: entries[1]!.hash });
  });

  it('cancels a consult whose patient is in the waiting room', async () => {
    const { doctor, consultId } = await waitingConsult();
    await expect(call(doctor, 'cancelConsult', consultId)).resolves.toEqual({ consultId, status: 'cancelled' });
  });

  it('lets an administrator cancel another clinician’s consult', async () => {
    const { consultId } = await schedule(await clinician());
    const admin = await signedInAs('admin');
    await expect(call(admin, 'cancelConsult', consultId)).resolves.toEqual({ consultId, status: 'cancelled' });
    expect((await auditOf(consultId))[1]).toMatchObject({ actorUid: admin.uid, actorRole: 'admin' });
  });

  it('refuses another clinician and the patient', async () => {
    const { patient, consultId } = await waitingConsult();
    await expectRefusal(call(await clinician(), 'cancelConsult', consultId), 'permission-denied', 'not_owner');
    await expectRefusal(call(patient, 'cancelConsult', consultId), 'permission-denied', 'not_clinician');
    expect((await readConsult(consultId)).status).toBe('waiting');
  });

  it('refuses to cancel a call under way or a closed consult', async () => {
    const { doctor, consultId } = await waitingConsult();
    await call(doctor, 'admitPatient', consultId);
    const refusal = await expectRefusal(call(doctor, 'cancelConsult', consultId), 'failed-precondition', 'illegal_transition');
    expect(refusal.message).toContain('already under way');
    await call(doctor, 'endConsult', consultId);
    await expectRefusal(call(doctor, 'cancelConsult', consultId), 'failed-precondition', 'illegal_transition');
  });

  it('answers not-found for a consult that does not exist', async () => {
    await expectRefusal(call(await clinician(), 'cancelConsult', 'AAAAAAAAAAAAAAAAAAAA'), 'not-found', 'consult_not_found');
  });
});

describe('admitPatient', () => {
  it('admits a consenting patient from the waiting room and stamps admittedAt', async () => {
    const { doctor, patient, consultId } = await waitingConsult();
    await expect(call(doctor, 'admitPatient', consultId)).resolves.toEqual({ consultId, status: 'admitted' });
    const consult = await readConsult(consultId);
    expect(consult.status).toBe('admitted');
    expect(consult.admittedAt).not.toBeNull();
    expect(consult.updatedAt.toMillis()).toBe(consult.admittedAt!.toMillis());
    const last = (await auditOf(consultId)).at(-1);
    expect(last).toMatchObject({ action: 'patient.admitted', actorUid: doctor.uid, context: { patientUid: patient.uid } });
  });

  it('refuses a patient who has not consented (status scheduled)', async () => {
    const doctor = await clinician();
    const { consultId, secret } = await schedule(doctor);
    await redeem(await anonymousPatient(), consultId, secret);
    const refusal = await expectRefusal(call(doctor, 'admitPatient', consultId), 'failed-precondition', 'illegal_transition');
    expect(refusal.message).toContain('not accepted the consent');
  });

  it('refuses when the consent is missing even though the status says waiting', async () => {
    const doctor = await clinician();
    const { consultId, secret } = await schedule(doctor);
    await redeem(await anonymousPatient(), consultId, secret);
    await setStatus(consultId, 'waiting');
    await expectRefusal(call(doctor, 'admitPatient', consultId), 'failed-precondition', 'consent_required');
  });

  it('refuses when the patient withdrew the consent', async () => {
    const { doctor, patient, consultId } = await waitingConsult();
    await arrangeWithdrawal(consultId, patient.uid);
    await expectRefusal(call(doctor, 'admitPatient', consultId), 'failed-precondition', 'consent_required');
    expect((await readConsult(consultId)).status).toBe('waiting');
  });

  it('refuses an administrator, another clinician and the patient', async () => {
    const { patient, consultId } = await waitingConsult();
    await expectRefusal(call(await signedInAs('admin'), 'admitPatient', consultId), 'permission-denied', 'not_owner');
    await expectRefusal(call(await clinician(), 'admitPatient', consultId), 'permission-denied', 'not_owner');
    await expectRefusal(call(patient, 'admitPatient', consultId), 'permission-denied', 'not_clinician');
  });

  it('admits once: a repeated admission (a retry after a lost answer) succeeds and changes nothing', async () => {
    const { doctor, consultId } = await waitingConsult();
    const results = await Promise.all([call(doctor, 'admitPatient', consultId), call(doctor, 'admitPatient', consultId)]);
    expect(results).toEqual([{ consultId, status: 'admitted' }, { consultId, status: 'admitted' }]);
    const admitted = await readConsult(consultId);
    await expect(call(doctor, 'admitPatient', consultId)).resolves.toEqual({ consultId, status: 'admitted' });
    const again = await readConsult(consultId);
    expect(again.updatedAt.toMillis()).toBe(admitted.updatedAt.toMillis());
    expect(again.admittedAt!.toMillis()).toBe(admitted.admittedAt!.toMillis());
    expect((await auditOf(consultId)).filter((e) => e.action === 'patient.admitted')).toHaveLength(1);
    // Still only its own clinician.
    await expectRefusal(call(await clinician(), 'admitPatient', consultId), 'permission-denied', 'not_owner');
  });

  it('refuses to admit into an ended consult', async () => {
    const { doctor, consultId } = await waitingConsult();
    await call(doctor, 'admitPatient', consultId);
    await call(doctor, 'endConsult', consultId);
    await expectRefusal(call(doctor, 'admitPatient', consultId), 'failed-precondition', 'illegal_transition');
  });
});

describe('endConsult', () => {
  it('ends an admitted consult and deletes the signaling documents with it', async () => {
    const { doctor, patient, consultId } = await waitingConsult();
    await call(doctor, 'admitPatient', consultId);
    const peers = adminDb().collection(`consults/${consultId}/peers`);
    await peers.doc(doctor.uid).set({ sessionId: 's1', role: 'clinician', seq: 1, description: null, candidates: [], candidatesComplete: false });
    await peers.doc(patient.uid).set({ sessionId: 's2', role: 'patient', seq: 1, description: null, candidates: [], candidatesComplete: false });
    await expect(call(doctor, 'endConsult', consultId)).resolves.toEqual({ consultId, status: 'ended' });
    const consult = await readConsult(consultId);
    expect(consult).toMatchObject({ status: 'ended', endReason: 'clinician' });
    expect(consult.endedAt).not.toBeNull();
    expect((await peers.get()).size).toBe(0);
    expect((await auditOf(consultId)).at(-1)).toMatchObject({ action: 'consult.ended', context: { from: 'admitted', endReason: 'clinician', peersDeleted: 2 } });
  });

  it("lets an administrator end another clinician's admitted consult, signaling and recording with it, in an entry that names the administrator", async () => {
    const { doctor, patient, consultId } = await waitingConsult();
    await call(doctor, 'admitPatient', consultId);
    const peers = adminDb().collection(`consults/${consultId}/peers`);
    await peers.doc(doctor.uid).set({ sessionId: 's1', role: 'clinician', seq: 1, description: null, candidates: [], candidatesComplete: false });
    await peers.doc(patient.uid).set({ sessionId: 's2', role: 'patient', seq: 1, description: null, candidates: [], candidatesComplete: false });
    const admin = await signedInAs('admin');
    await expect(call(admin, 'endConsult', consultId)).resolves.toEqual({ consultId, status: 'ended' });
    expect(await readConsult(consultId)).toMatchObject({ status: 'ended', endReason: 'admin' });
    expect((await peers.get()).size).toBe(0);
    expect((await auditOf(consultId)).at(-1)).toMatchObject({
      action: 'consult.ended',
      actorUid: admin.uid,
      actorRole: 'admin',
      context: { from: 'admitted', endReason: 'admin', peersDeleted: 2 },
    });
  });

  it.each(['scheduled', 'waiting'] as const)('ends a %s consult', async (status) => {
    const doctor = await clinician();
    const { consultId } = await schedule(doctor);
    await setStatus(consultId, status);
    await expect(call(doctor, 'endConsult', consultId)).resolves.toEqual({ consultId, status: 'ended' });
  });

  it('refuses to end a consult twice or a cancelled one', async () => {
    const doctor = await clinician();
    const a = await schedule(doctor);
    await call(doctor, 'endConsult', a.consultId);
    await expectRefusal(call(doctor, 'endConsult', a.consultId), 'failed-precondition', 'illegal_transition');
    const b = await schedule(doctor);
    await call(doctor, 'cancelConsult', b.consultId);
    await expectRefusal(call(doctor, 'endConsult', b.consultId), 'failed-precondition', 'illegal_transition');
  });

  it('refuses the patient and another clinician', async () => {
    const { patient, consultId } = await waitingConsult();
    await expectRefusal(call(patient, 'endConsult', consultId), 'permission-denied', 'not_clinician');
    await expectRefusal(call(await clinician(), 'endConsult', consultId), 'permission-denied', 'not_owner');
  });
});

describe('a full consult lifecycle', () => {
  it('leaves an audit chain that verifies from genesis to the consult’s head', async () => {
    const doctor = await clinician();
    const patient = await anonymousPatient();
    const { consultId, secret } = await schedule(doctor);
    await expectRefusal(redeem(patient, consultId, `${secret.slice(0, -1)}${secret.endsWith('A') ? 'B' : 'A'}`), 'permission-denied', 'invite_invalid');
    await redeem(patient, consultId, secret);
    await redeem(patient, consultId, secret); // a reopen: not in the chain
    await arrangeConsentAndWaiting(consultId, patient.uid);
    await call(doctor, 'admitPatient', consultId);
    await call(doctor, 'endConsult', consultId);

    const entries = await auditOf(consultId);
    expect(entries.map((e) => e.action)).toEqual([
      'consult.scheduled',
      'invite.redeem_failed',
      'invite.redeemed',
      'patient.admitted',
      'consult.ended',
    ]);
    const consult = await readConsult(consultId);
    expect(verifyChain(entries, consult.auditHead)).toEqual({ ok: true, length: 5, head: consult.auditHead.hash });
    expect(JSON.stringify(entries)).not.toContain(secret);
  });

  it('reports a chain with a removed entry as broken', async () => {
    const doctor = await clinician();
    const { consultId } = await schedule(doctor);
    await call(doctor, 'cancelConsult', consultId);
    const entries = await auditOf(consultId);
    const consult = await readConsult(consultId);
    expect(verifyChain(entries.slice(0, 1), consult.auditHead).ok).toBe(false);
  });
});
