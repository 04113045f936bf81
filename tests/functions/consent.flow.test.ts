// Consent within the consult's life as the other callables shape it: schedule → redeem → consent
// → admit → withdraw, everything through the client SDK, the audit chain verified at the end.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { GENESIS_HASH, verifyChain, type ChainedFields } from '../../functions/src/audit/chain';
import type {
  RecordConsentResult,
  RedeemInviteResult,
  ScheduleConsultResult,
  StatusResult,
  WithdrawConsentResult,
} from '../../functions/src/lib/api';
import { adminDb, createUser } from '../support/admin';
import { clientSession, signInAnonymousPatient, signInWithPassword, type ClientSession } from '../support/emulators';
import { CONSENT_VERSIONS } from '../../functions/src/consent/versions';
import { shownConsentHash } from '../support/consentText';

const textsDir = path.resolve(__dirname, '../../functions/src/consent/texts');
const sessions: ClientSession[] = [];
afterAll(async () => {
  await Promise.all(sessions.map((s) => s.close()));
});

const webHash = (file: 'clinician.pt-BR.md' | 'patient.pt-BR.md') => shownConsentHash(file.startsWith('patient') ? 'patient' : 'clinician');

describe('consent in the life of a consult', () => {
  it('a patient who opened the invite consents, waits, is admitted, withdraws, and the chain holds every step', async () => {
    const user = await createUser('clinician', 'flow');
    const clinician = clientSession();
    const patient = clientSession();
    sessions.push(clinician, patient);
    await signInWithPassword(clinician, user.email, user.password);
    await signInAnonymousPatient(patient);

    const scheduled = await clinician.call<unknown, ScheduleConsultResult>('scheduleConsult', {
      patientLabel: 'Paciente fluxo',
      scheduledFor: new Date(Date.now() + 3_600_000).toISOString(),
      durationMinutes: 30,
    });
    const { consultId } = scheduled;
    const secret = new URL(scheduled.inviteUrl).hash.replace(/^#k=/, '');

    const redeemed = await patient.call<unknown, RedeemInviteResult>('redeemInvite', { consultId, secret });
    expect(redeemed).toMatchObject({ status: 'scheduled', consentRecorded: false });

    await clinician.call<unknown, RecordConsentResult>('recordConsent', {
      consultId, version: CONSENT_VERSIONS.clinician, locale: 'pt-BR', textHash: await webHash('clinician.pt-BR.md'), recording: false,
    });
    const consented = await patient.call<unknown, RecordConsentResult>('recordConsent', {
      consultId, version: redeemed.consentVersion, locale: 'pt-BR', textHash: await webHash('patient.pt-BR.md'), recording: false,
    });
    expect(consented.status).toBe('waiting');

    const reopened = await patient.call<unknown, RedeemInviteResult>('redeemInvite', { consultId, secret });
    expect(reopened).toMatchObject({ status: 'waiting', consentRecorded: true });

    expect((await clinician.call<unknown, StatusResult>('admitPatient', { consultId })).status).toBe('admitted');
    const withdrawn = await patient.call<unknown, WithdrawConsentResult>('withdrawConsent', { consultId });
    expect(withdrawn.status).toBe('ended');

    const consult = (await adminDb().doc(`consults/${consultId}`).get()).data()!;
    expect(consult).toMatchObject({ status: 'ended', endReason: 'consent_withdrawn', patientProgress: 'withdrawn' });

    const audit = await adminDb().collection('audit').where('consultId', '==', consultId).get();
    const entries = audit.docs.map((d) => ({ ...(d.data() as ChainedFields & { hash: string }), id: d.id }));
    const actions = [...entries].sort((a, b) => a.seq - b.seq).map((e) => e.action);
    expect(actions.filter((a) => a.startsWith('consent.'))).toEqual(['consent.recorded', 'consent.recorded', 'consent.withdrawn']);
    expect(actions.indexOf('consent.withdrawn')).toBe(actions.length - 1);
    expect(verifyChain(entries, consult.auditHead)).toMatchObject({ ok: true, length: entries.length });
    expect(consult.auditHead.hash).not.toBe(GENESIS_HASH);
  }, 240_000); // eight callables in a row, each may start a cold function worker
});
