// A real coturn on 127.0.0.1 for the health check, with the flags verified in DESIGN.md.
import { spawn, type ChildProcess } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { stunBinding } from '../../functions/src/ops/stun';

export interface RunningCoturn {
  port: number;
  stop(): Promise<void>;
}

/** A UDP port nobody holds right now (the kernel picks it). */
export async function freeUdpPort(): Promise<number> {
  const socket = createSocket('udp4');
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  const { port } = socket.address();
  await new Promise<void>((resolve) => socket.close(() => resolve()));
  return port;
}

export async function startCoturn(secret: string): Promise<RunningCoturn> {
  const dir = mkdtempSync(path.join(tmpdir(), 'tc-ops-coturn-'));
  const port = await freeUdpPort();
  // Relays are never allocated by a binding request; the range only has to be valid and apart from the listening port.
  const relayMin = port < 65_000 ? port + 1 : port - 30;
  const child: ChildProcess = spawn('turnserver', [
    '-n', '--listening-ip=127.0.0.1', `--listening-port=${port}`, '--use-auth-secret', `--static-auth-secret=${secret}`,
    '--realm=teleconsulta.test', '--no-cli', '--no-tls', '--no-dtls', '--allow-loopback-peers',
    `--min-port=${relayMin}`, `--max-port=${relayMin + 20}`, `--pidfile=${dir}/turn.pid`, `--userdb=${dir}/turn.db`,
    `--log-file=${dir}/turn.log`, '--simple-log',
  ], { stdio: 'ignore' });
  let failure: Error | null = null;
  child.once('error', (error) => { failure = error; });
  const exited = new Promise<void>((resolve) => {
    child.once('exit', () => resolve());
    child.once('error', () => resolve());
  });
  const stop = async () => {
    child.kill('SIGTERM');
    await exited;
    rmSync(dir, { recursive: true, force: true });
  };
  for (let i = 0; i < 50 && !failure; i++) {
    if ((await stunBinding({ host: '127.0.0.1', port }, 200)).ok) return { port, stop };
  }
  await stop();
  if (failure) throw new Error(`coturn could not start (${(failure as Error).message}); install it with: apt-get install coturn`);
  throw new Error('coturn did not answer a STUN binding request within 10 s.');
}
