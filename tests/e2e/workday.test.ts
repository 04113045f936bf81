// The clinician's workday and the patient's wait, in the app's own screens and two Chromium
// processes: the arrival alert (notifications allowed and not), a delay and a new time seen live
// by the waiting patient, and the in-call chat (both ways, announced, across an ICE restart).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { launchChromium } from '../support/browser';
import { admitAndSee, endConsult, openClinic, patientToWaiting, readyToAdmit, type Clinic } from '../support/appConsult';
import { hostingOrigin } from '../support/emulators';
import { axeViolations, blocking } from '../support/axe';

const LONG = { timeout: 60_000 };

/** Records every system notification the page makes (the real one is still made). */
const NOTIFICATION_SPY = () => {
  const Real = window.Notification;
  if (!Real) return;
  const shown: Array<{ title: string; body: string }> = [];
  (window as unknown as { tcNotes: typeof shown }).tcNotes = shown;
  const Spy = function (this: unknown, title: string, options?: NotificationOptions) {
    shown.push({ title, body: options?.body ?? '' });
    return new Real(title, options);
  } as unknown as typeof Notification;
  Object.defineProperty(Spy, 'permission', { get: () => Real.permission });
  (Spy as unknown as { requestPermission: typeof Notification.requestPermission }).requestPermission = Real.requestPermission.bind(Real);
  window.Notification = Spy;
};

const notesOf = (page: Page) => page.evaluate(() => (window as unknown as { tcNotes?: Array<{ title: string; body: string }> }).tcNotes ?? null);

async function spyOnNotifications(page: Page): Promise<void> {
  await page.addInitScript(NOTIFICATION_SPY);
  await page.reload();
  await page.getByRole('heading', { name: 'Consultas' }).waitFor(LONG);
}

