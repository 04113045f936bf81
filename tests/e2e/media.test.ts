// Wound photos and the recording in the app's own screens, two Chromium processes and real
// WebRTC. The patient's camera shows noise (a file the test writes), so a photo is as large and
// as incompressible as a real one. What the clinician's device saves is checked against the
// audit chain the way an auditor would, with `npm run audit:verify -- <id> --file`.
import { execFile } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import type { AuditEntry, ConsultDoc } from '../../functions/src/lib/model';
import type { SetRecordingRequest } from '../../functions/src/lib/api';
import { adminDb } from '../support/admin';
import { admitAndSee, endConsult, openClinic, readyToAdmit, type Clinic, type ReadyConsult } from '../support/appConsult';
import { axeViolations, blocking } from '../support/axe';
import { outOfView } from '../support/inView';
import { expectRefusal } from '../functions/consults.support';
import { launchChromium } from '../support/browser';

const LONG = { timeout: 60_000 };
const ROOT = path.resolve(new URL('.', import.meta.url).pathname, '../..');
const tmp = mkdtempSync(path.join(os.tmpdir(), 'tc-media-'));
const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

/** One 1280×720 frame of noise in Y4M, which Chromium's fake camera plays in a loop. */
function noiseCamera(): string {
  const [w, h] = [1280, 720];
  const file = path.join(tmp, 'noise.y4m');
  writeFileSync(file, Buffer.concat([Buffer.from(`YUV4MPEG2 W${w} H${h} F15:1 Ip A1:1 C420jpeg\nFRAME\n`), randomBytes((w * h * 3) / 2)]));
  return file;
}

async function chain(consultId: string): Promise<AuditEntry[]> {
  const snap = await adminDb().collection('audit').where('consultId', '==', consultId).get();
  return snap.docs.map((d) => d.data() as AuditEntry).sort((a, b) => a.seq - b.seq);
}

function verify(...args: string[]): Promise<{ code: number; out: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [path.join(ROOT, 'scripts/audit-verify.mjs'), ...args], { cwd: ROOT, env: process.env, timeout: 60_000 }, (error, stdout, stderr) => {
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, out: stdout + stderr });
    });
  });
}

/** What the clinician's device saved, read back from the download. */
async function download(page: Page, click: () => Promise<void>): Promise<{ name: string; bytes: Buffer; file: string }> {
  const [d] = await Promise.all([page.waitForEvent('download', LONG), click()]);
  const file = path.join(tmp, d.suggestedFilename());
  await d.saveAs(file);
  return { name: d.suggestedFilename(), bytes: readFileSync(file), file };
}

/** The patient's camera as the call sends it. */
const trackSize = (patient: Page) =>
  patient.evaluate(() => {
    const video = document.querySelector<HTMLVideoElement>('[data-testid="self-video"], [data-testid="capture-video"]');
    const s = (video?.srcObject as MediaStream | null)?.getVideoTracks()[0]?.getSettings();
    return { width: s?.width ?? 0, height: s?.height ?? 0 };
  });

/** JPEG segments before the image data: an APP1 segment (0xFFE1) would carry EXIF, GPS among it. */
function jpegMarkers(bytes: Buffer): number[] {
  const markers: number[] = [];
  let i = 2;
  while (i + 4 <= bytes.length && bytes[i] === 0xff) {
    const marker = bytes[i + 1]!;
    markers.push(marker);
    if (marker === 0xda) break;
    i += 2 + bytes.readUInt16BE(i + 2);
  }
  return markers;
}

