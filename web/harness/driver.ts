// Node side of the call harness: builds the page, serves it, arranges an admitted consult with
// both consents through the admin SDK, and opens each participant in its own Chromium process.
// Used by tests/e2e/call-*.test.ts and by the bench.
import { spawnSync } from 'node:child_process';
import { createReadStream, existsSync, statSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { randomUUID } from 'node:crypto';
import { getAuth } from 'firebase-admin/auth';
import { FieldValue, Timestamp } from 'firebase-admin/firestore';
import type { Browser, Page } from 'playwright-core';
import { TEST_PROFESSIONAL, adminApp, adminDb } from '../../tests/support/admin';
import { launchChromium } from '../../tests/support/browser';
import { PROJECT_ID, authHost, firestoreHost } from '../../tests/support/emulators';
import { turnRestCredential } from '../../functions/src/turn/coturn';
import type { HarnessInfo } from './call';

const WEB = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const DIST = path.join(WEB, 'dist-harness');
const ROOT = path.resolve(WEB, '..');

let built = false;
/** Builds web/harness into web/dist-harness (once per process). */
export function buildHarness(): string {
  if (built) return DIST;
  const vite = path.join(ROOT, 'node_modules/vite/bin/vite.js');
  const result = spawnSync(process.execPath, [vite, 'build', '-c', path.join(WEB, 'vite.harness.config.ts')], {
    cwd: WEB,
    encoding: 'utf8',
  });
  if (result.status !== 0) throw new Error(`harness build failed:\n${result.stdout}\n${result.stderr}`);
  built = true;
  return DIST;
}

const TYPES: Record<string, string> = { '.html': 'text/html', '.js': 'text/javascript', '.css': 'text/css', '.map': 'application/json' };

/** A static server for the built harness on 127.0.0.1 (a secure context for getUserMedia). */
export async function serveHarness(): Promise<{ origin: string; close: () => Promise<void> }> {
  const dir = buildHarness();
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const file = path.join(dir, path.normalize(url.pathname).replace(/^([/\\])+/, ''));
    if (!file.startsWith(dir) || !existsSync(file) || !statSync(file).isFile()) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'content-type': TYPES[path.extname(file)] ?? 'application/octet-stream', 'cache-control': 'no-store' });
    createReadStream(file).pipe(res);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return { origin: `http://127.0.0.1:${port}`, close: () => new Promise((r) => server.close(() => r())) };
}

export interface Participant {
  uid: string;
  token: string;
  role: 'clinician' | 'patient';
}
export interface ArrangedCall {
  consultId: string;
  clinician: Participant;
  patient: Participant;
}

/** An admitted consult with both consents recorded, as the callables would leave it. */
export async function arrangeCall(): Promise<ArrangedCall> {
  const auth = getAuth(adminApp());
  const db = adminDb();
  const consultId = `c${randomUUID().replaceAll('-', '').slice(0, 19)}`;
  const clinicianUid = `clin-${randomUUID().slice(0, 12)}`;
  const patientUid = `pat-${randomUUID().slice(0, 12)}`;
  const now = Timestamp.now();
  await db.doc(`consults/${consultId}`).set({
    clinicianUid,
    patientUid,
    patientLabel: 'Harness patient',
    scheduledFor: now,
    durationMinutes: 30,
    status: 'admitted',
    patientProgress: 'consented',
    createdAt: now,
    updatedAt: now,
    admittedAt: now,
    endedAt: null,
    endReason: null,
    auditHead: { seq: 0, hash: '' },
  });
  for (const [uid, kind] of [[clinicianUid, 'clinician'], [patientUid, 'patient']] as const) {
    await db.doc(`consults/${consultId}/consents/${uid}`).set({
      uid,
      kind,
      textVersion: 'harness',
      locale: 'pt-BR',
      textHash: '0'.repeat(64),
      recording: false,
      userAgent: 'harness',
      acceptedAt: FieldValue.serverTimestamp(),
    });
  }
  return {
    consultId,
    clinician: { uid: clinicianUid, role: 'clinician', token: await auth.createCustomToken(clinicianUid, { role: 'clinician', pro: TEST_PROFESSIONAL }) },
    patient: { uid: patientUid, role: 'patient', token: await auth.createCustomToken(patientUid) },
  };
}