/** The clinic's wall date and time of an instant, as the form takes them. */
function clinicWall(instant: Date): { date: string; time: string } {
  const parts = new Intl.DateTimeFormat('en-CA', { timeZone: 'America/Sao_Paulo', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).formatToParts(instant);
  const get = (type: string) => parts.find((p) => p.type === type)!.value;
  return { date: `${get('year')}-${get('month')}-${get('day')}`, time: `${get('hour')}:${get('minute')}` };
}

describe('the clinician’s workday and the patient’s wait', () => {
  let clinicianBrowser: Browser;
  let patientBrowser: Browser;
  let clinic: Clinic;
  beforeAll(async () => {
    [clinicianBrowser, patientBrowser] = await Promise.all([launchChromium(), launchChromium()]);
    clinic = await openClinic(clinicianBrowser, { permissions: ['notifications'], bypassCSP: true });
  });
  afterAll(async () => {
    await clinic?.close();
    await Promise.allSettled([clinicianBrowser?.close(), patientBrowser?.close()]);
  });

  it('announces an arrival once, wherever the clinician is: sound, tab title, an alert, a notification where allowed; not again on reload', async () => {
    await spyOnNotifications(clinic.page);
    const page = clinic.page;
    // Scheduled in the form at a minute that is no multiple of five: any minute is taken.
    const wall = clinicWall(new Date(Date.now() + 5 * 60_000));
    const oddMinute = `${wall.time.slice(0, 3)}${String((Number(wall.time.slice(3)) % 5 === 0 ? Number(wall.time.slice(3)) + 1 : Number(wall.time.slice(3))) % 60).padStart(2, '0')}`;
    await page.getByLabel('Paciente (nome ou referência)').fill('Bia R.');
    await page.getByLabel('Data').fill(wall.date);
    await page.getByLabel('Horário').fill(oddMinute);
    await page.getByRole('button', { name: 'Agendar', exact: true }).click();
    const link = await page.locator('#invite-link').inputValue(LONG);
    const consultId = new URL(link).pathname.split('/').at(-1)!;
    const listed = page.locator(`.consult[data-consult-id="${consultId}"]`);
    await listed.waitFor(LONG).catch(async (error: unknown) => {
      throw new Error(`${String(error)}\nThe page said:\n${await page.locator('main').innerText()}`);
    });
    expect(await listed.textContent()).toContain(oddMinute);
    const { patientContext } = await patientToWaiting(patientBrowser, link);

    const alert = page.locator(`.arrival[data-arrival="${consultId}"]`);
    await alert.waitFor(LONG);
    expect(await alert.getAttribute('role')).toBe('alert');
    await expect.poll(() => alert.textContent()).toContain('Bia R. chegou à sala de espera.');
    await expect.poll(() => page.title()).toMatch(/^\(1\) Paciente aguardando/);
    expect(await notesOf(page)).toEqual([{ title: 'Paciente aguardando', body: 'Bia R.' }]);
    // Today lists it, says how long the patient has waited, and marks it as the next one.
    const today = page.getByTestId('today').locator(`[data-today="${consultId}"]`);
    await today.getByTestId('waited').waitFor(LONG);
    expect(await today.getAttribute('aria-current')).toBe('true');
    // The dashboard with its alert is accessible at a phone's width and a laptop's.
    for (const width of [360, 1280]) {
      await page.setViewportSize({ width, height: 800 });
      expect(blocking(await axeViolations(page)), `axe at ${width} px`).toEqual([]);
    }
    await page.setViewportSize({ width: 1280, height: 800 });

    // A reload does not announce the same arrival again; the title still says someone waits.
    await page.reload();
    await today.getByTestId('waited').waitFor(LONG);
    await page.waitForTimeout(1500);
    expect(await page.locator('.arrival').count()).toBe(0);
    expect(await notesOf(page)).toEqual([]);
    await expect.poll(() => page.title()).toMatch(/^\(1\) Paciente aguardando/);

    // Another window of the same clinician, where notifications are not allowed: the page still says it, and explains.
    const other = await openClinic(clinicianBrowser, { account: clinic.account });
    try {
      await spyOnNotifications(other.page);
      await other.page.locator(`.arrival[data-arrival="${consultId}"]`).waitFor(LONG);
      await other.page.getByTestId('notify-denied').waitFor(LONG);
      expect(await notesOf(other.page)).toEqual([]);
    } finally {
      await other.close();
    }

    // In the consult's own room the alert stays, without a link to where the clinician already is.
    await page.goto(`${hostingOrigin()}/consults/${consultId}`);
    await page.getByRole('heading', { name: 'Sala de espera — Bia R.' }).waitFor(LONG);
    await patientContext.close();
  });

  it('shows a waiting patient the delay the clinician announces and the new time of a rescheduled consult, live', async () => {
    const ready = await readyToAdmit(clinic, patientBrowser);
    const late = ready.patient.getByTestId('waiting-late');
    await clinic.page.getByRole('button', { name: '10 min', exact: true }).click();
    await late.getByText('A profissional vai atrasar cerca de 10 minutos.').waitFor(LONG);
    await clinic.page.getByTestId('late-current').waitFor(LONG);

    await clinic.page.getByLabel('Ou escreva um aviso curto').fill('Em atendimento de urgência, já vou');
    await clinic.page.getByRole('button', { name: 'Enviar aviso' }).click();
    await late.getByText('Em atendimento de urgência, já vou').waitFor(LONG);
    await clinic.page.getByRole('button', { name: 'Retirar aviso' }).click();
    await expect.poll(() => late.textContent(), LONG).toBe('');

    const when = ready.patient.getByTestId('waiting-when');
    const before = await when.textContent();
    const moved = new Date(Date.now() + 3 * 60 * 60_000);
    const wall = clinicWall(moved);
    await clinic.page.getByRole('button', { name: 'Remarcar', exact: true }).click();
    await clinic.page.getByLabel('Data').last().fill(wall.date);
    await clinic.page.getByLabel('Horário').last().fill(wall.time);
    await clinic.page.getByRole('button', { name: 'Salvar novo horário' }).click();
    await clinic.page.getByTestId('rescheduled').waitFor(LONG);
    // The new time goes out the invite's ways, with no link in it (the same link keeps working).
    const whatsapp = await clinic.page.getByTestId('rescheduled').getByRole('link', { name: 'Enviar pelo WhatsApp' }).getAttribute('href');
    expect(decodeURIComponent(whatsapp!)).toContain(`remarcada`);
    expect(decodeURIComponent(whatsapp!)).toContain(wall.time);
    expect(whatsapp).not.toContain('%23k%3D');
    // The WhatsApp app by its own scheme, not wa.me's web server.
    expect(whatsapp).toMatch(/^whatsapp:\/\/send\?text=/);

    await when.getByText(/O horário mudou/).waitFor(LONG);
    expect(await when.textContent()).toContain(wall.time);
    expect(await when.textContent()).not.toBe(before);
    expect(await when.getAttribute('aria-live')).toBe('polite');
    await ready.patientContext.close();
  });

  it('carries chat both ways over the call, announced and counted, links as plain text, delivered across an ICE restart; mute shows on the other side', async () => {
    const ready = await readyToAdmit(clinic, patientBrowser);
    await admitAndSee(clinic, ready);
    const doctor = clinic.page;
    const patient = ready.patient;

    await doctor.getByRole('button', { name: 'Mensagens', exact: true }).click();
    const link = 'Veja https://exemplo.org/curativo <b>agora</b>';
    await doctor.getByLabel('Escreva uma mensagem').fill(link);
    await doctor.getByLabel('Escreva uma mensagem').press('Enter');
    await doctor.locator('.chat-line.mine[data-delivered="true"]').waitFor(LONG);

    // The patient's panel is closed: a badge counts it and a screen reader hears it.
    await patient.getByRole('button', { name: 'Mensagens, 1 novas' }).waitFor(LONG);
    await expect.poll(() => patient.getByTestId('chat-announcer').textContent(), LONG).toBe(`Nova mensagem: ${link}`);
    await patient.getByRole('button', { name: 'Mensagens, 1 novas' }).click();
    const received = patient.locator('.chat-line.theirs .chat-text');
    await expect.poll(() => received.textContent(), LONG).toBe(link);
    expect(await patient.locator('.chat-log a, .chat-log b').count()).toBe(0);
    // Read: nothing counted any more (on a phone the panel takes the toolbar's place meanwhile).
    await expect.poll(() => patient.getByTestId('chat-unread').count(), LONG).toBe(0);

    // A message sent the moment an ICE restart begins arrives after it.
    await patient.evaluate(() => (window as unknown as { tcCall: { restartIce(): void } }).tcCall.restartIce());
    await patient.getByLabel('Escreva uma mensagem').fill('Entendi, obrigado');
    await patient.getByRole('button', { name: 'Enviar' }).click();
    await doctor.locator('.chat-line.theirs', { hasText: 'Entendi, obrigado' }).waitFor(LONG);
    await patient.locator('.chat-line.mine[data-delivered="true"]').waitFor(LONG);
    expect(await patient.evaluate(() => (window as unknown as { tcCall: { iceRestarts: { get(): number } } }).tcCall.iceRestarts.get())).toBeGreaterThanOrEqual(1);
    await expect.poll(() => doctor.getByTestId('chat-announcer').textContent(), LONG).toBe('Nova mensagem: Entendi, obrigado');
    await doctor.locator('[data-call-state="connected"]').waitFor(LONG);

    // Too long is said, and nothing is sent.
    await patient.getByLabel('Escreva uma mensagem').evaluate((el) => el.removeAttribute('maxlength'));
    await patient.getByLabel('Escreva uma mensagem').fill('x'.repeat(1001));
    await patient.getByRole('button', { name: 'Enviar' }).click();
    await patient.getByText('Mensagem longa demais').waitFor(LONG);
    expect(await doctor.locator('.chat-line.theirs').count()).toBe(1);

    // Camera off on one side shows on the other.
    await doctor.getByRole('button', { name: 'Desligar câmera' }).click();
    await patient.getByTestId('remote-camera-off').waitFor(LONG);
    await doctor.getByRole('button', { name: 'Ligar câmera' }).click();
    await patient.getByTestId('remote-camera-off').waitFor({ state: 'detached', ...LONG });
    await endConsult(clinic, ready);
  });
});
