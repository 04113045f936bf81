import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, onTestFailed } from 'vitest';
import { verifyChain, type ChainedFields } from '../../functions/src/audit/chain';
import { adminDb } from '../support/admin';
import { launchPeople, runJourney, type People } from './journey.flow';

describe('a consult from scheduling to the end, clinician and patient in their own browsers', () => {
  let people: People;
  const log: string[] = [];
  beforeAll(async () => {
    people = await launchPeople();
  });
  afterAll(async () => {
    await people?.close();
  });

  it('the clinician schedules and shares the link, the patient consents, checks devices and waits, is admitted, both see video, the clinician ends', async () => {
    onTestFailed(() => console.error(`Browser console:\n${log.join('\n')}`));
    const journey = await runJourney({ people, log });

    expect(journey.consultId).toMatch(/^[A-Za-z0-9]{20}$/);
    expect(journey.inviteLink).toMatch(new RegExp(`^${process.env.TC_HOSTING_ORIGIN}/join/${journey.consultId}#k=.+`));
    expect(journey.clipboardLink).toBe(journey.inviteLink);
    expect(journey.clinicianFrames).toBeGreaterThan(0);
    expect(journey.patientFrames).toBeGreaterThan(0);

    // The summary tells the clinician how long it lasted and how the connection was.
    await expect.poll(() => journey.clinician.getByTestId('summary-duration').textContent()).toMatch(/Duração: \d+ min \d+ s/);
    expect(await journey.clinician.getByTestId('summary-quality').textContent()).toMatch(/Qualidade da conexão: (boa|razoável|fraca|não medida)/);

    const consult = (await adminDb().collection('consults').doc(journey.consultId).get()).data()!;
    expect(consult['status']).toBe('ended');
    expect(consult['patientProgress']).toBe('consented');

    // Both consents are on record, and the patient's lobby progress reached the waiting room.
    const consents = await adminDb().collection('consults').doc(journey.consultId).collection('consents').get();
    expect(consents.docs.map((d) => d.data()['kind']).sort()).toEqual(['clinician', 'patient']);

    // Every step left an audit entry, and the chain is unbroken up to the consult's head.
    const audit = await adminDb().collection('audit').where('consultId', '==', journey.consultId).get();
    const entries = audit.docs.map((d) => ({ ...(d.data() as ChainedFields & { hash: string }), id: d.id }));
    expect(entries.length).toBeGreaterThanOrEqual(5);
    const verdict = verifyChain(entries, consult['auditHead'] as { seq: number; hash: string });
    expect(verdict).toMatchObject({ ok: true, length: entries.length });

    // The patient's path stays small until consent: no Firestore, no call engine, no clinician code.
    writeFileSync(
      path.join(process.env.TC_RESULTS_DIR ?? 'test-results', 'patient-js.json'),
      JSON.stringify({ patient_js_gzip_kb: +(journey.patientJsGzipBytes / 1024).toFixed(1), scripts: journey.patientScripts }, null, 2),
    );
    expect(journey.patientScripts.some((p) => /\/(db|Lobby|Call|ConsultRoom|ClinicianHome)-/.test(p))).toBe(false);
    expect(journey.patientJsGzipBytes / 1024).toBeLessThanOrEqual(100);

    // No uncaught error in either page.
    expect(log.filter((line) => line.includes('pageerror'))).toEqual([]);
  });
});
