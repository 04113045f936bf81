#!/usr/bin/env node
// `npm run monitoring -- --project ID [--channel CHANNEL_ID]... [--apply]`: the log-based metrics
// (monitoring/metrics/*.json) and alert policies (monitoring/policies/*.json) of a production
// project, applied with gcloud. Without --apply it checks the files and prints the commands.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const DIR = path.join(ROOT, 'monitoring');

const HELP = `Usage: npm run monitoring -- --project ID [--channel CHANNEL]... [--apply]

Creates (or updates) the log-based metrics in monitoring/metrics and creates the alert policies in
monitoring/policies in a Firebase/Google Cloud project, with gcloud (logged in as someone who may
edit Logging and Monitoring). --channel: a notification channel's full name
(projects/ID/notificationChannels/N), repeatable; see docs/operations.md "Alerts".
Without --apply, checks that every policy counts a metric defined here and prints the commands.`;

function fail(message, code = 1) {
  console.error(message);
  process.exit(code);
}

let args;
try {
  args = parseArgs({ options: { project: { type: 'string' }, channel: { type: 'string', multiple: true }, apply: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } } }).values;
} catch (error) {
  fail(`${error.message}\n\n${HELP}`, 2);
}
if (args.help) {
  console.log(HELP);
  process.exit(0);
}
if (!args.project) fail(`Give the project: --project ID.\n\n${HELP}`, 2);

const read = (sub) =>
  readdirSync(path.join(DIR, sub))
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((f) => ({ file: path.join(DIR, sub, f), body: JSON.parse(readFileSync(path.join(DIR, sub, f), 'utf8')) }));
const metrics = read('metrics');
const policies = read('policies');

// Every policy must count metrics defined here: an alert on a metric nobody creates never fires.
const names = new Set(metrics.map((m) => m.body.name));
for (const { file, body } of policies) {
  for (const condition of body.conditions) {
    const c = condition.conditionThreshold;
    for (const filter of [c.filter, c.denominatorFilter].filter(Boolean)) {
      const metric = /logging\.googleapis\.com\/user\/([a-z0-9_]+)/.exec(filter)?.[1];
      if (!metric || !names.has(metric)) fail(`${path.relative(ROOT, file)}: its filter counts "${metric ?? filter}", which monitoring/metrics does not define.`);
    }
  }
}

const channels = args.channel ?? [];
const tmp = mkdtempSync(path.join(os.tmpdir(), 'tc-monitoring-'));
const commands = [];
for (const { file, body } of metrics) {
  commands.push({ what: `metric ${body.name}`, args: ['logging', 'metrics', 'create', body.name, `--project=${args.project}`, `--config-from-file=${file}`], update: ['logging', 'metrics', 'update', body.name, `--project=${args.project}`, `--config-from-file=${file}`] });
}
for (const { file, body } of policies) {
  const withChannels = path.join(tmp, path.basename(file));
  writeFileSync(withChannels, JSON.stringify({ ...body, notificationChannels: channels }));
  commands.push({ what: `policy "${body.displayName}"`, args: ['alpha', 'monitoring', 'policies', 'create', `--project=${args.project}`, `--policy-from-file=${withChannels}`] });
}

try {
  if (!args.apply) {
    console.log(`${metrics.length} metrics and ${policies.length} policies check out. Commands (--apply runs them):`);
    for (const c of commands) console.log(`  gcloud ${c.args.join(' ')}`);
    if (channels.length === 0) console.log('\nNo --channel given: the policies would alert nobody. List channels with `gcloud beta monitoring channels list`.');
    process.exit(0);
  }
  for (const c of commands) {
    let run = spawnSync('gcloud', c.args, { stdio: ['ignore', 'inherit', 'pipe'], encoding: 'utf8' });
    if (run.error) fail(`gcloud could not be run (${run.error.message}). Install the Google Cloud CLI and log in.`);
    if (run.status !== 0 && c.update && /already exists/i.test(run.stderr)) run = spawnSync('gcloud', c.update, { stdio: ['ignore', 'inherit', 'pipe'], encoding: 'utf8' });
    if (run.status !== 0) fail(`${c.what}: gcloud failed:\n${run.stderr}`);
    console.log(`✓ ${c.what}`);
  }
} finally {
  rmSync(tmp, { recursive: true, force: true });
}
