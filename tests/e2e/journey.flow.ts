// The whole consult as two people live it, in two Chromium processes. Shared by the journey
// test (which asserts the outcome) and the accessibility test (which scans every screen).
import { expect } from 'vitest';
import { gzipSync } from 'node:zlib';
import type { Browser, BrowserContext, Page, Response } from 'playwright-core';
import { launchChromium } from '../support/browser';
import { createUser } from '../support/admin';
import { hostingOrigin } from '../support/emulators';

export type ScreenName =
  | 'sign-in'
  | 'dashboard'
  | 'invite'
  | 'room-waiting'
  | 'patient-invalid-link'
  | 'patient-consent'
  | 'patient-declined'
  | 'patient-device-check'
  | 'patient-waiting'
  | 'room-ready'
  | 'clinician-call'
  | 'patient-call'
  | 'clinician-chat'
  | 'patient-chat'
  | 'clinician-summary'
  | 'patient-ended';

/** Called on every screen once it is settled; the a11y test scans and photographs here. */
export type OnScreen = (name: ScreenName, page: Page) => Promise<void>;

export interface Journey {
  consultId: string;
  inviteLink: string;
  clipboardLink: string;
  clinicianFrames: number;
  /** Gzipped JS the patient's browser fetched before the consent could be accepted. */
  patientJsGzipBytes: number;
  patientScripts: string[];
  patientFrames: number;
  clinician: Page;
  patient: Page;
}

export interface People {
  clinicianBrowser: Browser;
  patientBrowser: Browser;
  close(): Promise<void>;
}

export async function launchPeople(): Promise<People> {
  const [clinicianBrowser, patientBrowser] = await Promise.all([launchChromium(), launchChromium()]);
  return {
    clinicianBrowser,
    patientBrowser,
    close: async () => {
      await Promise.allSettled([clinicianBrowser.close(), patientBrowser.close()]);
    },
  };
}

const LONG = { timeout: 60_000 };

/** Waits until the page's <video data-testid=…> has decoded frames and keeps decoding. */
export async function framesDecoding(page: Page, testId: string): Promise<number> {
  const selector = `[data-testid="${testId}"]`;
  const count = () =>
    page.evaluate((sel) => {
      const video = document.querySelector<HTMLVideoElement>(sel);
      return video && video.videoWidth > 0 ? video.getVideoPlaybackQuality().totalVideoFrames : 0;
    }, selector);
  await page.waitForFunction(
    (sel) => {
      const video = document.querySelector<HTMLVideoElement>(sel);
      return !!video && video.videoWidth > 0 && video.getVideoPlaybackQuality().totalVideoFrames > 0;
    },
    selector,
    LONG,
  );
  const first = await count();
  await page.waitForFunction(
    ([sel, before]) => {
      const video = document.querySelector<HTMLVideoElement>(sel as string);
      return !!video && video.getVideoPlaybackQuality().totalVideoFrames > (before as number);
    },
    [selector, first] as const,
    LONG,
  );
  return count();
}

function watchConsole(page: Page, who: string, log: string[]) {
  page.on('pageerror', (err) => log.push(`${who} pageerror: ${err.message}`));
  page.on('console', (msg) => {
    if (msg.type() === 'error') log.push(`${who} console: ${msg.text()}`);
  });
}

export interface JourneyOptions {
  people: People;
  onScreen?: OnScreen;
  /** Extra context options (the a11y test bypasses CSP to inject axe). */
  contextOptions?: Parameters<Browser['newContext']>[0];
  log?: string[];
}

/** The rear camera is held by another app: the switch says so, and the front camera keeps sending. */
async function switchToBusyCamera(patient: Page, clinician: Page): Promise<void> {
  await patient.evaluate(() => {
    const real = navigator.mediaDevices.getUserMedia.bind(navigator.mediaDevices);
    navigator.mediaDevices.getUserMedia = (constraints) => {
      const video = constraints?.video;
      const facing = typeof video === 'object' ? (video.facingMode as ConstrainDOMStringParameters | undefined)?.ideal : undefined;
      return facing === 'environment' ? Promise.reject(new DOMException('Could not start video source', 'NotReadableError')) : real(constraints);
    };
  });
  await patient.getByRole('button', { name: 'Trocar câmera' }).click();
  await patient.getByRole('alert').getByText('Não foi possível trocar de câmera. A câmera ou o microfone está em uso por outro aplicativo').waitFor(LONG);
  expect(await patient.getByRole('button', { name: 'Trocar câmera' }).isEnabled()).toBe(true);
  await framesDecoding(clinician, 'remote-video');
}

