#!/usr/bin/env node
// `npm test`: builds, starts one emulator suite, runs every test against it, stops it.
//   npm test                       everything
//   npm test -- tests/rules        only files matching a filter (vitest filters)
import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { startDevRelay } from './lib/coturn.mjs';
import { ROOT, emulatorPorts, emulatorEnv, startEmulators, stopOnExit, webBuildEnv } from './lib/emulators.mjs';
import { ensureSystemParts } from './lib/system.mjs';

const filters = process.argv.slice(2);
const run = (cmd, args, env = {}) =>
  new Promise((resolve) => {
    const child = spawn(cmd, args, { cwd: ROOT, stdio: 'inherit', env: { ...process.env, ...env } });
    child.on('exit', (code, signal) => resolve(code ?? (signal ? 1 : 0)));
  });

ensureSystemParts(['java', 'chromium', 'coturn', 'iptables', 'firefox']);
const ports = emulatorPorts();

if (filters.length === 0) {
  console.log('▶ typecheck (functions, web, tests, call harness)');
  for (const project of ['functions', 'web', 'tests', 'web/harness']) {
    if ((await run(process.execPath, [path.join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', project, '--noEmit'])) !== 0) {
      console.error(`Type errors in ${project}.\ntests: 0 passed, 1 failed`);
      process.exit(1);
    }
  }
}

console.log('▶ building functions and web');
if ((await run('npm', ['run', 'build', '-w', 'functions'])) !== 0) process.exit(1);
if ((await run('npm', ['run', 'build', '-w', 'web'], webBuildEnv(ports))) !== 0) process.exit(1);

console.log('▶ starting emulators');
// Suites on other port offsets (a second checkout's run, a developer's filtered run) keep their own results.
const resultsDir = path.join(ROOT, ports.offset ? `test-results/offset-${ports.offset}` : 'test-results/latest');
rmSync(resultsDir, { recursive: true, force: true });
mkdirSync(resultsDir, { recursive: true });
// What the emulated functions log, for the test that checks the alert filters against it.
const emulatorLog = path.join(resultsDir, 'emulators.log');
const suite = await startEmulators({ only: ['auth', 'firestore', 'functions', 'hosting'], ports, quiet: true, logFile: emulatorLog });
// The demo project's TURN_URLS point at a local coturn (docs/turn.md).
const relay = await startDevRelay(suite.env.TC_TURN_SECRET);
stopOnExit({ stop: async () => { await relay?.stop(); await suite.stop(); } });

const vitest = path.join(ROOT, 'node_modules/vitest/vitest.mjs');
const phases = [
  { name: 'unit + emulators', args: ['--project', 'unit', '--project', 'emulators'] },
  { name: 'browser', args: ['--project', 'browser', '--no-file-parallelism'] },
];
const totals = { passed: 0, failed: 0, skipped: 0 };
let exitCode = 0;
for (const [i, phase] of phases.entries()) {
  console.log(`▶ ${phase.name}`);
  const json = path.join(resultsDir, `vitest-${i}.json`);
  const code = await run(
    process.execPath,
    [vitest, 'run', ...phase.args, '--reporter=default', '--reporter=json', `--outputFile.json=${json}`,
      ...(filters.length ? ['--passWithNoTests', ...filters] : [])],
    { ...suite.env, TC_RESULTS_DIR: resultsDir, TC_EMULATOR_LOG: emulatorLog },
  );
  if (code !== 0) exitCode = 1;
  try {
    const r = JSON.parse(readFileSync(json, 'utf8'));
    totals.passed += r.numPassedTests;
    totals.failed += r.numFailedTests;
    totals.skipped += r.numPendingTests + (r.numTodoTests ?? 0);
    if (r.numFailedTestSuites > 0 && r.numFailedTests === 0) totals.failed += r.numFailedTestSuites;
  } catch {
    exitCode = 1;
    totals.failed += 1;
    console.error(`No results from the ${phase.name} phase.`);
  }
}
await relay?.stop();
await suite.stop();
console.log(`\ntests: ${totals.passed} passed, ${totals.failed} failed, ${totals.skipped} skipped`);
process.exit(exitCode || (totals.failed > 0 ? 1 : 0));
