// The clinician's side off the happy road: wrong password, an account without the clinician
// role, and cancelling a consult (which the patient's link then explains).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { Timestamp } from 'firebase-admin/firestore';
import { getAuth } from 'firebase-admin/auth';
import { adminApp, adminDb, createUser } from '../support/admin';
import { launchChromium } from '../support/browser';
import { PROJECT_ID, authHost, hostingOrigin } from '../support/emulators';

const LONG = { timeout: 60_000 };

async function signIn(page: Page, email: string, password: string) {
  await page.goto(`${hostingOrigin()}/`);
  await page.getByLabel('E-mail').fill(email, LONG);
  await page.getByLabel('Senha').fill(password);
  await page.getByRole('button', { name: 'Entrar' }).click();
}

describe('the clinician off the happy road', () => {
  let browser: Browser;
  beforeAll(async () => {
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
  });

  it('a wrong password is explained in plain language and the form stays usable', async () => {
    const account = await createUser('clinician', 'clinician');
    const page = await (await browser.newContext()).newPage();
    await signIn(page, account.email, 'not-the-password');
    await page.getByRole('alert').getByText('E-mail ou senha incorretos. Confira e tente de novo.').waitFor(LONG);
    await page.getByLabel('Senha').fill(account.password);
    await page.getByRole('button', { name: 'Entrar' }).click();
    await page.getByRole('heading', { name: 'Consultas' }).waitFor(LONG);
    await page.getByRole('button', { name: 'Sair' }).click();
    await page.getByRole('heading', { name: 'Entrar' }).waitFor(LONG);
  });

  it('an account with a second factor asks for the code sent by SMS: a wrong one is explained, the right one signs in', async () => {
    const account = await createUser('clinician', 'mfa');
    const phone = `+55119${String(Date.now()).slice(-8)}`;
    await getAuth(adminApp()).updateUser(account.uid, { multiFactor: { enrolledFactors: [{ uid: 'sms', factorId: 'phone', phoneNumber: phone, displayName: 'SMS' }] } });
    const page = await (await browser.newContext({ viewport: { width: 360, height: 740 } })).newPage();
    await signIn(page, account.email, account.password);
    await page.getByRole('heading', { name: 'Código de verificação' }).waitFor(LONG);
    await page.getByText(/Enviamos um código por SMS para/).waitFor(LONG);
    // The password alone let nobody in.
    expect(await page.getByRole('heading', { name: 'Consultas' }).count()).toBe(0);
    await page.getByLabel('Código de 6 dígitos').fill('000000');
    await page.getByRole('button', { name: 'Confirmar' }).click();
    await page.getByRole('alert').getByText('Código incorreto. Confira o SMS e digite de novo.').waitFor(LONG);
    // The Auth emulator keeps the codes it "sent" where a test can read them.
    const codes = (await (await fetch(`http://${authHost()}/emulator/v1/projects/${PROJECT_ID}/verificationCodes`)).json()) as { verificationCodes: Array<{ code: string; phoneNumber: string }> };
    const sent = codes.verificationCodes.filter((c) => c.phoneNumber === phone).at(-1);
    expect(sent?.code).toMatch(/^\d{6}$/);
    await page.getByLabel('Código de 6 dígitos').fill(sent!.code);
    await page.getByRole('button', { name: 'Confirmar' }).click();
    await page.getByRole('heading', { name: 'Consultas' }).waitFor(LONG);
  });

  it('an account without the clinician role is told to ask for access, and sees no consults', async () => {
    const account = await createUser(null, 'staff');
    const page = await (await browser.newContext()).newPage();
    await signIn(page, account.email, account.password);
    await page.getByText('Esta conta não tem acesso de profissional de saúde. Peça ao administrador para liberar.').first().waitFor(LONG);
    expect(await page.getByRole('heading', { name: 'Consultas' }).count()).toBe(0);
  });

  it('a consult that does not exist, or is another clinician\'s, is explained instead of loading forever', async () => {
    const account = await createUser('clinician', 'clinician');
    const other = await createUser('clinician', 'clinician');
    const theirs = adminDb().collection('consults').doc();
    const now = Timestamp.now();
    await theirs.set({
      clinicianUid: other.uid, patientUid: null, patientLabel: 'Não é seu', scheduledFor: now, durationMinutes: 20,
      status: 'scheduled', patientProgress: 'invited', createdAt: now, updatedAt: now, admittedAt: null, endedAt: null,
      endReason: null, auditHead: { seq: 0, hash: '' },
    });
    const page = await (await browser.newContext()).newPage();
    await signIn(page, account.email, account.password);
    await page.getByRole('heading', { name: 'Consultas' }).waitFor(LONG);

    await page.goto(`${hostingOrigin()}/consults/${'x'.repeat(20)}`);
    await page.getByRole('alert').getByText('Não encontramos esta consulta entre as suas.').waitFor(LONG);
    await page.getByRole('link', { name: 'Voltar às consultas' }).waitFor(LONG);

    await page.goto(`${hostingOrigin()}/consults/${theirs.id}`);
    await page.getByRole('alert').getByText('Não encontramos esta consulta entre as suas.').waitFor(LONG);
    expect(await page.getByText('Não é seu').count()).toBe(0);
  });

  it('a cancelled consult moves to the past list, and its invite link explains that it is over', async () => {
    const account = await createUser('clinician', 'clinician');
    const context = await browser.newContext({ viewport: { width: 360, height: 740 } });
    const page = await context.newPage();
    page.on('dialog', (dialog) => void dialog.accept());
    await signIn(page, account.email, account.password);
    await page.getByRole('heading', { name: 'Consultas' }).waitFor(LONG);
    await page.getByLabel('Paciente (nome ou referência)').fill('Ana C.');
    await page.getByRole('button', { name: 'Agendar' }).click();
    const link = await page.getByRole('textbox', { name: 'Link do convite' }).inputValue(LONG);
    const consultId = /\/join\/([A-Za-z0-9]{20})#/.exec(link)?.[1];
    const item = page.locator(`[data-consult-id="${consultId}"]`);
    await item.getByRole('button', { name: 'Cancelar consulta de Ana C.' }).click();
    await item.getByText('Cancelada').waitFor(LONG);

    const patient = await (await browser.newContext({ viewport: { width: 360, height: 740 } })).newPage();
    await patient.goto(link);
    await patient.locator('[data-screen="closed"], [data-screen="invite-problem"]').first().waitFor(LONG);
    expect(await patient.locator('main').textContent()).toMatch(/encerrada ou cancelada/);
  });
});
