// A consult driven through the app's own screens, clinician on a laptop and patient on a phone,
// each in their own Chromium. Shared by the resilience tests and the bench's journey figures,
// which read the moments recorded inside the pages (see FRAME_WATCH).
import type { Browser, BrowserContext, Page } from 'playwright-core';
import type { ScheduleConsultRequest, ScheduleConsultResult } from '../../functions/src/lib/api';
import { createUser } from './admin';
import { clientSession, hostingOrigin, signInWithPassword, type ClientSession } from './emulators';

const LONG = { timeout: 60_000 };

/** What the page saw, read by `watched()`; times are Date.now() of the page (one clock per machine). */
export interface Watched {
  /** The clinician's click on "Admitir paciente". */
  admitClickAt: number | null;
  /** First decoded frame of each remote stream the page showed, by stream id, in order. */
  firstFrames: Array<{ stream: string; at: number }>;
  /** When the "the other person's connection dropped" notice first showed, and whether a picture was still there. */
  awaySeenAt: number | null;
  awayWithPicture: boolean;
  /** While away, the kept picture (a canvas over the video) showed and was not black. */
  keptFrameLit: boolean;
  /** Each change of the shown screen and of the call's state, for where the time went. */
  marks: Array<{ what: string; at: number }>;
}

/**
 * Installed in every page before its scripts run: every 10 ms, the remote <video>'s stream and
 * decoded frame count, the admit click (capture phase), the away notice. Cheap, and the same
 * for our screens whichever way they are reached.
 */
const FRAME_WATCH = `(() => {
  const w = { admitClickAt: null, firstFrames: [], awaySeenAt: null, awayWithPicture: false, keptFrameLit: false, marks: [] };
  window.__tcWatched = w;
  let current = null, baseline = 0, counted = true, lastMark = '';
  document.addEventListener('click', (ev) => {
    const button = ev.target instanceof Element ? ev.target.closest('button') : null;
    if (button && /Admitir paciente/.test(button.textContent || '') && w.admitClickAt === null) w.admitClickAt = Date.now();
  }, true);
  setInterval(() => {
    const video = document.querySelector('[data-testid="remote-video"]');
    const stream = video && video.srcObject;
    if (stream && stream !== current) {
      current = stream;
      baseline = video.getVideoPlaybackQuality().totalVideoFrames;
      counted = false;
    }
    if (stream && !counted && video.videoWidth > 0 && video.getVideoPlaybackQuality().totalVideoFrames > baseline) {
      counted = true;
      w.firstFrames.push({ stream: stream.id, at: Date.now() });
    }
    const screen = document.querySelector('[data-screen]');
    const callState = document.querySelector('[data-call-state]');
    const mark = (screen ? screen.getAttribute('data-screen') : '-') + (callState ? ':' + callState.getAttribute('data-call-state') : '');
    if (mark !== lastMark) {
      lastMark = mark;
      w.marks.push({ what: mark, at: Date.now() });
    }
    const kept = document.querySelector('[data-testid="remote-video-kept"]');
    if (!w.keptFrameLit && kept && !kept.hidden && kept.width > 0) {
      const px = kept.getContext('2d').getImageData(0, 0, kept.width, kept.height).data;
      for (let i = 0; i < px.length; i += 4 * 97) if (px[i] + px[i + 1] + px[i + 2] > 60) { w.keptFrameLit = true; break; }
    }
    if (w.awaySeenAt === null && document.querySelector('[data-testid="remote-away"]')) {
      w.awaySeenAt = Date.now();
      w.awayWithPicture = !!video && video.videoWidth > 0;
    }
  }, 10);
})();`;

export function watched(page: Page): Promise<Watched> {
  return page.evaluate(() => (window as unknown as { __tcWatched: Watched }).__tcWatched);
}

/** Waits for a first frame of a stream not in `seen` (the ids shown before); returns its time. */
export async function nextFirstFrame(page: Page, seen: string[] = []): Promise<number> {
  const handle = await page.waitForFunction(
    (before) => {
      const w = (window as unknown as { __tcWatched?: Watched }).__tcWatched;
      return w?.firstFrames.find((f) => !before.includes(f.stream))?.at ?? null;
    },
    seen,
    LONG,
  );
  return (await handle.jsonValue()) as number;
}

export interface Clinic {
  account: { email: string; password: string; uid: string };
  api: ClientSession;
  context: BrowserContext;
  page: Page;
  close(): Promise<void>;
}

/**
 * A clinician signed in on a laptop-sized window, and the same account for scheduling.
 * `account`: sign in as this one (another window of the same clinician); `permissions`: besides
 * camera and microphone (notifications, say).
 */
export async function openClinic(browser: Browser, opts: { account?: Clinic['account']; permissions?: string[]; bypassCSP?: boolean } = {}): Promise<Clinic> {
  const account = opts.account ?? (await createUser('clinician', 'clinician'));
  const api = clientSession();
  await signInWithPassword(api, account.email, account.password);
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, permissions: ['camera', 'microphone', ...(opts.permissions ?? [])], bypassCSP: opts.bypassCSP ?? false });
  await context.addInitScript(FRAME_WATCH);
  const page = await context.newPage();
  page.on('dialog', (dialog) => void dialog.accept());
  await page.goto(`${hostingOrigin()}/`);
  await page.getByLabel('E-mail').fill(account.email, LONG);
  await page.getByLabel('Senha').fill(account.password);
  await page.getByRole('button', { name: 'Entrar' }).click();
  await page.getByRole('heading', { name: 'Consultas' }).waitFor(LONG);
  return {
    account,
    api,
    context,
    page,
    async close() {
      await Promise.allSettled([context.close(), api.close()]);
    },
  };
}

