import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { launchChromium } from '../support/browser';
import { authHost, firestoreHost, functionsOrigin, hostingOrigin } from '../support/emulators';

describe('the app served by Hosting', () => {
  let browser: Browser;
  beforeAll(async () => { browser = await launchChromium(); });
  afterAll(async () => { await browser?.close(); });

  it('answers every route with the app and the security headers', async () => {
    const page = await browser.newPage();
    const response = await page.goto(`${hostingOrigin()}/join/some-consult`);
    expect(response?.status()).toBe(200);
    const headers = response!.headers();
    expect(headers['content-security-policy']).toContain("frame-ancestors 'none'");
    expect(headers['permissions-policy']).toContain('camera=(self)');
    expect(headers['permissions-policy']).toContain('microphone=(self)');
    expect(headers['strict-transport-security']).toContain('max-age=');
    expect(headers['referrer-policy']).toBe('no-referrer');
    await expect(page.locator('#app')).toBeDefined();
    expect(await page.title()).toBe('Teleconsulta');
    // The page's own policy, written by the build for these emulators: their addresses, no wildcard.
    const policy = await page.locator('meta[http-equiv="Content-Security-Policy"]').getAttribute('content');
    for (const origin of [`http://${authHost()}`, `http://${firestoreHost()}`, functionsOrigin()]) expect(policy).toContain(origin);
    expect(policy).toContain("default-src 'self'");
    expect(policy).not.toContain('*');
  });
});
