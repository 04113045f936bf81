// The one emulator harness behind `npm start`, `npm test` and `npm run bench`.
import { spawn } from 'node:child_process';
import { appendFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureDevSecrets } from './coturn.mjs';
import { ensureSystemParts } from './system.mjs';
import { storedZip } from './zip.mjs';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const PROJECT_ID = 'demo-teleconsulta';
// The functions' own region file (imported by functions/src/lib/api.ts), so the two cannot differ.
export const REGION = JSON.parse(readFileSync(path.join(ROOT, 'functions/src/lib/region.json'), 'utf8')).functions;
const PREINSTALLED_FIRESTORE_JAR =
  '/usr/lib/google-cloud-sdk/platform/cloud-firestore-emulator/cloud-firestore-emulator.jar';
const require = createRequire(import.meta.url);
const FIREBASE_BIN = path.join(path.dirname(require.resolve('firebase-tools/package.json')), 'lib/bin/firebase.js');

/**
 * Ports of one emulator suite. TC_PORT_OFFSET shifts them all so that two suites (a running
 * `npm start` and `npm test`) can live side by side.
 */
export function emulatorPorts(offset = Number(process.env.TC_PORT_OFFSET ?? 0)) {
  const base = JSON.parse(readFileSync(path.join(ROOT, 'firebase.json'), 'utf8')).emulators;
  return {
    offset,
    hub: base.hub.port + offset,
    logging: base.logging.port + offset,
    auth: base.auth.port + offset,
    firestore: base.firestore.port + offset,
    firestoreWebsocket: base.firestore.websocketPort + offset,
    functions: base.functions.port + offset,
    hosting: base.hosting.port + offset,
    eventarc: base.eventarc.port + offset,
    tasks: base.tasks.port + offset,
  };
}

/** The environment that points the admin SDK, the client SDK and our scripts at a suite. */
export function emulatorEnv(ports) {
  return {
    TC_PROJECT_ID: PROJECT_ID,
    TC_REGION: REGION,
    GCLOUD_PROJECT: PROJECT_ID,
    FIREBASE_AUTH_EMULATOR_HOST: `127.0.0.1:${ports.auth}`,
    FIRESTORE_EMULATOR_HOST: `127.0.0.1:${ports.firestore}`,
    TC_FUNCTIONS_ORIGIN: `http://127.0.0.1:${ports.functions}`,
    TC_HOSTING_ORIGIN: `http://127.0.0.1:${ports.hosting}`,
    TC_PORT_OFFSET: String(ports.offset),
  };
}

/** Build-time variables for the web app served by the hosting emulator. */
export function webBuildEnv(ports) {
  return {
    // Each suite serves its own build: suites side by side must not overwrite each other's web/dist.
    ...(ports.offset === 0 ? {} : { TC_WEB_OUT_DIR: webOutDir(ports) }),
    VITE_FIREBASE_PROJECT_ID: PROJECT_ID,
    VITE_FUNCTIONS_REGION: REGION,
    VITE_EMULATORS: JSON.stringify({
      auth: `127.0.0.1:${ports.auth}`,
      firestore: `127.0.0.1:${ports.firestore}`,
      functions: `127.0.0.1:${ports.functions}`,
    }),
  };
}

/** The web build a suite serves, relative to web/. */
export function webOutDir(ports) {
  return ports.offset === 0 ? 'dist' : `dist-offset-${ports.offset}`;
}

/** firebase.json as-is, or a copy with every port shifted (the page's CSP, with the emulators' ports, is written by the web build: web/csp.ts). */
function configFor(ports) {
  const file = path.join(ROOT, 'firebase.json');
  if (ports.offset === 0) return file;
  let text = readFileSync(file, 'utf8');
  const base = emulatorPorts(0);
  for (const key of ['auth', 'firestore', 'firestoreWebsocket', 'functions']) {
    text = text.replaceAll(`127.0.0.1:${base[key]}`, `127.0.0.1:${ports[key]}`);
  }
  const config = JSON.parse(text);
  config.hosting.public = `web/${webOutDir(ports)}`;
  const em = config.emulators;
  em.hub.port = ports.hub;
  em.logging.port = ports.logging;
  em.auth.port = ports.auth;
  em.firestore.port = ports.firestore;
  em.firestore.websocketPort = ports.firestoreWebsocket;
  em.functions.port = ports.functions;
  em.hosting.port = ports.hosting;
  em.eventarc.port = ports.eventarc;
  em.tasks.port = ports.tasks;
  const out = path.join(ROOT, `.firebase-offset-${ports.offset}.json`);
  writeFileSync(out, JSON.stringify(config, null, 2));
  return out;
}

