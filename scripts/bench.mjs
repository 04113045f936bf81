#!/usr/bin/env node
// `npm run bench`: builds, starts the emulators, measures, stops. Figures: bench/latest.json.
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ROOT, emulatorPorts, startEmulators, stopOnExit, webBuildEnv } from './lib/emulators.mjs';
import { ensureSystemParts } from './lib/system.mjs';
import { startDevRelay } from './lib/coturn.mjs';

const run = (cmd, args, env = {}) =>
  new Promise((resolve) => {
    const child = spawn(cmd, args, { cwd: ROOT, stdio: 'inherit', env: { ...process.env, ...env } });
    child.on('exit', (code) => resolve(code ?? 1));
  });

ensureSystemParts(['java', 'chromium', 'coturn', 'iptables']);
const ports = emulatorPorts();
// Whatever is running when the bench is interrupted is stopped (each stop is a no-op once done).
const running = [];
stopOnExit({ stop: async () => { for (const r of running.reverse()) await r?.stop(); } });
console.log('▶ building functions and web');
if ((await run('npm', ['run', 'build', '-w', 'functions'])) !== 0) process.exit(1);
if ((await run('npm', ['run', 'build', '-w', 'web'], webBuildEnv(ports))) !== 0) process.exit(1);

// The cost of a consult and the cold starts: on emulators of their own, first, so that every
// function starts cold and the database holds that one consult; the functions' Firestore calls
// counted in their processes (bench/cost/firestoreOps.cjs), their log kept for their timings.
const only = process.env.TC_BENCH_ONLY?.split(',').map((o) => o.trim()).filter(Boolean);
const COST_STEP = 'cost per consult and cold starts';
let costCode = 0;
const costOut = path.join(mkdtempSync(path.join(tmpdir(), 'tc-bench-cost-')), 'cost.json');
if (!only?.length || only.some((o) => COST_STEP.includes(o))) {
  // +12: clear of the suites tests run beside (3, 7), and of the ports Chromium refuses (5060, 5061).
  const costPorts = emulatorPorts(ports.offset + 12);
  if ((await run('npm', ['run', 'build', '-w', 'web'], webBuildEnv(costPorts))) !== 0) process.exit(1);
  const opsDir = path.join(path.dirname(costOut), 'ops');
  const logFile = path.join(path.dirname(costOut), 'emulators.log');
  console.log('▶ starting emulators for the cost step');
  const costSuite = await startEmulators({
    only: ['auth', 'firestore', 'functions', 'hosting'],
    ports: costPorts,
    quiet: true,
    logFile,
    env: { NODE_OPTIONS: `--require ${path.join(ROOT, 'bench/cost/firestoreOps.cjs')}`, TC_FIRESTORE_OPS_DIR: opsDir },
  });
  running.push(costSuite);
  costCode = await run(process.execPath, ['--import', 'tsx', path.join(ROOT, 'bench/cost.ts')], {
    ...costSuite.env,
    TC_EMULATOR_LOG: logFile,
    TC_FIRESTORE_OPS_DIR: opsDir,
    TC_BENCH_COST_OUT: costOut,
  });
  await costSuite.stop();
  if (only?.length && only.every((o) => COST_STEP.includes(o))) {
    // Nothing else asked for: the table of these figures alone.
    await run(process.execPath, ['--import', 'tsx', path.join(ROOT, 'bench/run.ts')], { TC_BENCH_MERGE: costOut });
    process.exit(costCode);
  }
}
console.log('▶ starting emulators');
const suite = await startEmulators({ only: ['auth', 'firestore', 'functions', 'hosting'], ports, quiet: true });
// As `npm start` runs it: the relay the demo project's TURN_URLS name, so that the app's calls
// gather their candidates as they would with the real one.
const relay = await startDevRelay(suite.env.TC_TURN_SECRET);
running.push(suite, relay);
const code = await run(process.execPath, ['--import', 'tsx', path.join(ROOT, 'bench/run.ts')], { ...suite.env, TC_BENCH_MERGE: costOut });
await relay?.stop();
// TC_BENCH_TRACE: the emulators' own log too (each function execution and its time).
if (process.env.TC_BENCH_TRACE) writeFileSync(path.join(ROOT, 'bench/emulators.log'), suite.output());
await suite.stop();
process.exit(code || costCode);
