// The call engine's test page (web/harness) opened in browsers the bench keeps across calls:
// each peer in its own Chromium process, a fresh page and consult per call.
import { spawnSync } from 'node:child_process';
import { createReadStream, existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import type { HarnessInfo } from '../web/harness/call';
import { arrangeCall, harnessUrl, type ArrangedCall } from '../web/harness/driver';
import { log } from './lib';

const WEB = path.resolve(import.meta.dirname, '../web');
const TYPES: Record<string, string> = { '.html': 'text/html', '.js': 'text/javascript', '.css': 'text/css' };

/**
 * The harness built into a folder of the bench's own and served on 127.0.0.1: the shared
 * web/dist-harness is emptied and rebuilt by every test run, which would pull pages away mid-bench.
 */
export async function serveOwnHarness(): Promise<{ origin: string; close: () => Promise<void> }> {
  const dir = buildOwnHarness();
  const server = createServer((req, res) => {
    const file = path.join(dir, path.normalize(new URL(req.url ?? '/', 'http://x').pathname));
    if (!file.startsWith(dir) || !existsSync(file) || !statSync(file).isFile()) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'content-type': TYPES[path.extname(file)] ?? 'application/octet-stream' });
    createReadStream(file).pipe(res);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    close: () => new Promise((r) => server.close(() => r())),
  };
}

let ownBuild: string | null = null;
function buildOwnHarness(): string {
  if (ownBuild) return ownBuild;
  const dir = mkdtempSync(path.join(tmpdir(), 'bench-harness-'));
  process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
  const vite = path.resolve(WEB, '../node_modules/vite/bin/vite.js');
  const build = spawnSync(process.execPath, [vite, 'build', '-c', path.join(WEB, 'vite.harness.config.ts'), '--outDir', dir, '--emptyOutDir'], {
    cwd: WEB,
    encoding: 'utf8',
  });
  if (build.status !== 0) throw new Error(`harness build failed:\n${build.stdout}\n${build.stderr}`);
  ownBuild = dir;
  return dir;
}

export interface HarnessPage {
  page: Page;
  start(): Promise<void>;
  leave(): Promise<void>;
  info(): Promise<HarnessInfo>;
  close(): Promise<void>;
}

export async function openHarnessPage(browser: Browser, url: string): Promise<HarnessPage> {
  const page = await browser.newPage();
  try {
    await page.goto(url);
    await page.waitForFunction(() => window.callHarness !== undefined);
    await page.evaluate(() => window.callHarness.ready());
  } catch (error) {
    await page.close().catch(() => {});
    throw error;
  }
  return {
    page,
    start: () => page.evaluate(() => window.callHarness.start()),
    leave: () => page.evaluate(() => window.callHarness.leave()),
    info: () => page.evaluate(() => window.callHarness.info()),
    close: () => page.close().catch(() => {}),
  };
}

export interface HarnessCall {
  call: ArrangedCall;
  clinician: HarnessPage;
  patient: HarnessPage;
  close(): Promise<void>;
}

/** A fresh admitted consult with the clinician's page in `browsers[0]` and the patient's in `browsers[1]`. */
export async function openCall(
  origin: string,
  browsers: [Browser, Browser],
  extra: (uid: string) => Record<string, string> = () => ({}),
  page = 'call.html',
): Promise<HarnessCall> {
  // Arranging a call is not what is measured: on a loaded machine a sign-in may time out, so try again.
  for (let attempt = 1; ; attempt++) {
    const call = await arrangeCall();
    const pages = await Promise.allSettled([
      openHarnessPage(browsers[0], harnessUrl(origin, call, call.clinician, extra(call.clinician.uid), page)),
      openHarnessPage(browsers[1], harnessUrl(origin, call, call.patient, extra(call.patient.uid), page)),
    ]);
    const [clinician, patient] = pages.map((p) => (p.status === 'fulfilled' ? p.value : null));
    if (clinician && patient) {
      return { call, clinician, patient, close: async () => void (await Promise.all([clinician.close(), patient.close()])) };
    }
    await Promise.all([clinician?.close(), patient?.close()]);
    const failure = pages.find((p) => p.status === 'rejected')!.reason as unknown;
    if (attempt === 3) throw failure;
    log(`  opening the call's pages failed (${failure instanceof Error ? failure.message.split('\n')[0] : String(failure)}); again`);
  }
}

/** Polls `read` until `ok`, or returns null after `ms`. */
export async function within<T>(ms: number, read: () => Promise<T>, ok: (v: T) => boolean, everyMs = 50): Promise<T | null> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await read();
    if (ok(v)) return v;
    if (Date.now() > deadline) return null;
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