/**
 * firebase-tools cannot download the Firestore emulator offline. Where the Cloud SDK's copy is
 * installed, a manifest-only jar gives it the Main-Class it lacks; elsewhere firebase-tools
 * behaves as usual (and downloads its own).
 */
function firestoreLauncherEnv() {
  if (!existsSync(PREINSTALLED_FIRESTORE_JAR)) return {};
  const dir = path.join(ROOT, '.emulators');
  mkdirSync(dir, { recursive: true });
  const jar = path.join(dir, 'firestore-launcher.jar');
  const manifest =
    'Manifest-Version: 1.0\r\n' +
    'Main-Class: com.google.cloud.datastore.emulator.firestore.CloudFirestore\r\n' +
    `Class-Path: file:${PREINSTALLED_FIRESTORE_JAR}\r\n\r\n`;
  writeFileSync(jar, storedZip([{ name: 'META-INF/MANIFEST.MF', data: Buffer.from(manifest) }]));
  return { FIRESTORE_EMULATOR_BINARY_PATH: jar };
}

/**
 * Starts the emulators and resolves once all are ready. `import` is a directory the emulators load
 * their data from (firebase-tools' `--import`: an `emulators:export` folder, or a Firestore
 * export folder holding its `.overall_export_metadata`).
 * @param {{ only?: string[], ports?: ReturnType<typeof emulatorPorts>, quiet?: boolean, env?: Record<string,string>, import?: string, logFile?: string }} [opts]
 */
export async function startEmulators(opts = {}) {
  ensureSystemParts(['java']);
  const only = opts.only ?? ['auth', 'firestore', 'functions'];
  const ports = opts.ports ?? emulatorPorts();
  const config = configFor(ports);
  // The emulated functions read their secrets from functions/.secret.local (gitignored).
  const devSecrets = ensureDevSecrets();
  const logDir = path.join(ROOT, '.emulators');
  mkdirSync(logDir, { recursive: true });
  const child = spawn(
    process.execPath,
    [FIREBASE_BIN, 'emulators:start', '--non-interactive', '--only', only.join(','), '--project', PROJECT_ID, '--config', config,
      ...(opts.import ? ['--import', opts.import] : [])],
    {
      cwd: ROOT,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, ...firestoreLauncherEnv(), ...(opts.env ?? {}), CI: process.env.CI ?? '', FORCE_COLOR: '0' },
    },
  );
  let output = '';
  const onData = (chunk) => {
    const text = chunk.toString();
    output += text;
    if (output.length > 200_000) output = output.slice(-100_000);
    if (!opts.quiet) process.stdout.write(text.replace(/^/gm, '[emulators] '));
    // The whole log, for tests that read what the functions logged (the alert filters' test).
    if (opts.logFile) appendFileSync(opts.logFile, text);
  };
  child.stdout.on('data', onData);
  child.stderr.on('data', onData);

  let exited = false;
  const exitPromise = new Promise((resolve) => child.once('exit', (code, signal) => { exited = true; resolve({ code, signal }); }));

  const stop = async () => {
    if (exited) return;
    try { process.kill(child.pid, 'SIGINT'); } catch { /* already gone */ }
    const timer = setTimeout(() => { try { process.kill(-child.pid, 'SIGKILL'); } catch { /* gone */ } }, 20_000);
    await exitPromise;
    clearTimeout(timer);
    // The Java and function worker processes share the group; make sure none outlives us.
    try { process.kill(-child.pid, 'SIGKILL'); } catch { /* group already empty */ }
  };

  const ready = await Promise.race([
    (async () => {
      for (let i = 0; i < 1200 && !exited; i++) {
        if (output.includes('All emulators ready')) return true;
        await new Promise((r) => setTimeout(r, 100));
      }
      return false;
    })(),
    exitPromise.then(() => false),
  ]);
  if (!ready) {
    await stop();
    const tail = output.split('\n').slice(-40).join('\n');
    throw new Error(`The emulators did not start.\n${tail}`);
  }
  return { ports, env: { ...emulatorEnv(ports), TC_TURN_SECRET: devSecrets.TURN_SHARED_SECRET }, stop, output: () => output };
}

/** Stops the emulators when this process is interrupted or ends. */
export function stopOnExit(suite) {
  let stopping = false;
  const handler = async (signal) => {
    if (stopping) return;
    stopping = true;
    await suite.stop();
    process.exit(signal === 'SIGINT' ? 130 : 143);
  };
  process.once('SIGINT', handler);
  process.once('SIGTERM', handler);
}
