// A consult that survives what happens to people: a reload in the middle of the call (either
// side), and a functions service that does not answer for a few seconds at the moment of
// admission. The app's own screens, in two Chromium processes.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page, Route } from 'playwright-core';
import { launchChromium } from '../support/browser';
import { admitAndSee, endConsult, nextFirstFrame, openClinic, readyToAdmit, watched, type Clinic } from '../support/appConsult';
import { functionsOrigin } from '../support/emulators';

const LONG = { timeout: 60_000 };

/** The data-screen values a page showed, sampled every 10 ms from now on. */
async function recordScreens(page: Page): Promise<void> {
  await page.addInitScript(() => {
    const seen: string[] = [];
    (window as unknown as { __tcScreens: string[] }).__tcScreens = seen;
    setInterval(() => {
      for (const el of document.querySelectorAll('[data-screen]')) {
        const name = el.getAttribute('data-screen')!;
        if (seen.at(-1) !== name) seen.push(name);
      }
    }, 10);
  });
}

const screensOf = (page: Page) => page.evaluate(() => (window as unknown as { __tcScreens?: string[] }).__tcScreens ?? []);

describe('a consult that survives a reload and a service that does not answer', () => {
  let clinicianBrowser: Browser;
  let patientBrowser: Browser;
  let clinic: Clinic;
  beforeAll(async () => {
    [clinicianBrowser, patientBrowser] = await Promise.all([launchChromium(), launchChromium()]);
    clinic = await openClinic(clinicianBrowser);
  });
  afterAll(async () => {
    await clinic?.close();
    await Promise.allSettled([clinicianBrowser?.close(), patientBrowser?.close()]);
  });

  it('a patient who reloads mid-call goes straight back into it, and the clinician keeps the picture with a reconnecting notice', async () => {
    const ready = await readyToAdmit(clinic, patientBrowser);
    await admitAndSee(clinic, ready);
    const before = (await watched(clinic.page)).firstFrames.map((f) => f.stream);

    await recordScreens(ready.patient);
    await ready.patient.reload();
    // Frames both ways again, with no tap on the patient's side.
    await Promise.all([nextFirstFrame(ready.patient), nextFirstFrame(clinic.page, before)]);
    const screens = await screensOf(ready.patient);
    expect(screens).not.toContain('device-check');
    expect(screens.at(-1)).toBe('call');
    await ready.patient.locator('[data-call-state="connected"]').waitFor(LONG);

    // The clinician was told the patient is coming back, over the last picture, not "waiting for them to join".
    const seen = await watched(clinic.page);
    expect(seen.awaySeenAt).not.toBeNull();
    expect(seen.awayWithPicture).toBe(true);
    await clinic.page.getByTestId('remote-away').waitFor({ state: 'detached', ...LONG });
    // The picture kept meanwhile was a real frame (not the black of ended tracks), and it is hidden again.
    expect(seen.keptFrameLit).toBe(true);
    expect(await clinic.page.getByTestId('remote-video-kept').isHidden()).toBe(true);

    // A patient who leaves on purpose is not "coming back": the clinician sees them gone.
    await ready.patient.getByRole('button', { name: 'Sair da chamada' }).click();
    await clinic.page.getByText('Aguardando a outra pessoa entrar…').waitFor(LONG);
    expect(await clinic.page.getByTestId('remote-away').count()).toBe(0);
    // And their next visit (even a reload at once) starts with the device check again.
    await ready.patient.reload();
    await ready.patient.locator('[data-screen="device-check"]').waitFor(LONG);
    await clinic.page.getByRole('button', { name: 'Encerrar consulta' }).click();
    await clinic.page.locator('[data-screen="summary"]').waitFor(LONG);
    await ready.patientContext.close();
  });

  it('a clinician who reloads mid-call is back in it without a tap, and the patient sees the reconnecting notice', async () => {
    const ready = await readyToAdmit(clinic, patientBrowser);
    await admitAndSee(clinic, ready);
    const before = (await watched(ready.patient)).firstFrames.map((f) => f.stream);

    await clinic.page.reload();
    await Promise.all([nextFirstFrame(clinic.page), nextFirstFrame(ready.patient, before)]);
    const seen = await watched(ready.patient);
    expect(seen.awaySeenAt).not.toBeNull();
    expect(seen.awayWithPicture).toBe(true);
    await endConsult(clinic, ready);
  });

  it('admission goes through when the functions do not answer for a few seconds, saying it is trying again', async () => {
    const ready = await readyToAdmit(clinic, patientBrowser);
    // The admitting function refuses connections (as during a restart) from the click on for ~3 s.
    const refused: string[] = [];
    const refuse = (route: Route) => {
      refused.push(new URL(route.request().url()).pathname);
      return route.abort('connectionrefused');
    };
    const pattern = `${functionsOrigin()}/**/admitPatient`;
    await clinic.page.route(pattern, refuse);
    const reopen = setTimeout(() => void clinic.page.unroute(pattern, refuse), 3000);
    try {
      await clinic.page.getByRole('button', { name: 'Admitir paciente' }).click();
      await clinic.page.getByTestId('admit-retrying').waitFor(LONG);
      await Promise.all([nextFirstFrame(clinic.page), nextFirstFrame(ready.patient)]);
    } finally {
      clearTimeout(reopen);
      await clinic.page.unroute(pattern, refuse).catch(() => undefined);
    }
    expect(refused.length).toBeGreaterThanOrEqual(2);
    expect(await clinic.page.getByText('O serviço está indisponível no momento').count()).toBe(0);
    await endConsult(clinic, ready);
  });
});
