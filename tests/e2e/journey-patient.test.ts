// The patient's path when things are not simple: another language, a camera that is refused
// or missing, a link already used elsewhere. Real Chromium processes, configured like the
// browsers people have (no fake consent UI, or no camera at all).
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { chromium, type Browser, type Page } from 'playwright-core';
import type { ScheduleConsultRequest, ScheduleConsultResult } from '../../functions/src/lib/api';
import { adminDb, createUser } from '../support/admin';
import { CHROMIUM_ARGS, CHROMIUM_PATH, launchChromium } from '../support/browser';
import { clientSession, hostingOrigin, signInWithPassword, type ClientSession } from '../support/emulators';

const LONG = { timeout: 60_000 };
let clinic: ClientSession;

async function scheduledInvite(): Promise<{ consultId: string; link: string; secret: string }> {
  const result = await clinic.call<ScheduleConsultRequest, ScheduleConsultResult>('scheduleConsult', {
    patientLabel: 'José P.',
    scheduledFor: new Date(Date.now() + 30 * 60_000).toISOString().replace('Z', '+00:00'),
    durationMinutes: 30,
  });
  return { consultId: result.consultId, secret: result.secret, link: `${hostingOrigin()}/join/${result.consultId}#k=${result.secret}` };
}

/** A Chromium without the automatic "allow" for camera prompts; optionally without any camera. */
function launchWithout(options: { fakeDevices: boolean }): Promise<Browser> {
  const args = CHROMIUM_ARGS.filter(
    (a) => a !== '--use-fake-ui-for-media-stream' && (options.fakeDevices || a !== '--use-fake-device-for-media-stream'),
  );
  return chromium.launch({ executablePath: CHROMIUM_PATH, headless: true, args });
}

async function consentInPortuguese(page: Page, link: string) {
  await page.goto(link);
  await page.getByLabel('Li e aceito a teleconsulta nestes termos').check(LONG);
  await page.getByRole('button', { name: 'Aceitar e continuar' }).click();
  await page.locator('[data-screen="device-check"]').waitFor(LONG);
}