/** The clinician signs in on a laptop, schedules a consult and copies its invite link. */
async function scheduleAsClinician(people: People, onScreen: OnScreen, contextOptions: JourneyOptions['contextOptions'], log: string[]) {
  const origin = hostingOrigin();
  const account = await createUser('clinician', 'clinician');
  // The clinician, on a laptop.
  const clinicianContext: BrowserContext = await people.clinicianBrowser.newContext({
    ...contextOptions,
    viewport: { width: 1280, height: 900 },
    permissions: ['clipboard-read', 'clipboard-write', 'camera', 'microphone'],
  });
  const clinician = await clinicianContext.newPage();
  watchConsole(clinician, 'clinician', log);
  clinician.on('dialog', (dialog) => void dialog.accept());
  await clinician.goto(`${origin}/`);
  await clinician.getByRole('heading', { name: 'Entrar' }).waitFor(LONG);
  await onScreen('sign-in', clinician);
  await clinician.getByLabel('E-mail').fill(account.email);
  await clinician.getByLabel('Senha').fill(account.password);
  await clinician.getByRole('button', { name: 'Entrar' }).click();
  await clinician.getByRole('heading', { name: 'Consultas' }).waitFor(LONG);
  await clinician.getByText('Nenhuma consulta agendada.').waitFor(LONG);
  await onScreen('dashboard', clinician);

  await clinician.getByLabel('Paciente (nome ou referência)').fill('Maria S.');
  await clinician.getByLabel('Duração').selectOption('20');
  await clinician.getByRole('button', { name: 'Agendar' }).click();
  const linkInput = clinician.getByRole('textbox', { name: 'Link do convite' });
  await linkInput.waitFor(LONG);
  const inviteLink = await linkInput.inputValue();
  await clinician.getByRole('button', { name: 'Copiar link' }).click();
  await clinician.getByText('Link copiado.').waitFor(LONG);
  const clipboardLink = await clinician.evaluate(() => navigator.clipboard.readText());
  const consultId = /\/join\/([A-Za-z0-9]{20})#k=/.exec(inviteLink)?.[1] ?? '';
  // The new consult appears in the live list.
  await clinician.locator(`[data-consult-id="${consultId}"]`).waitFor(LONG);
  await onScreen('invite', clinician);

  return { clinician, inviteLink, clipboardLink, consultId };
}

/** The patient opens the real link on a phone, counting the JavaScript it downloads before consent is possible. */
async function openInviteCountingScripts(people: People, phone: Parameters<Browser['newContext']>[0], inviteLink: string, log: string[]) {
  const origin = hostingOrigin();
  const patientContext = await people.patientBrowser.newContext(phone);
  const patient = await patientContext.newPage();
  watchConsole(patient, 'patient', log);
  patient.on('dialog', (dialog) => void dialog.accept());
  const scripts = new Map<string, Promise<number>>();
  const countScript = (response: Response) => {
    const url = response.url();
    if (url.startsWith(origin) && /\.m?js(\?|$)/.test(url) && !scripts.has(url)) {
      scripts.set(url, response.body().then((body) => gzipSync(body, { level: 9 }).length, () => 0));
    }
  };
  patient.on('response', countScript);
  await patient.goto(inviteLink);
  await patient.locator('[data-screen="consent"]').waitFor(LONG);
  await patient.getByRole('button', { name: 'Aceitar e continuar' }).waitFor(LONG);
  patient.off('response', countScript);
  const sizes = await Promise.all(scripts.values());
  const patientJsGzipBytes = sizes.reduce((a, b) => a + b, 0);
  const patientScripts = [...scripts.keys()].map((u) => new URL(u).pathname);
  return { patient, patientJsGzipBytes, patientScripts };
}