export interface ReadyConsult {
  consultId: string;
  link: string;
  patient: Page;
  patientContext: BrowserContext;
}

/**
 * A consult scheduled now; the clinician in its room, the patient through consent and the device
 * check into the waiting room, the clinician's terms ticked: the next click admits.
 */
export async function readyToAdmit(clinic: Clinic, patientBrowser: Browser, opts: { recording?: boolean; clinicianRecording?: boolean; bypassCSP?: boolean; initScript?: string } = {}): Promise<ReadyConsult> {
  const { consultId, secret } = await clinic.api.call<ScheduleConsultRequest, ScheduleConsultResult>('scheduleConsult', {
    patientLabel: 'Ana T.',
    scheduledFor: new Date(Date.now() + 60_000).toISOString(),
    durationMinutes: 30,
  });
  const link = `${hostingOrigin()}/join/${consultId}#k=${secret}`;
  await clinic.page.goto(`${hostingOrigin()}/consults/${consultId}`);
  await clinic.page.getByRole('heading', { name: /Ana T\./ }).waitFor(LONG);
  const { patient, patientContext } = await patientToWaiting(patientBrowser, link, opts);

  await clinic.page.locator('[data-step="waiting"][data-done="true"]').waitFor(LONG);
  // Ticking the clinician's terms records them at once (as a person ticks, then reaches for the button).
  const terms = clinic.page.getByLabel('Li e aceito o termo do profissional');
  if (await terms.isVisible()) {
    if (opts.clinicianRecording ?? opts.recording) await clinic.page.getByLabel('Aceito que esta consulta seja gravada').check();
    // click, not check(): the box goes away once the terms are recorded, which check() can
    // mistake for a click that did not take.
    await terms.click();
    await terms.waitFor({ state: 'detached', ...LONG });
  }
  return { consultId, link, patient, patientContext };
}

/** A patient on a phone-sized window opens the link, consents (to recording too, if `recording`), checks the devices and waits. */
export async function patientToWaiting(patientBrowser: Browser, link: string, opts: { recording?: boolean; bypassCSP?: boolean; initScript?: string } = {}): Promise<{ patient: Page; patientContext: BrowserContext }> {
  const patientContext = await patientBrowser.newContext({ viewport: { width: 360, height: 740 }, permissions: ['camera', 'microphone'], bypassCSP: opts.bypassCSP ?? false });
  await patientContext.addInitScript(FRAME_WATCH);
  // A script of the caller's, run before the app's (the bench's peer-connection watch).
  if (opts.initScript) await patientContext.addInitScript(opts.initScript);
  const patient = await patientContext.newPage();
  patient.on('dialog', (dialog) => void dialog.accept());
  await patient.goto(link);
  if (opts.recording) await patient.getByLabel('Aceito que a consulta seja gravada (opcional)').check(LONG);
  await patient.getByLabel('Li e aceito a teleconsulta nestes termos').check(LONG);
  await patient.getByRole('button', { name: 'Aceitar e continuar' }).click();
  const continueButton = patient.getByRole('button', { name: 'Tudo certo, continuar' });
  await continueButton.waitFor(LONG);
  await patient.waitForFunction(() => {
    const b = [...document.querySelectorAll('button')].find((x) => x.textContent?.includes('Tudo certo, continuar'));
    return !!b && !b.disabled;
  }, undefined, LONG);
  await continueButton.click();
  await patient.locator('[data-screen="waiting"]').waitFor(LONG);
  return { patient, patientContext };
}

/** Admits and waits for frames on both sides; returns the click-to-video time (the later side). */
export async function admitAndSee(clinic: Clinic, ready: ReadyConsult): Promise<{ admitToVideoMs: number; clinicianMs: number; patientMs: number }> {
  await clinic.page.getByRole('button', { name: 'Admitir paciente' }).click();
  const [clinicianAt, patientAt] = await Promise.all([nextFirstFrame(clinic.page), nextFirstFrame(ready.patient)]);
  const clickAt = (await watched(clinic.page)).admitClickAt;
  if (clickAt === null) throw new Error('the admit click was not seen by the page');
  return { admitToVideoMs: Math.max(clinicianAt, patientAt) - clickAt, clinicianMs: clinicianAt - clickAt, patientMs: patientAt - clickAt };
}

/** The clinician ends the consult (the summary shows) and the patient's page says it ended. */
export async function endConsult(clinic: Clinic, ready: ReadyConsult): Promise<void> {
  await clinic.page.getByRole('button', { name: 'Encerrar consulta' }).click();
  await clinic.page.locator('[data-screen="summary"]').waitFor(LONG);
  await ready.patient.locator('[data-screen="ended"]').waitFor(LONG);
  await ready.patientContext.close();
}
