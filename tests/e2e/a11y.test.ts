import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { launchPeople, runJourney, type People, type ScreenName } from './journey.flow';
import { axeViolations } from '../support/axe';
import { outOfView } from '../support/inView';

const WIDTHS = [360, 1280] as const;

/** The windows people use: a laptop, a larger laptop, a phone. */
const WINDOWS = [
  { width: 1280, height: 800 },
  { width: 1366, height: 768 },
  { width: 360, height: 640 },
] as const;

/**
 * What must be on screen without scrolling, per screen; `wide`: checked on the laptop windows
 * only (the clinician's screens, which are not made for a phone).
 */
const IN_VIEW: Partial<Record<ScreenName, { selectors: string[]; wide?: boolean }>> = {
  'room-ready': { selectors: ['button:has-text("Admitir paciente")'], wide: true },
  'clinician-call': { selectors: ['[role="toolbar"] button', 'button:has-text("Encerrar consulta")', '[data-testid="call-clock"]'] },
  'clinician-chat': { selectors: ['[role="toolbar"] button', '#chat-input', 'button:has-text("Encerrar consulta")'], wide: true },
  'patient-device-check': { selectors: ['button:has-text("Tudo certo, continuar")'] },
  'patient-waiting': { selectors: ['[data-testid="waiting-when"]', 'button:has-text("Retirar meu consentimento")'] },
  'patient-call': { selectors: ['[role="toolbar"] button'] },
  'patient-chat': { selectors: ['[data-testid="remote-video"]', '#chat-input'] },
};

interface Finding {
  screen: ScreenName;
  width: number;
  id: string;
  impact: string | null;
  help: string;
  targets: string[];
}

const scan = (page: Page) => axeViolations(page);

describe('every screen is accessible and fits a phone and a laptop', () => {
  let people: People;
  beforeAll(async () => {
    people = await launchPeople();
  });
  afterAll(async () => {
    await people?.close();
  });

  it('no screen has a serious or critical axe violation at 360 px or 1280 px, each is photographed at both widths, and its controls are in view without scrolling', async () => {
    const dir = path.join(process.env.TC_RESULTS_DIR ?? 'test-results', 'screenshots');
    mkdirSync(dir, { recursive: true });
    const findings: Finding[] = [];
    const seen: ScreenName[] = [];

    await runJourney({
      people,
      // axe is injected as a script tag; the app's CSP (script-src 'self') would block it.
      contextOptions: { bypassCSP: true },
      onScreen: async (screen, page) => {
        seen.push(screen);
        const original = page.viewportSize()!;
        for (const width of WIDTHS) {
          await page.setViewportSize({ width, height: width === 360 ? 740 : 900 });
          await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
          for (const v of await scan(page)) findings.push({ screen, width, ...v });
          await page.screenshot({ path: path.join(dir, `${screen}-${width}.png`), fullPage: true });
          // Nothing may scroll sideways at phone width.
          if (width === 360) {
            const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
            if (overflow > 0) findings.push({ screen, width, id: 'horizontal-scroll', impact: 'serious', help: `page is ${overflow}px wider than the screen`, targets: [] });
          }
        }
        const inView = IN_VIEW[screen];
        for (const size of inView ? WINDOWS : []) {
          if (inView!.wide && size.width < 900) continue;
          await page.setViewportSize(size);
          await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
          for (const problem of await outOfView(page, inView!.selectors)) {
            findings.push({ screen, width: size.width, id: 'control-out-of-view', impact: 'serious', help: `${size.width}×${size.height}: ${problem}`, targets: [] });
          }
        }
        if (screen === 'patient-consent') {
          // On a phone the consent text is read in the page's own scroll, not in a box inside it.
          await page.setViewportSize({ width: 360, height: 640 });
          const nested = await page.locator('.consent-text').evaluate((el) => el.scrollHeight - el.clientHeight);
          if (nested > 1) findings.push({ screen, width: 360, id: 'nested-scroll', impact: 'serious', help: `the consent text scrolls inside its box (${nested}px hidden)`, targets: [] });
        }
        if (screen === 'patient-chat') {
          // The on-screen keyboard takes about half a phone's height: the video and the input stay visible.
          await page.setViewportSize({ width: 360, height: 360 });
          await page.locator('#chat-input').focus();
          for (const problem of await outOfView(page, ['[data-testid="remote-video"]', '#chat-input'])) {
            findings.push({ screen, width: 360, id: 'keyboard-hides', impact: 'serious', help: `360×360: ${problem}`, targets: [] });
          }
        }
        await page.setViewportSize(original);
      },
    });

    expect(seen.length).toBeGreaterThanOrEqual(16);
    const blocking = findings.filter((f) => f.impact === 'serious' || f.impact === 'critical');
    expect(blocking).toEqual([]);
  });
});
