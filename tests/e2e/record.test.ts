// The consult's record in the app's own screens, two Chromium processes and real WebRTC: the
// patient sees who treats them and says who they are while waiting; the clinician checks the
// identity on video, writes, signs and adds to the note; the printed record (A4, print media)
// carries every field the clinic files, and its hashes are the ones in the audit chain.
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import type { AuditEntry, ConsultDoc } from '../../functions/src/lib/model';
import { adminDb, TEST_PROFESSIONAL } from '../support/admin';
import { admitAndSee, endConsult, openClinic, readyToAdmit, type Clinic, type ReadyConsult } from '../support/appConsult';
import { axeViolations, blocking } from '../support/axe';
import { launchChromium } from '../support/browser';
import { DEMO_CLINIC, shownConsentHash } from '../support/consentText';
import { CONSENT_VERSIONS } from '../../functions/src/consent/versions';

const LONG = { timeout: 60_000 };
const sha256 = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');
const NOTE = 'Úlcera venosa em maléolo medial esquerdo, 3 × 2 cm, leito com granulação, sem sinais de infecção.\nConduta: manter terapia compressiva.';
const ADDENDUM = 'Paciente enviou foto no dia seguinte: sem piora.';
const REGISTRATION = `${TEST_PROFESSIONAL.name} — ${TEST_PROFESSIONAL.council}-${TEST_PROFESSIONAL.uf} ${TEST_PROFESSIONAL.number}`;

async function auditActions(consultId: string): Promise<AuditEntry[]> {
  const snap = await adminDb().collection('audit').where('consultId', '==', consultId).get();
  return snap.docs.map((d) => d.data() as AuditEntry).sort((a, b) => a.seq - b.seq);
}

const textOf = (page: Page, testId: string) => page.getByTestId(testId).innerText();

