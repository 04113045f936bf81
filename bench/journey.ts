// The consult as people feel it, through the app's own screens (tests/support/appConsult.ts):
// admit_to_video_ms from the clinician's click on "Admitir paciente" to the first remote frame
// on both sides (the first consult after the emulators start, cold functions, apart from the
// rest), and reload_to_video_ms, the patient reloading mid-call until frames flow both ways
// again. Each person in their own Chromium, the clinician at 1280×800, the patient at 360 px.
import type { Browser, Page } from 'playwright-core';
import { launchChromium } from '../tests/support/browser';
import { admitAndSee, endConsult, nextFirstFrame, openClinic, readyToAdmit, watched, type Clinic, type Watched } from '../tests/support/appConsult';
import { log, median, percentile, round, type Metrics } from './lib';

const CONSULTS = Number(process.env.TC_BENCH_JOURNEYS ?? 20);

/** Where one admission's time went: each screen and call state on both sides, from the click. */
function breakdown(clinician: Watched, patient: Watched): string {
  const t0 = clinician.admitClickAt ?? 0;
  const after = (w: Watched) => w.marks.filter((m) => m.at >= t0).map((m) => `${m.what}@${m.at - t0}`).join(' ');
  const frame = (w: Watched) => (w.firstFrames[0] ? w.firstFrames[0].at - t0 : NaN);
  return `clinician: ${after(clinician)} frame@${frame(clinician)} | patient: ${after(patient)} frame@${frame(patient)}`;
}

/** The engines' own steps on both sides (emulator builds keep them), from the admit click. */
async function traces(clinic: Clinic, patient: Page, from?: number): Promise<string> {
  const t0 = from ?? (await watched(clinic.page)).admitClickAt ?? 0;
  const read = (page: Page) => page.evaluate(() => (window as unknown as { tcCallTrace?: Array<{ at: number; event: string }> }).tcCallTrace ?? []);
  const lines: string[] = [];
  for (const [who, page] of [['clinician', clinic.page], ['patient', patient]] as const) {
    const steps = (await read(page)).filter((e) => e.event !== 'local-candidate' && e.at >= t0 - 100);
    lines.push(`    ${who}: ${steps.map(({ at, event, ...rest }) => `${event}@${at - t0}${Object.keys(rest).length ? JSON.stringify(rest) : ''}`).join(' ')}`);
  }
  return lines.join('\n');
}

interface Consult {
  index: number;
  admitMs: number;
  reloadMs: number;
  detail: string;
}

async function oneConsult(clinic: Clinic, patientBrowser: Browser): Promise<Consult> {
  const ready = await readyToAdmit(clinic, patientBrowser);
  const admitted = await admitAndSee(clinic, ready);
  let detail = breakdown(await watched(clinic.page), await watched(ready.patient));
  if (process.env.TC_BENCH_TRACE) detail += `\n${await traces(clinic, ready.patient)}`;
  // The patient reloads mid-call; the clinician's new picture must be a stream it had not shown.
  const before = (await watched(clinic.page)).firstFrames.map((f) => f.stream);
  const reloadAt = Date.now();
  await ready.patient.reload();
  const [patientAt, clinicianAt] = await Promise.all([nextFirstFrame(ready.patient), nextFirstFrame(clinic.page, before)]);
  const reloadMs = Math.max(patientAt, clinicianAt) - reloadAt;
  if (process.env.TC_BENCH_TRACE) {
    const marks = (await watched(ready.patient)).marks.map((m) => `${m.what}@${m.at - reloadAt}`).join(' ');
    detail += `\n    reload: patient ${marks} frame@${patientAt - reloadAt}; clinician frame@${clinicianAt - reloadAt}\n${await traces(clinic, ready.patient, reloadAt)}`;
  }
  await endConsult(clinic, ready);
  return { index: 0, admitMs: admitted.admitToVideoMs, reloadMs, detail };
}

export async function measureJourney(): Promise<Metrics> {
  const [clinicianBrowser, patientBrowser] = await Promise.all([launchChromium(), launchChromium()]);
  const clinic = await openClinic(clinicianBrowser);
  const consults: Consult[] = [];
  const failed: string[] = [];
  try {
    for (let i = 0; i <= CONSULTS; i++) {
      const c = await oneConsult(clinic, patientBrowser).catch((error: unknown) => {
        failed.push(`consult ${i}: ${error instanceof Error ? error.message.split('\n')[0] : String(error)}`);
        log(`  consult ${i} FAILED: ${failed.at(-1)}`);
        return null;
      });
      if (!c) continue;
      consults.push({ ...c, index: i });
      if (i === 0 || process.env.TC_BENCH_TRACE) log(`  consult ${i}: admit→video ${c.admitMs} ms, reload→video ${c.reloadMs} ms; ${c.detail}`);
      if (i > 0 && i % 5 === 0) log(`  ${i}/${CONSULTS} warm consults`);
    }
  } finally {
    await clinic.close();
    await Promise.allSettled([clinicianBrowser.close(), patientBrowser.close()]);
  }
  // The first consult after the emulators start is the cold one; if it failed there is none.
  const cold = consults.find((c) => c.index === 0) ?? { admitMs: Number.NaN };
  const warm = consults.filter((c) => c.index > 0);
  const admits = warm.map((c) => c.admitMs);
  const reloads = consults.map((c) => c.reloadMs);
  const slowest = [...warm].sort((a, b) => b.admitMs - a.admitMs)[0];
  log(`admit→video: cold ${cold.admitMs} ms; warm n=${admits.length} median ${median(admits)} p95 ${percentile(admits, 95)} (all: ${admits.join(' ')})`);
  log(`  the median consult: ${warm.find((c) => c.admitMs === median(admits))?.detail}`);
  if (slowest) log(`  the slowest: ${slowest.detail}`);
  log(`reload→video: n=${reloads.length} median ${median(reloads)} p95 ${percentile(reloads, 95)} (all: ${reloads.join(' ')})`);
  const how = 'click on "Admitir paciente" → first remote frame on both sides, the app\'s screens, each person in their own Chromium';
  return {
    admit_to_video_ms_cold: { value: cold.admitMs, unit: 'ms', target: 2000, better: 'lower', note: `the first consult after the emulators started (cold functions); ${how}` },
    admit_to_video_ms_p50: { value: round(median(admits)), unit: 'ms', target: 1000, better: 'lower', note: `warm, n=${admits.length}; ${how}` },
    admit_to_video_ms_p95: { value: round(percentile(admits, 95)), unit: 'ms', target: 2000, better: 'lower', note: 'same sample' },
    reload_to_video_ms_p50: { value: round(median(reloads)), unit: 'ms', target: 2000, better: 'lower', note: `n=${reloads.length}; the patient reloads mid-call → first new frame on both sides` },
    reload_to_video_ms_p95: { value: round(percentile(reloads, 95)), unit: 'ms', target: 4000, better: 'lower', note: 'same sample' },
    journeys_failed: { value: failed.length, unit: 'consults', target: 0, better: 'lower', note: failed.join('; ') || `of ${CONSULTS + 1}` },
  };
}