describe('the patient path off the happy road', () => {
  const browsers: Browser[] = [];
  beforeAll(async () => {
    const account = await createUser('clinician', 'clinician');
    clinic = clientSession();
    await signInWithPassword(clinic, account.email, account.password);
  });
  afterEach(async () => {
    await Promise.allSettled(browsers.splice(0).map((b) => b.close()));
  });
  afterAll(async () => {
    await clinic?.close();
  });

  it('a patient who opens the link with ?lang=en reads, accepts and checks devices in English', async () => {
    const { consultId, secret } = await scheduledInvite();
    const browser = await launchChromium();
    browsers.push(browser);
    const page = await browser.newPage({ viewport: { width: 360, height: 740 } });
    await page.goto(`${hostingOrigin()}/join/${consultId}?lang=en#k=${secret}`);
    await page.getByRole('heading', { name: 'Consent', exact: true }).waitFor(LONG);
    expect(await page.evaluate(() => document.documentElement.lang)).toBe('en');
    await page.getByRole('button', { name: 'Accept and continue' }).click();
    // Accepting without ticking the box explains what is missing instead of failing silently.
    await page.getByText('Tick “I have read and accept” to continue, or choose Decline.').waitFor(LONG);
    await page.getByLabel('I have read and accept the video consult on these terms').check();
    await page.getByLabel('I agree that the consult may be recorded (optional)').check();
    await page.getByRole('button', { name: 'Accept and continue' }).click();
    // The server accepted the hash of the English text the patient read.
    await page.getByRole('heading', { name: 'Camera and microphone check' }).waitFor(LONG);
    await page.getByRole('button', { name: 'Português' }).click();
    await page.getByRole('heading', { name: 'Teste de câmera e microfone' }).waitFor(LONG);
  });

  it('a patient whose browser refuses the camera is told how to allow it in Chrome, and can try again', async () => {
    const { link } = await scheduledInvite();
    const browser = await launchWithout({ fakeDevices: true });
    browsers.push(browser);
    const page = await browser.newPage({ viewport: { width: 360, height: 740 } });
    await consentInPortuguese(page, link);
    const alert = page.getByRole('alert');
    await alert.getByText('Para liberar no Chrome').waitFor(LONG);
    expect(await alert.textContent()).toMatch(/câmera|Câmera/);
    expect(await page.getByRole('button', { name: 'Tudo certo, continuar' }).isDisabled()).toBe(true);
    // Once the person allows it, "Try again" gets them through.
    await page.context().grantPermissions(['camera', 'microphone']);
    await page.getByRole('button', { name: 'Tentar de novo' }).click();
    await expect.poll(() => page.getByRole('button', { name: 'Tudo certo, continuar' }).isEnabled(), LONG).toBe(true);
  });

  it('a patient on a device without camera or microphone is told to connect one or use a phone', async () => {
    const { link } = await scheduledInvite();
    const browser = await launchWithout({ fakeDevices: false });
    browsers.push(browser);
    const context = await browser.newContext({ viewport: { width: 360, height: 740 }, permissions: ['camera', 'microphone'] });
    const page = await context.newPage();
    await consentInPortuguese(page, link);
    await page.getByRole('alert').getByText('Não encontramos câmera ou microfone neste aparelho').waitFor(LONG);
  });

  it('a patient whose camera is held by another app is told to close that app, and gets through with Try again', async () => {
    const { link } = await scheduledInvite();
    const browser = await launchChromium();
    browsers.push(browser);
    const page = await browser.newPage({ viewport: { width: 360, height: 740 } });
    // A camera held by another app cannot be arranged with fake devices: Chrome then rejects
    // getUserMedia with NotReadableError, which is what this page does until the app "closes".
    await page.addInitScript(() => {
      const real = navigator.mediaDevices.getUserMedia.bind(navigator.mediaDevices);
      (window as unknown as { cameraBusy: boolean }).cameraBusy = true;
      navigator.mediaDevices.getUserMedia = (constraints) =>
        (window as unknown as { cameraBusy: boolean }).cameraBusy
          ? Promise.reject(new DOMException('Could not start video source', 'NotReadableError'))
          : real(constraints);
    });
    await consentInPortuguese(page, link);
    await page.getByRole('alert').getByText('A câmera ou o microfone está em uso por outro aplicativo').waitFor(LONG);
    expect(await page.getByRole('button', { name: 'Tudo certo, continuar' }).isDisabled()).toBe(true);
    await page.evaluate(() => ((window as unknown as { cameraBusy: boolean }).cameraBusy = false));
    await page.getByRole('button', { name: 'Tentar de novo' }).click();
    await expect.poll(() => page.getByRole('button', { name: 'Tudo certo, continuar' }).isEnabled(), LONG).toBe(true);
  });

  it('a waiting patient who withdraws consent ends the consult and is told so', async () => {
    const { consultId, link } = await scheduledInvite();
    const browser = await launchChromium();
    browsers.push(browser);
    const page = await browser.newPage({ viewport: { width: 360, height: 740 } });
    page.on('dialog', (dialog) => void dialog.accept());
    await consentInPortuguese(page, link);
    const go = page.getByRole('button', { name: 'Tudo certo, continuar' });
    await expect.poll(() => go.isEnabled(), LONG).toBe(true);
    await go.click();
    await page.locator('[data-screen="waiting"]').waitFor(LONG);
    await page.getByRole('button', { name: 'Retirar meu consentimento' }).click();
    await page.locator('[data-screen="ended"]').getByText('Seu consentimento foi retirado e a consulta foi encerrada.').waitFor(LONG);
    const consult = (await adminDb().collection('consults').doc(consultId).get()).data()!;
    expect(consult['patientProgress']).toBe('withdrawn');
  });

  it('a link opened by a scanner or a preview binds nothing; once the patient accepts, another device is told the link is used, with what to do', async () => {
    const { consultId, link } = await scheduledInvite();
    const scanner = await launchChromium();
    const patient = await launchChromium();
    browsers.push(scanner, patient);
    // A scanner (or a chat app's preview) that runs the page: it reaches the consent and leaves.
    const preview = await scanner.newPage();
    await preview.goto(link);
    await preview.locator('[data-screen="consent"]').waitFor(LONG);
    await preview.getByRole('button', { name: 'Aceitar e continuar' }).waitFor(LONG);
    expect((await adminDb().collection('consults').doc(consultId).get()).get('patientUid')).toBeNull();
    await preview.close();

    const owner = await patient.newPage({ viewport: { width: 360, height: 740 } });
    await consentInPortuguese(owner, link);
    const consult = (await adminDb().collection('consults').doc(consultId).get()).data()!;
    expect(consult['patientUid']).toEqual(expect.any(String));
    expect(consult['patientProgress']).toBe('consented');

    const other = await scanner.newPage();
    await other.goto(link);
    await other.locator('[data-screen="invite-problem"]').waitFor(LONG);
    expect(await other.getByRole('alert').textContent()).toContain('Este link já foi usado em outro aparelho');
  });

  it('two patients sharing one phone get an identity each, and the first can still come back to her own consult', async () => {
    const mother = await scheduledInvite();
    const son = await scheduledInvite();
    const phone = await launchChromium();
    browsers.push(phone);
    // One browser profile, one tab after another, as on a family phone.
    const context = await phone.newContext({ viewport: { width: 360, height: 740 } });
    const first = await context.newPage();
    await consentInPortuguese(first, mother.link);
    await first.close();
    const second = await context.newPage();
    await consentInPortuguese(second, son.link);
    await second.close();
    const uidOf = async (consultId: string) => (await adminDb().collection('consults').doc(consultId).get()).get('patientUid') as string;
    const motherUid = await uidOf(mother.consultId);
    expect(motherUid).toEqual(expect.any(String));
    expect(await uidOf(son.consultId)).toEqual(expect.any(String));
    expect(await uidOf(son.consultId)).not.toBe(motherUid);

    // Back to the first link: her own identity, her consent in force, straight to the device check.
    const again = await context.newPage();
    await again.goto(mother.link);
    await again.locator('[data-screen="device-check"]').waitFor(LONG);
    expect(await uidOf(mother.consultId)).toBe(motherUid);
  });
});
