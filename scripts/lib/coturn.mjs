// A throwaway coturn on 127.0.0.1 for the relay tests, `npm start` and the fault-injection
// bench: Debian's turnserver with the TURN REST API secret(s), its files in a temp folder.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createServer, connect } from 'node:net';
import { createSocket } from 'node:dgram';
import { appendFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const SECRET_FILE = path.join(ROOT, 'functions/.secret.local');
/** Debian installs it in /usr/bin (some releases: /usr/sbin); TURNSERVER_PATH overrides. */
export const TURNSERVER =
  process.env.TURNSERVER_PATH ?? ['/usr/bin/turnserver', '/usr/sbin/turnserver'].find((p) => existsSync(p)) ?? 'turnserver';

/** The port functions/.env.demo-teleconsulta points TURN_URLS at (outside 8000-9000). */
export const DEV_TURN_PORT = 3578;
export const DEV_TURN_REALM = 'teleconsulta.local';

/** Secrets the functions emulator reads; never committed. TWILIO_* stay "unused" on the emulators. */
const DEV_SECRETS = {
  TURN_SHARED_SECRET: () => randomBytes(24).toString('hex'),
  TWILIO_ACCOUNT_SID: () => 'unused',
  TWILIO_API_KEY_SID: () => 'unused',
  TWILIO_API_KEY_SECRET: () => 'unused',
};

function parseSecrets(text) {
  const out = {};
  for (const line of text.split('\n')) {
    const m = /^([A-Z0-9_]+)=(.*)$/.exec(line.trim());
    if (m) out[m[1]] = m[2];
  }
  return out;
}

/**
 * Makes sure functions/.secret.local (gitignored) holds a development TURN secret, created once
 * at random and then kept, so every emulator suite in this checkout signs with the same one.
 * Lines already there (other secrets, a chosen value) are left alone. Returns the values.
 */
export function ensureDevSecrets() {
  const present = existsSync(SECRET_FILE) ? parseSecrets(readFileSync(SECRET_FILE, 'utf8')) : {};
  const missing = Object.keys(DEV_SECRETS).filter((k) => !present[k]);
  if (missing.length > 0) {
    const lines = missing.map((k) => `${k}=${DEV_SECRETS[k]()}\n`).join('');
    if (!existsSync(SECRET_FILE)) {
      try {
        writeFileSync(SECRET_FILE, `# Development-only secrets for the emulators (gitignored).\n${lines}`, { flag: 'wx', mode: 0o600 });
      } catch (e) {
        if (e.code !== 'EEXIST') throw e; // another suite created it a moment ago: use its values
      }
    } else {
      appendFileSync(SECRET_FILE, `${readFileSync(SECRET_FILE, 'utf8').endsWith('\n') ? '' : '\n'}${lines}`);
    }
  }
  return parseSecrets(readFileSync(SECRET_FILE, 'utf8'));
}

/** The development TURN secret the emulated getIceServers signs with. */
export function devTurnSecret() {
  return ensureDevSecrets().TURN_SHARED_SECRET;
}

/**
 * The relay the demo project's TURN_URLS name, for `npm start` and `npm test`. Without it every
 * browser would wait ~40 s for its TURN allocations to time out before ICE gathering completes.
 * If another suite in this checkout already runs it (same port, same secret), that one is used.
 * Never throws: without turnserver, calls on one machine still connect directly.
 */
export async function startDevRelay(secret) {
  try {
    return await startCoturn({ port: DEV_TURN_PORT, secrets: [secret] });
  } catch (e) {
    const shared = /is taken/.test(e.message) && (await accepts(DEV_TURN_PORT));
    console.warn(shared
      ? `Using the TURN relay already running on 127.0.0.1:${DEV_TURN_PORT}.`
      : `No local TURN relay (${e.message.split('\n')[0]}); calls use direct connections only.`);
    return null;
  }
}

async function portIsFree(port) {
  const tcp = await new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
  const udp = await new Promise((resolve) => {
    const socket = createSocket('udp4');
    socket.once('error', () => resolve(false));
    socket.bind(port, '127.0.0.1', () => socket.close(() => resolve(true)));
  });
  return tcp && udp;
}

function accepts(port, host = '127.0.0.1') {
  return new Promise((resolve) => {
    const socket = connect(port, host);
    socket.once('connect', () => { socket.destroy(); resolve(true); });
    socket.once('error', () => resolve(false));
  });
}

/**
 * Starts turnserver on 127.0.0.1:port with `use-auth-secret`. Several secrets are all accepted
 * (what a server does during a rotation); credentials are checked against each in turn.
 * In the network lab (`netns`), it listens on the lab's address instead, and with `tls` also on
 * TLS (a `turns:` URL; 443 in the lab, as in production where only that port may be open).
 * @param {{ port?: number, secrets: string[], realm?: string, minPort?: number, maxPort?: number, verbose?: boolean,
 *   netns?: string, listenIp?: string, tls?: { port: number, cert: string, key: string }, deniedPeers?: string[] }} opts
 * @returns {Promise<{ port: number, urls: string[], logFile: string, stop(): Promise<void>, restart(): Promise<void>, log(): string }>}
 */
export async function startCoturn(opts) {
  if (!path.isAbsolute(TURNSERVER) || !existsSync(TURNSERVER)) {
    throw new Error(`turnserver is missing: install Debian's coturn (sudo apt-get install -y coturn).`);
  }
  const secrets = opts.secrets.filter(Boolean);
  if (secrets.length === 0) throw new Error('startCoturn needs at least one shared secret.');
  const port = opts.port ?? DEV_TURN_PORT;
  // Relay ports: kept out of 8000-9000 (firebase-tools' function discovery) and per listening port.
  const minPort = opts.minPort ?? 40000 + (port % 100) * 100;
  const maxPort = opts.maxPort ?? minPort + 99;
  const dir = mkdtempSync(path.join(tmpdir(), 'coturn-'));
  const logFile = path.join(dir, 'turn.log');
  const host = opts.listenIp ?? '127.0.0.1';
  const tls = opts.tls ?? null;
  const args = [
    '-n', '--no-cli', '--no-dtls', '--simple-log',
    ...(tls ? [`--tls-listening-port=${tls.port}`, `--cert=${tls.cert}`, `--pkey=${tls.key}`, '--no-tlsv1', '--no-tlsv1_1'] : ['--no-tls']),
    `--listening-ip=${host}`, `--listening-port=${port}`,
    '--use-auth-secret', ...secrets.map((s) => `--static-auth-secret=${s}`),
    `--realm=${opts.realm ?? DEV_TURN_REALM}`,
    // Both peers are on this machine; a production server denies loopback and private peers.
    '--allow-loopback-peers',
    `--min-port=${minPort}`, `--max-port=${maxPort}`,
    `--pidfile=${path.join(dir, 'turnserver.pid')}`,
    `--userdb=${path.join(dir, 'turndb')}`,
    `--log-file=${logFile}`,
    ...(opts.deniedPeers ?? []).map((range) => `--denied-peer-ip=${range}`),
    ...(opts.verbose ? ['--verbose'] : []),
  ];

  let child = null;
  let exited = null;

  async function start() {
    // A lab namespace is new and empty; on this machine's loopback another relay may hold the port.
    if (!opts.netns && !(await portIsFree(port))) {
      throw new Error(`Port ${port} on 127.0.0.1 is taken (another coturn, or another test run's?); cannot start the relay.`);
    }
    child = opts.netns
      ? spawn('ip', ['netns', 'exec', opts.netns, TURNSERVER, ...args], { stdio: 'ignore' })
      : spawn(TURNSERVER, args, { stdio: 'ignore' });
    exited = new Promise((resolve) => child.once('exit', resolve));
    let gone = false;
    exited.then(() => { gone = true; });
    for (let i = 0; i < 200; i++) {
      if (gone) throw new Error(`turnserver exited at start. Its log:\n${readLog()}`);
      if (await accepts(port, host) && (!tls || (await accepts(tls.port, host)))) return;
      await new Promise((r) => setTimeout(r, 25));
    }
    await stop();
    throw new Error(`turnserver did not accept connections on ${port}. Its log:\n${readLog()}`);
  }

  async function stop() {
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
    await exited;
    clearTimeout(timer);
  }

  function readLog() {
    try { return readFileSync(logFile, 'utf8').split('\n').slice(-30).join('\n'); } catch { return '(no log)'; }
  }

  await start();
  return {
    port,
    urls: [
      `turn:${host}:${port}?transport=udp`,
      `turn:${host}:${port}?transport=tcp`,
      ...(tls ? [`turns:${host}:${tls.port}?transport=tcp`] : []),
    ],
    logFile,
    log: readLog,
    /** Stops the server; every allocation is lost. */
    async stop() {
      await stop();
      rmSync(dir, { recursive: true, force: true });
    },
    /** Stops and starts it again on the same port (allocations are lost, as after a crash). */
    async restart() {
      await stop();
      await start();
    },
  };
}
