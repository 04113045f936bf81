#!/usr/bin/env node
// `npm start`: builds, runs the whole app on the emulators, seeds a demo clinician.
import { spawn } from 'node:child_process';
import { startDevRelay } from './lib/coturn.mjs';
import { ROOT, emulatorPorts, startEmulators, stopOnExit, webBuildEnv } from './lib/emulators.mjs';
import { seedDemo } from './lib/seed.mjs';

const run = (cmd, args, env = {}) =>
  new Promise((resolve) => {
    const child = spawn(cmd, args, { cwd: ROOT, stdio: 'inherit', env: { ...process.env, ...env } });
    child.on('exit', (code) => resolve(code ?? 1));
  });

const ports = emulatorPorts();
console.log('▶ building functions and web');
if ((await run('npm', ['run', 'build', '-w', 'functions'])) !== 0) process.exit(1);
if ((await run('npm', ['run', 'build', '-w', 'web'], webBuildEnv(ports))) !== 0) process.exit(1);

console.log('▶ starting emulators (auth, firestore, functions, hosting) …');
const suite = await startEmulators({ only: ['auth', 'firestore', 'functions', 'hosting'], ports, quiet: !process.env.TC_VERBOSE });
// The demo project's TURN_URLS point at a local coturn (docs/turn.md).
const relay = await startDevRelay(suite.env.TC_TURN_SECRET);
stopOnExit({ stop: async () => { await relay?.stop(); await suite.stop(); } });
const demo = await seedDemo(suite.env);

console.log(`
Teleconsulta is running on the emulators (project demo-teleconsulta).

  App:       http://127.0.0.1:${ports.hosting}/
  Sign in:   ${demo.email}
  Password:  ${demo.password}

Schedule a consult, copy the invite link and open it in another browser (or a private
window) to join as the patient. Press Ctrl+C to stop.
`);
