// Debian's Firefox ESR driven over WebDriver BiDi by puppeteer-core (Playwright cannot drive a
// stock Firefox), with a fake camera and microphone from its preferences.
import puppeteer, { type Browser } from 'puppeteer-core';
import type { CallPeer } from '../../web/harness/driver';

export const FIREFOX_PATH = process.env.FIREFOX_PATH ?? '/usr/bin/firefox-esr';

/** One Firefox process (30–40 s to start on a loaded machine: launch once per suite). */
export function launchFirefox(): Promise<Browser> {
  return puppeteer.launch({
    browser: 'firefox',
    executablePath: FIREFOX_PATH,
    headless: true,
    protocolTimeout: 120_000,
    extraPrefsFirefox: {
      'media.navigator.streams.fake': true,
      'media.navigator.permission.disabled': true,
      // Host candidates as addresses, as Chromium's harness gives them (both peers are on this machine; no mDNS here).
      'media.peerconnection.ice.obfuscate_host_addresses': false,
      'media.peerconnection.ice.loopback': true,
      // Two peers in one machine: no background throttling of the page's timers.
      'dom.min_background_timeout_value': 0,
    },
  });
}

/** The harness page in a new tab of `browser`; closing the peer closes the tab. */
export async function openFirefoxPeer(browser: Browser, url: string): Promise<CallPeer> {
  const page = await browser.newPage();
  page.on('pageerror', (e) => console.error(`[firefox page] ${e instanceof Error ? e.message : String(e)}`));
  await page.goto(url);
  await page.waitForFunction(() => window.callHarness !== undefined, { timeout: 60_000 });
  await page.evaluate(() => window.callHarness.ready());
  return {
    page: { evaluate: <R>(fn: () => R | Promise<R>) => page.evaluate(fn) as Promise<R> },
    start: () => page.evaluate(() => window.callHarness.start()),
    info: () => page.evaluate(() => window.callHarness.info()),
    close: () => page.close(),
  };
}