/** `page`: call.html (the app's call model) or classic.html (the bench's baseline). */
export function harnessUrl(origin: string, call: ArrangedCall, who: Participant, extra: Record<string, string> = {}, page = 'call.html'): string {
  const other = who.role === 'clinician' ? call.patient : call.clinician;
  const q = new URLSearchParams({
    project: PROJECT_ID,
    auth: authHost(),
    firestore: firestoreHost(),
    consult: call.consultId,
    role: who.role,
    token: who.token,
    remote: other.uid,
    ...extra,
  });
  return `${origin}/${page}?${q}`;
}

/** What a test needs of a participant's page, whichever browser engine drives it. */
export interface PeerPage {
  evaluate<R>(fn: () => R | Promise<R>): Promise<R>;
}
/** One participant of a harness call: Chromium through Playwright, or Firefox through WebDriver BiDi. */
export interface CallPeer {
  page: PeerPage;
  start(): Promise<void>;
  info(): Promise<HarnessInfo>;
  close(): Promise<void>;
}

export interface HarnessPeer extends CallPeer {
  browser: Browser;
  page: Page;
}

/** The harness page in a browser the caller holds (a second tab, or a browser a test may kill); closing it closes the tab. */
export async function openPeerIn(browser: Browser, url: string): Promise<HarnessPeer> {
  const page = await browser.newPage();
  page.on('pageerror', (e) => console.error(`[page] ${e.message}`));
  await page.goto(url);
  await page.waitForFunction(() => window.callHarness !== undefined);
  await page.evaluate(() => window.callHarness.ready());
  return {
    browser,
    page,
    start: () => page.evaluate(() => window.callHarness.start()),
    info: () => page.evaluate(() => window.callHarness.info()),
    close: () => page.close(),
  };
}

/**
 * One participant in its own Chromium process, signed in and holding media, not yet started.
 * `launch`: how that Chromium starts (the network lab starts it inside a namespace).
 */
export async function openPeer(url: string, launch: () => Promise<Browser> = () => launchChromium()): Promise<HarnessPeer> {
  const browser = await launch();
  try {
    const peer = await openPeerIn(browser, url);
    return { ...peer, close: () => browser.close() };
  } catch (error) {
    await browser.close();
    throw error;
  }
}

export { PROJECT_ID };

/** ICE servers for a relay of our own, with the credential getIceServers' coturn provider mints (valid 1 h). */
export function relayIceServers(secret: string, uid: string, urls: string[]): RTCIceServer[] {
  return [{ urls, ...turnRestCredential(secret, uid, Date.now() / 1000 + 3600) }];
}

/** Polls `read` until `ok` holds; the error shows the last value read. */
export async function until<T>(read: () => Promise<T>, ok: (v: T) => boolean, what: string, ms = 30_000): Promise<T> {
  const deadline = Date.now() + ms;
  let last = await read();
  while (!ok(last)) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; last: ${JSON.stringify(last)}`);
    await new Promise((r) => setTimeout(r, 100));
    last = await read();
  }
  return last;
}

/** Every step of each engine, in ms from `t0` (set TC_CALL_TRACE=1, or pass force on failure). */
export async function printTrace(peers: Record<string, CallPeer>, t0: number, force = false): Promise<void> {
  if (!process.env.TC_CALL_TRACE && !force) return;
  for (const [who, peer] of Object.entries(peers)) {
    const trace = (await peer.page.evaluate(() => window.callHarness.trace())) as { at: number }[];
    const frame = (await peer.info()).firstFrameAt;
    const lines = trace.filter((e) => process.env.TC_CALL_TRACE === 'all' || !JSON.stringify(e).includes('local-candidate')).map((e) => `  +${Math.round(e.at - t0)} ${JSON.stringify(e)}`);
    console.log(`${who} (first frame +${Math.round((frame ?? NaN) - t0)} ms):\n${lines.join('\n')}`);
  }
}