export async function runJourney({ people, onScreen = async () => undefined, contextOptions = {}, log = [] }: JourneyOptions): Promise<Journey> {
  const origin = hostingOrigin();

  const { clinician, inviteLink, clipboardLink, consultId } = await scheduleAsClinician(people, onScreen, contextOptions, log);

  await clinician.getByRole('link', { name: 'Abrir sala de Maria S.' }).first().click();
  await clinician.getByRole('heading', { name: 'Sala de espera — Maria S.' }).waitFor(LONG);
  await onScreen('room-waiting', clinician);

  // The patient, on a phone-sized screen. First a mangled link (its own fresh visit), then the real one.
  const phone = { ...contextOptions, viewport: { width: 360, height: 740 }, permissions: ['camera', 'microphone'] };
  const strangerContext = await people.patientBrowser.newContext(phone);
  const stranger = await strangerContext.newPage();
  watchConsole(stranger, 'patient (bad link)', log);
  await stranger.goto(`${origin}/join/${consultId}#k=not-the-right-key-at-all-000000000000000000`);
  await stranger.locator('[data-screen="invite-problem"]').waitFor(LONG);
  await onScreen('patient-invalid-link', stranger);
  await strangerContext.close();

  const { patient, patientJsGzipBytes, patientScripts } = await openInviteCountingScripts(people, phone, inviteLink, log);
  // The key leaves the address bar once read.
  expect(new URL(patient.url()).hash).toBe('');
  await onScreen('patient-consent', patient);

  await patient.getByRole('button', { name: 'Recusar' }).click();
  await patient.locator('[data-screen="declined"]').waitFor(LONG);
  await onScreen('patient-declined', patient);
  await patient.getByRole('button', { name: 'Ler o termo de novo' }).click();

  await patient.getByLabel('Li e aceito a teleconsulta nestes termos').check();
  await patient.getByRole('button', { name: 'Aceitar e continuar' }).click();
  await patient.locator('[data-screen="device-check"]').waitFor(LONG);
  const continueButton = patient.getByRole('button', { name: 'Tudo certo, continuar' });
  await expect.poll(() => continueButton.isEnabled(), LONG).toBe(true);
  await framesDecoding(patient, 'preview-video');
  await onScreen('patient-device-check', patient);

  await continueButton.click();
  await patient.locator('[data-screen="waiting"]').waitFor(LONG);
  await onScreen('patient-waiting', patient);

  // The clinician sees where the patient is, accepts the clinician terms and admits.
  await clinician.locator('[data-step="waiting"][data-done="true"]').waitFor(LONG);
  await onScreen('room-ready', clinician);
  // click, not check(): ticking records the terms and the box goes away, which check() can
  // mistake for a click that did not take.
  await clinician.getByLabel('Li e aceito o termo do profissional').click();
  const admittedAt = Date.now();
  await clinician.getByRole('button', { name: 'Admitir paciente' }).click();

  await clinician.locator('[data-call-state="connected"]').waitFor(LONG);
  await patient.locator('[data-call-state="connected"]').waitFor(LONG);
  const [clinicianFrames, patientFrames] = await Promise.all([
    framesDecoding(clinician, 'remote-video'),
    framesDecoding(patient, 'remote-video'),
  ]);
  console.log(`admit → video decoding on both sides: ${Date.now() - admittedAt} ms`);
  // The patient can mute and unmute, and sees how the connection is.
  // Muting shows on the other side, and so does turning it back on.
  await patient.getByRole('button', { name: 'Desligar microfone' }).click();
  await patient.locator('button[aria-pressed="true"]', { hasText: 'Ligar microfone' }).waitFor(LONG);
  await clinician.getByTestId('remote-muted').waitFor(LONG);
  await patient.getByRole('button', { name: 'Ligar microfone' }).click();
  await patient.getByRole('button', { name: 'Desligar microfone' }).waitFor(LONG);
  await clinician.getByTestId('remote-muted').waitFor({ state: 'detached', ...LONG });
  await patient.locator('[data-quality]').getByText(/Conexão: /).waitFor(LONG);
  await onScreen('clinician-call', clinician);
  await onScreen('patient-call', patient);

  await switchToBusyCamera(patient, clinician);

  // A written instruction during the call: sent, delivered, counted and read on the other side.
  await clinician.getByRole('button', { name: 'Mensagens', exact: true }).click();
  await clinician.getByLabel('Escreva uma mensagem').fill('Trocar o curativo a cada 12 h');
  await clinician.getByRole('button', { name: 'Enviar' }).click();
  await clinician.locator('.chat-line.mine[data-delivered="true"]').waitFor(LONG);
  await patient.getByRole('button', { name: 'Mensagens, 1 novas' }).waitFor(LONG);
  await onScreen('clinician-chat', clinician);
  await patient.getByRole('button', { name: 'Mensagens, 1 novas' }).click();
  await patient.locator('.chat-line.theirs', { hasText: 'Trocar o curativo a cada 12 h' }).waitFor(LONG);
  await onScreen('patient-chat', patient);
  await patient.getByRole('button', { name: 'Fechar' }).click();
  await clinician.getByRole('button', { name: 'Fechar' }).click();

  await clinician.getByRole('button', { name: 'Encerrar consulta' }).click();
  await clinician.locator('[data-screen="summary"]').waitFor(LONG);
  await clinician.getByRole('heading', { name: 'Consulta — Maria S.', level: 1 }).waitFor(LONG);
  await onScreen('clinician-summary', clinician);
  await patient.locator('[data-screen="ended"]').waitFor(LONG);
  await onScreen('patient-ended', patient);

  return { consultId, inviteLink, clipboardLink, clinicianFrames, patientFrames, patientJsGzipBytes, patientScripts, clinician, patient };
}
