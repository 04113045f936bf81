// Whether a screen's controls can be reached without scrolling.
import type { Page } from 'playwright-core';

/** Every matched element lies wholly inside the window, the page scrolled to its top. */
export async function outOfView(page: Page, selectors: string[]): Promise<string[]> {
  await page.evaluate(() => window.scrollTo(0, 0));
  const out: string[] = [];
  for (const selector of selectors) {
    const boxes = await page.locator(selector).evaluateAll((els) =>
      els.filter((el) => (el as HTMLElement).offsetParent !== null).map((el) => {
        const r = el.getBoundingClientRect();
        return { top: r.top, bottom: r.bottom, left: r.left, right: r.right, text: (el.textContent ?? '').trim().slice(0, 30) };
      }),
    );
    if (boxes.length === 0) out.push(`${selector}: not shown`);
    const { innerWidth: w, innerHeight: h } = await page.evaluate(() => ({ innerWidth, innerHeight }));
    for (const b of boxes) {
      if (b.top < 0 || b.left < 0 || b.bottom > h + 0.5 || b.right > w + 0.5) out.push(`${selector} "${b.text}" at ${Math.round(b.top)}–${Math.round(b.bottom)} of ${h}`);
    }
  }
  return out;
}