describe('wound photos and the recording', () => {
  let clinicianBrowser: Browser;
  let patientBrowser: Browser;
  let clinic: Clinic;
  let ready: ReadyConsult;
  beforeAll(async () => {
    [clinicianBrowser, patientBrowser] = await Promise.all([launchChromium(), launchChromium([`--use-file-for-fake-video-capture=${noiseCamera()}`])]);
    clinic = await openClinic(clinicianBrowser, { bypassCSP: true });
  });
  afterAll(async () => {
    await clinic?.close();
    await Promise.allSettled([clinicianBrowser?.close(), patientBrowser?.close()]);
    rmSync(tmp, { recursive: true, force: true });
  });

  it('a photo asked for arrives at the camera\'s resolution or better, without metadata, with the hash the chain keeps; the saved file passes audit:verify and a changed byte does not', async () => {
    ready = await readyToAdmit(clinic, patientBrowser, { recording: true, bypassCSP: true });
    await admitAndSee(clinic, ready);
    const { page: doctor } = clinic;
    const patient = ready.patient;

    await doctor.getByRole('button', { name: 'Fotos' }).click();
    await doctor.getByLabel('Local da ferida (opcional)').fill('Calcâneo esquerdo');
    await doctor.getByRole('button', { name: 'Pedir foto' }).click();
    await doctor.getByTestId('photo-waiting').waitFor(LONG);

    // The patient's screen becomes the capture view by itself.
    await patient.getByRole('heading', { name: 'O profissional pediu uma foto: Calcâneo esquerdo' }).waitFor(LONG);
    await patient.getByTestId('capture-video').waitFor(LONG);
    expect(blocking(await axeViolations(patient))).toEqual([]);
    // Its buttons and the call's are reachable without scrolling, on a small phone and on laptops.
    for (const size of [{ width: 360, height: 640 }, { width: 1280, height: 800 }, { width: 1366, height: 768 }]) {
      await patient.setViewportSize(size);
      expect(await outOfView(patient, ['button:has-text("Tirar foto")', 'button:has-text("Recusar")', '[role="toolbar"] button']), `${size.width}×${size.height}`).toEqual([]);
    }
    await patient.setViewportSize({ width: 360, height: 740 });
    for (const size of [{ width: 1280, height: 800 }, { width: 1366, height: 768 }]) {
      await doctor.setViewportSize(size);
      expect(await outOfView(doctor, ['button:has-text("Pedir foto")', '#photo-site', '[role="toolbar"] button', 'button:has-text("Encerrar consulta")']), `${size.width}×${size.height}`).toEqual([]);
    }
    await doctor.setViewportSize({ width: 1280, height: 800 });
    const camera = await trackSize(patient);
    expect(camera.width).toBeGreaterThan(0);
    await patient.getByRole('button', { name: 'Tirar foto' }).click();
    await patient.locator('[data-step="review"]').waitFor(LONG);
    expect(blocking(await axeViolations(patient))).toEqual([]);
    await patient.getByRole('button', { name: 'Enviar foto' }).click();
    await patient.getByTestId('capture-sent').waitFor(LONG);

    const item = doctor.getByTestId('photo-item');
    await item.waitFor(LONG);
    await expect.poll(() => item.getByTestId('photo-audit').innerText(), LONG).toMatch(/Registrada no log de auditoria \(nº \d+\)/);
    const saved = await download(doctor, () => item.getByRole('button', { name: 'Salvar no aparelho' }).click());
    expect(saved.name).toMatch(new RegExp(`^consulta-${ready.consultId}-calcaneo-esquerdo-\\d{8}-\\d{6}\\.jpg$`));

    const entries = await chain(ready.consultId);
    const requested = entries.find((e) => e.action === 'photo.requested')!;
    const received = entries.find((e) => e.action === 'photo.received')!;
    expect(requested.context).toMatchObject({ site: 'Calcâneo esquerdo' });
    expect(received.context).toMatchObject({ photoId: requested.context['photoId'], site: 'Calcâneo esquerdo', requested: true, sha256: sha256(saved.bytes), bytes: saved.bytes.length });
    // At least what the camera was sending, in both dimensions.
    expect(Math.max(Number(received.context['width']), Number(received.context['height']))).toBeGreaterThanOrEqual(Math.max(camera.width, camera.height));
    expect(Math.min(Number(received.context['width']), Number(received.context['height']))).toBeGreaterThanOrEqual(Math.min(camera.width, camera.height));
    // Noise does not compress: this is a photo of real size, well within the bound.
    expect(saved.bytes.length).toBeGreaterThan(300_000);
    expect(saved.bytes.length).toBeLessThanOrEqual(4 * 1024 * 1024);
    expect(saved.bytes.subarray(0, 2).toString('hex')).toBe('ffd8');
    expect(jpegMarkers(saved.bytes)).not.toContain(0xe1);
    expect(saved.bytes.includes(Buffer.from('Exif'))).toBe(false);
    // Only the metadata reaches the server: the media document, never the bytes.
    const media = (await adminDb().doc(`consults/${ready.consultId}/media/${String(requested.context['photoId'])}`).get()).data();
    expect(media).toMatchObject({ kind: 'photo', sha256: sha256(saved.bytes), bytes: saved.bytes.length });
    expect(JSON.stringify(entries)).not.toContain(saved.bytes.subarray(1000, 1040).toString('base64'));

    // Full size, zoomed, and axe-clean with the viewer open.
    await item.getByRole('button', { name: /^Ver foto: Calcâneo esquerdo/ }).click();
    const viewer = doctor.getByTestId('photo-viewer');
    await viewer.waitFor(LONG);
    await viewer.getByRole('button', { name: 'Tamanho real' }).click();
    const shown = await doctor.getByTestId('viewer-image').evaluate((img: HTMLImageElement) => ({ natural: img.naturalWidth, drawn: img.getBoundingClientRect().width }));
    expect(shown.drawn).toBeGreaterThanOrEqual(shown.natural - 1);
    expect(blocking(await axeViolations(doctor))).toEqual([]);
    await viewer.getByRole('button', { name: 'Fechar' }).click();
    expect(blocking(await axeViolations(doctor))).toEqual([]);

    const ok = await verify(ready.consultId, '--file', saved.file);
    expect(ok.code, ok.out).toBe(0);
    const changed = Buffer.from(saved.bytes);
    changed[changed.length >> 1] = (changed[changed.length >> 1]! + 1) & 0xff;
    const changedFile = path.join(tmp, 'changed.jpg');
    writeFileSync(changedFile, changed);
    const bad = await verify(ready.consultId, '--file', changedFile);
    expect(bad.code, bad.out).toBe(1);

    await patient.getByRole('button', { name: 'Voltar à chamada' }).click();
    await patient.getByTestId('photo-capture').waitFor({ state: 'detached', ...LONG });
  });

  it('a declined ask transfers nothing and is on record; a photo the patient sends unprompted crosses an ICE restart whole', async () => {
    const { page: doctor } = clinic;
    const patient = ready.patient;
    await doctor.getByLabel('Local da ferida (opcional)').fill('Região sacral');
    await doctor.getByRole('button', { name: 'Pedir foto' }).click();
    await patient.getByRole('heading', { name: 'O profissional pediu uma foto: Região sacral' }).waitFor(LONG);
    await patient.getByRole('button', { name: 'Recusar' }).click();
    await doctor.getByTestId('photo-declined').waitFor(LONG);
    await expect.poll(async () => (await chain(ready.consultId)).filter((e) => e.action === 'photo.declined').map((e) => e.context['site']), LONG).toEqual(['Região sacral']);
    expect(await doctor.getByTestId('photo-item').count()).toBe(1);
    expect(await doctor.getByTestId('photo-incoming').count()).toBe(0);

    // The capture view on a laptop, and the gallery on a phone, are as usable as the other way round.
    await patient.setViewportSize({ width: 1280, height: 800 });
    await patient.getByTestId('photo-own').click();
    await patient.getByRole('heading', { name: 'Enviar uma foto da ferida' }).waitFor(LONG);
    await patient.getByTestId('capture-video').waitFor(LONG);
    expect(blocking(await axeViolations(patient))).toEqual([]);
    await patient.setViewportSize({ width: 360, height: 740 });
    await doctor.setViewportSize({ width: 360, height: 740 });
    await doctor.getByTestId('photo-gallery').waitFor(LONG);
    expect(blocking(await axeViolations(doctor))).toEqual([]);
    await doctor.setViewportSize({ width: 1280, height: 800 });
    await patient.getByRole('button', { name: 'Tirar foto' }).click();
    await patient.locator('[data-step="review"]').waitFor(LONG);
    const restartsBefore = await patient.evaluate(() => (window as unknown as { tcCall: { iceRestarts: { get(): number } } }).tcCall.iceRestarts.get());
    // The restart begins with the first chunks on the wire.
    await patient.evaluate(() => {
      const send = [...document.querySelectorAll('button')].find((b) => b.textContent === 'Enviar foto')!;
      send.click();
      (window as unknown as { tcCall: { restartIce(): void } }).tcCall.restartIce();
    });
    await patient.getByTestId('capture-sent').waitFor(LONG);
    expect(await patient.evaluate(() => (window as unknown as { tcCall: { iceRestarts: { get(): number } } }).tcCall.iceRestarts.get())).toBeGreaterThan(restartsBefore);
    const unprompted = doctor.getByTestId('photo-item').nth(1);
    await unprompted.waitFor(LONG);
    expect(await unprompted.innerText()).toContain('enviada pelo paciente');
    await expect.poll(() => unprompted.getByTestId('photo-audit').innerText(), LONG).toMatch(/nº \d+/);
    const saved = await download(doctor, () => unprompted.getByRole('button', { name: 'Salvar no aparelho' }).click());
    const received = (await chain(ready.consultId)).filter((e) => e.action === 'photo.received');
    expect(received).toHaveLength(2);
    expect(received[1]!.context).toMatchObject({ requested: false, site: null, sha256: sha256(saved.bytes) });
    await patient.getByRole('button', { name: 'Voltar à chamada' }).click();
    await doctor.locator('[data-call-state="connected"]').waitFor(LONG);
  });

  it('records with both consents: "Gravando" on the patient\'s screen from the server, the file saved on the clinician\'s device and its hash in the stop entry', async () => {
    const { page: doctor } = clinic;
    const patient = ready.patient;
    await doctor.getByTestId('recording-start').click();
    await patient.getByTestId('recording-indicator').waitFor(LONG);
    await doctor.getByTestId('recording-stop').waitFor(LONG);
    await doctor.waitForTimeout(2500);
    const saved = await download(doctor, () => doctor.getByTestId('recording-stop').click());
    expect(saved.name).toMatch(new RegExp(`^consulta-${ready.consultId}-gravacao-\\d{8}-\\d{6}\\.webm$`));
    await patient.getByTestId('recording-indicator').waitFor({ state: 'detached', ...LONG });
    await expect.poll(async () => (await chain(ready.consultId)).some((e) => e.action === 'recording.stopped'), LONG).toBe(true);
    const stopped = (await chain(ready.consultId)).find((e) => e.action === 'recording.stopped')!;
    expect(stopped.context).toMatchObject({ reason: 'clinician', sha256: sha256(saved.bytes), bytes: saved.bytes.length });
    expect(Number(stopped.context['durationMs'])).toBeGreaterThan(2000);
    // A WebM file (EBML header), with something in it.
    expect(saved.bytes.subarray(0, 4).toString('hex')).toBe('1a45dfa3');
    expect(saved.bytes.length).toBeGreaterThan(10_000);
    const ok = await verify(ready.consultId, '--file', saved.file);
    expect(ok.code, ok.out).toBe(0);
    expect(ok.out).toContain('recording.stopped');

    // Ending the consult while recording stops it at once: the file is saved and closed as "ended".
    await doctor.getByTestId('recording-start').click();
    await patient.getByTestId('recording-indicator').waitFor(LONG);
    await doctor.getByTestId('recording-stop').waitFor(LONG);
    await doctor.waitForTimeout(1500);
    const [last] = await Promise.all([doctor.waitForEvent('download', LONG), endConsult(clinic, ready)]);
    expect(last.suggestedFilename()).toMatch(/gravacao/);
    const lastBytes = readFileSync(await last.path());
    await expect.poll(async () => (await chain(ready.consultId)).filter((e) => e.action === 'recording.stopped').map((e) => e.context['reason']), LONG).toEqual(['clinician', 'ended']);
    const ended = (await chain(ready.consultId)).filter((e) => e.action === 'recording.stopped')[1]!;
    expect(ended.context).toMatchObject({ sha256: sha256(lastBytes), bytes: lastBytes.length });
    const consult = (await adminDb().doc(`consults/${ready.consultId}`).get()).data() as ConsultDoc;
    expect(consult.recording).toMatchObject({ on: false, closed: true });
    // The photos stay on the summary until the page closes, to be saved there.
    expect(await doctor.getByTestId('photo-item').count()).toBe(2);

    // The printable record lists what the chain holds of each, in order: two photos, two recordings.
    await doctor.getByRole('link', { name: 'Ver o registro para imprimir' }).first().click();
    const listed = doctor.getByTestId('record-media');
    await listed.waitFor(LONG);
    expect(await listed.locator('li').evaluateAll((items) => items.map((li) => li.getAttribute('data-kind')))).toEqual(['photo', 'photo', 'recording', 'recording']);
    const text = await listed.innerText();
    expect(text).toContain('Foto — Calcâneo esquerdo');
    expect(text).toContain('pedida pelo profissional');
    expect(text).toContain('enviada pelo paciente');
    expect(text).toContain('encerrada com a consulta');
    expect(text).toContain(stopped.context['sha256'] as string);
  });

  it('refuses to record without the patient\'s consent, in the room and at the callable', async () => {
    const second = await readyToAdmit(clinic, patientBrowser, { recording: false, clinicianRecording: true });
    await admitAndSee(clinic, second);
    const { page: doctor } = clinic;
    // aria-disabled, not disabled: still focusable and clickable, so the reason can be said when asked.
    expect(await doctor.getByTestId('recording-start').getAttribute('aria-disabled')).toBe('true');
    await doctor.getByTestId('recording-start').focus();
    await doctor.keyboard.press('Enter');
    await expect.poll(() => doctor.getByTestId('recording-block').innerText(), LONG).toBe('O paciente não autorizou a gravação no termo de consentimento.');
    expect(await doctor.getByTestId('recording-block').getAttribute('role')).toBe('alert');
    const request: SetRecordingRequest = { consultId: second.consultId, action: 'start', recordingId: 'rec-0123456789abcdef' };
    await expectRefusal(clinic.api.call('setRecording', request), 'failed-precondition', 'recording_not_consented');
    expect(await second.patient.getByTestId('recording-indicator').count()).toBe(0);
    expect((await chain(second.consultId)).some((e) => e.action === 'recording.started')).toBe(false);
    await endConsult(clinic, second);
  });
});