describe('the consult record', () => {
  let clinicianBrowser: Browser;
  let patientBrowser: Browser;
  let clinic: Clinic;
  let ready: ReadyConsult;
  beforeAll(async () => {
    [clinicianBrowser, patientBrowser] = await Promise.all([launchChromium(), launchChromium()]);
    clinic = await openClinic(clinicianBrowser, { bypassCSP: true });
  });
  afterAll(async () => {
    await clinic?.close();
    await Promise.allSettled([clinicianBrowser?.close(), patientBrowser?.close()]);
  });

  it('the waiting patient sees who treats them and gives name, birth date and CPF, checked before anything is sent', async () => {
    expect(await clinic.page.getByTestId('own-registration').innerText()).toContain(REGISTRATION);
    ready = await readyToAdmit(clinic, patientBrowser);
    const patient = ready.patient;
    expect(await textOf(patient, 'clinician-line')).toBe(`Quem vai atender: ${REGISTRATION}`);

    const form = patient.getByTestId('patient-identity');
    expect(await form.getAttribute('data-state')).toBe('missing');
    expect(await form.innerText()).toContain('Falta informar seus dados para o prontuário.');
    await patient.getByRole('button', { name: 'Informar meus dados' }).click();
    await patient.getByLabel('Nome completo').fill('Maria da Silva Souza');
    await patient.getByLabel('Data de nascimento').fill('1958-03-12');
    await patient.getByLabel('CPF', { exact: true }).fill('529.982.247-24');
    await patient.getByRole('button', { name: 'Enviar meus dados' }).click();
    await patient.getByText('Este CPF não é válido: confira os números.').waitFor(LONG);
    expect(await patient.getByLabel('CPF', { exact: true }).getAttribute('aria-invalid')).toBe('true');
    expect((await adminDb().doc(`consults/${ready.consultId}`).get()).data()?.['patientIdentity']).toBeUndefined();

    await patient.getByLabel('CPF', { exact: true }).fill('529.982.247-25');
    await patient.getByRole('button', { name: 'Enviar meus dados' }).click();
    await patient.locator('[data-testid="patient-identity"][data-state="given"]').waitFor(LONG);
    expect(await form.innerText()).toContain('Maria da Silva Souza · nasc. 12/03/1958 · CPF 529.982.247-25');
    await expect.poll(() => textOf(clinic.page, 'waiting-identity'), LONG).toContain('Maria da Silva Souza');
  });

  it('on video the clinician checks the identity, writes a draft, signs it and adds an addendum; a signed note has no editor', async () => {
    await admitAndSee(clinic, ready);
    const page = clinic.page;
    await page.getByRole('button', { name: 'Registro', exact: true }).click();
    const panel = page.getByTestId('record-panel');
    await panel.waitFor(LONG);
    expect(blocking(await axeViolations(page))).toEqual([]);

    await page.getByLabel('Documento mostrado (opcional)').fill('RG 12.345.678-9');
    await page.getByRole('button', { name: 'Identidade conferida' }).click();
    await page.locator('[data-testid="identity-check"][data-state="confirmed"]').waitFor(LONG);

    await page.getByLabel('Evolução e conduta').fill(NOTE);
    await page.getByRole('button', { name: 'Salvar rascunho' }).click();
    await expect.poll(() => textOf(page, 'record-status'), LONG).toMatch(/^Rascunho salvo às \d\d:\d\d\.$/);
    await page.getByRole('button', { name: 'Assinar registro' }).click();
    await page.locator('[data-testid="record-editor"][data-signed="true"]').waitFor(LONG);
    expect(await page.getByLabel('Evolução e conduta').count()).toBe(0);
    expect(await textOf(page, 'record-note')).toBe(NOTE);

    await page.getByLabel('Novo adendo').fill(ADDENDUM);
    await page.getByRole('button', { name: 'Acrescentar adendo' }).click();
    await expect.poll(() => page.getByTestId('record-addendum').count(), LONG).toBe(1);
    await endConsult(clinic, ready);
  });

  it('the printed record carries every field on at most two A4 pages, and its hashes are the audit chain’s', async () => {
    const page = clinic.page;
    await page.getByRole('link', { name: 'Ver o registro para imprimir' }).first().click();
    await page.locator('[data-screen="record"]').waitFor(LONG);
    await page.getByTestId('record-page-note').waitFor(LONG);
    expect(blocking(await axeViolations(page))).toEqual([]);

    await page.emulateMedia({ media: 'print' });
    expect(await page.locator('.topbar').isVisible()).toBe(false);
    expect(await page.getByRole('button', { name: 'Imprimir ou salvar em PDF' }).isVisible()).toBe(false);
    const consult = (await adminDb().doc(`consults/${ready.consultId}`).get()).data() as ConsultDoc;

    const clinicText = await textOf(page, 'record-clinic');
    for (const value of [DEMO_CLINIC.name, DEMO_CLINIC.cnpj, DEMO_CLINIC.address, DEMO_CLINIC.dpoName, DEMO_CLINIC.dpoEmail]) expect(clinicText).toContain(value);
    expect(await textOf(page, 'record-professional')).toBe(REGISTRATION);
    const people = await textOf(page, 'record-people');
    for (const value of ['Maria da Silva Souza', '12/03/1958', '529.982.247-25', 'Ana T.']) expect(people).toContain(value);
    expect(await textOf(page, 'record-identity-check')).toMatch(/^informada pelo paciente; conferida por vídeo em .+ às \d\d:\d\d \(RG 12\.345\.678-9\)$/);
    expect(await textOf(page, 'record-admitted')).toMatch(/^\d\d:\d\d$/);
    expect(await textOf(page, 'record-ended')).toMatch(/^\d\d:\d\d$/);
    expect(await textOf(page, 'record-duration')).toMatch(/^\d+ min \d+ s$/);

    const consents = await textOf(page, 'record-consents');
    const version = (kind: 'patient' | 'clinician') => CONSENT_VERSIONS[kind].replaceAll('.', '\\.');
    expect(consents).toMatch(new RegExp(`Paciente: termo versão ${version('patient')} \\(pt-BR\\), aceito em .+; gravação: não`));
    expect(consents).toMatch(new RegExp(`Profissional: termo versão ${version('clinician')} \\(pt-BR\\), aceito em .+; gravação: não`));
    expect(consents).toContain(await shownConsentHash('patient'));
    expect(consents).toContain(await shownConsentHash('clinician'));

    expect(await textOf(page, 'record-media')).toBe('Nenhuma foto ou gravação nesta consulta.');
    expect(await textOf(page, 'record-technical')).toContain('DTLS-SRTP');
    expect(await page.getByTestId('record-path').getAttribute('data-path')).toMatch(/^record\.path\.(direct|relay)$/);
    // Each side writes its quality summary during the call and a final one as it closes; a side
    // whose browser had no round-trip figure yet says so instead of printing a number.
    const quality = await textOf(page, 'record-quality');
    expect(quality).toMatch(/^Paciente: (RTT [\d.]+ ms · perda [\d.—]+ % · jitter [\d.—]+ ms · reconexões \d+|não medida)\nProfissional: (RTT [\d.]+ ms · perda [\d.—]+ % · jitter [\d.—]+ ms · reconexões \d+|não medida)$/);
    expect(quality).toMatch(/RTT [\d.]+ ms/);

    expect(await textOf(page, 'record-page-note')).toBe(NOTE);
    const noteSection = await textOf(page, 'record-note-section');
    expect(noteSection).toContain(`Assinado por ${REGISTRATION}`);
    expect(noteSection).toContain(sha256(NOTE));
    expect(noteSection).toContain(sha256(ADDENDUM));
    expect(await page.getByTestId('record-page-addendum').innerText()).toContain(ADDENDUM);

    const audit = await auditActions(ready.consultId);
    const actions = audit.map((e) => e.action);
    for (const action of ['patient.identified', 'patient.identity_confirmed', 'record.saved', 'record.signed', 'record.addendum']) expect(actions).toContain(action);
    expect(audit.find((e) => e.action === 'record.signed')?.context['hash']).toBe(sha256(NOTE));
    expect(audit.find((e) => e.action === 'record.addendum')?.context['hash']).toBe(sha256(ADDENDUM));
    expect(JSON.stringify(audit)).not.toContain('Maria da Silva');
    expect(await textOf(page, 'record-audit-hash')).toBe(consult.auditHead.hash);
    expect(await textOf(page, 'record-audit')).toContain(`npm run audit:verify -- ${ready.consultId}`);

    const pdf = await page.pdf({ format: 'A4', printBackground: false });
    const pages = pdf.toString('latin1').match(/\/Type\s*\/Page(?!s)/g)?.length ?? 0;
    expect(pages).toBeGreaterThanOrEqual(1);
    expect(pages).toBeLessThanOrEqual(2);
    await page.emulateMedia({ media: 'screen' });
  });
});
