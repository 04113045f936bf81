import { mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { launchPeople, runJourney, type People, type ScreenName } from './journey.flow';

const require = createRequire(import.meta.url);
const AXE = require.resolve('axe-core/axe.min.js');
const WIDTHS = [360, 1280] as const;

interface Finding {
  screen: ScreenName;
  width: number;
  id: string;
  impact: string | null;
  help: string;
  targets: string[];
}

async function scan(page: Page): Promise<Array<Omit<Finding, 'screen' | 'width'>>> {
  if (!(await page.evaluate(() => 'axe' in window))) await page.addScriptTag({ path: AXE });
  return page.evaluate(async () => {
    const axe = (window as unknown as { axe: { run(ctx: Document, opts: object): Promise<{ violations: Array<{ id: string; impact: string | null; help: string; nodes: Array<{ target: unknown[] }> }> }> } }).axe;
    const result = await axe.run(document, { resultTypes: ['violations'] });
    return result.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, targets: v.nodes.slice(0, 5).map((n) => n.target.join(' ')) }));
  });
}

describe('every screen is accessible and fits a phone and a laptop', () => {
  let people: People;
  beforeAll(async () => {
    people = await launchPeople();
  });
  afterAll(async () => {
    await people?.close();
  });

  it('no screen has a serious or critical axe violation at 360 px or 1280 px, and each is photographed at both widths', async () => {
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
        await page.setViewportSize(original);
      },
    });

    expect(seen.length).toBeGreaterThanOrEqual(14);
    const blocking = findings.filter((f) => f.impact === 'serious' || f.impact === 'critical');
    expect(blocking).toEqual([]);
  });
});
