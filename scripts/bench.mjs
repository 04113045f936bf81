#!/usr/bin/env node
// `npm run bench`: builds, starts the emulators, measures, stops. Figures: bench/latest.json.
import { spawn } from 'node:child_process';
import path from 'node:path';
import { ROOT, emulatorPorts, startEmulators, stopOnExit, webBuildEnv } from './lib/emulators.mjs';
import { ensureSystemParts } from './lib/system.mjs';

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
stopOnExit(suite);
const code = await run(process.execPath, ['--import', 'tsx', path.join(ROOT, 'bench/run.ts')], suite.env);
await suite.stop();
process.exit(code);
