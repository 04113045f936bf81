// patient_js_gzip_kb: the JavaScript a patient's browser downloads from opening the invite
// link until the consent screen can be used, each file gzipped at level 9 (what a CDN sends).
import { gzipSync } from 'node:zlib';
import { launchChromium } from '../tests/support/browser';
import { hostingOrigin } from '../tests/support/emulators';
import { clinicianSession, scheduleConsult } from './fixtures';
import { log, round, type Metrics } from './lib';

export async function measurePatientBundle(): Promise<Metrics> {
  const { session } = await clinicianSession();
  const { consultId, secret } = await scheduleConsult(session);
  const browser = await launchChromium();
  try {
    const page = await browser.newPage({ viewport: { width: 360, height: 740 } });
    const scripts = new Map<string, Promise<number>>();
    page.on('response', (response) => {
      if (response.request().resourceType() !== 'script') return;
      scripts.set(response.url(), response.body().then((body) => gzipSync(body, { level: 9 }).length).catch(() => 0));
    });
    await page.goto(`${hostingOrigin()}/join/${consultId}#k=${secret}`);
    await page.locator('[data-screen="consent"]').waitFor({ state: 'visible', timeout: 60_000 });
    const loadedBeforeConsent = [...scripts.entries()];
    const sizes = await Promise.all(loadedBeforeConsent.map(([, size]) => size));
    const totalKb = sizes.reduce((a, b) => a + b, 0) / 1024;
    log(`patient bundle before consent: ${loadedBeforeConsent.length} scripts, ${round(totalKb)} KB gzipped`);
    for (const [[url], size] of loadedBeforeConsent.map((e, i) => [e, sizes[i]!] as const)) {
      log(`  ${new URL(url).pathname}: ${round(size / 1024)} KB`);
    }
    return {
      patient_js_gzip_kb: {
        value: round(totalKb),
        unit: 'KB',
        target: 100,
        better: 'lower',
        note: `${loadedBeforeConsent.length} scripts until the consent screen shows, gzip -9`,
      },
    };
  } finally {
    await browser.close();
    await session.close();
  }
}
