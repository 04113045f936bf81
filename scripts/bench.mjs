#!/usr/bin/env node
// `npm run bench`: builds, starts the emulators, measures, stops. Figures: bench/latest.json.
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { ROOT, emulatorPorts, startEmulators, stopOnExit, webBuildEnv } from './lib/emulators.mjs';
import { ensureSystemParts } from './lib/system.mjs';
import { startDevRelay } from './lib/coturn.mjs';

const run = (cmd, args, env = {}) =>
  new Promise((resolve) => {
    const child = spawn(cmd, args, { cwd: ROOT, stdio: 'inherit', env: { ...process.env, ...env } });
    child.on('exit', (code) => resolve(code ?? 1));
  });

ensureSystemParts(['java', 'chromium', 'coturn']);
const ports = emulatorPorts();
console.log('▶ building functions and web');
if ((await run('npm', ['run', 'build', '-w', 'functions'])) !== 0) process.exit(1);
if ((await run('npm', ['run', 'build', '-w', 'web'], webBuildEnv(ports))) !== 0) process.exit(1);
console.log('▶ starting emulators');
const suite = await startEmulators({ only: ['auth', 'firestore', 'functions', 'hosting'], ports, quiet: true });
// As `npm start` runs it: the relay the demo project's TURN_URLS name, so that the app's calls
// gather their candidates as they would with the real one.
const relay = await startDevRelay(suite.env.TC_TURN_SECRET);
stopOnExit({ stop: async () => { await relay?.stop(); await suite.stop(); } });
const code = await run(process.execPath, ['--import', 'tsx', path.join(ROOT, 'bench/run.ts')], suite.env);
await relay?.stop();
// TC_BENCH_TRACE: the emulators' own log too (each function execution and its time).
if (process.env.TC_BENCH_TRACE) writeFileSync(path.join(ROOT, 'bench/emulators.log'), suite.output());
await suite.stop();
process.exit(code);
