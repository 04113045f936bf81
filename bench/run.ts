// `npm run bench`: every performance figure, printed beside its target and written to bench/latest.json.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { measureCallSetup } from './callSetup';
import { measureFirstScreen } from './firstScreen';
import { measureIceServers } from './iceServers';
import { measureJourney } from './journey';
import { measureNetworks } from './networks';
import { log, round, type Metrics } from './lib';
import { measurePatientBundle } from './patientBundle';
import { measureRelayRecovery } from './relayRecovery';

// The journey goes first: its first consult is the one after the emulators start (cold functions).
const steps: Array<[string, () => Promise<Metrics>]> = [
  ['journey', measureJourney],
  ['first screen', measureFirstScreen],
  ['patient bundle', measurePatientBundle],
  ['getIceServers under load', measureIceServers],
  ['call setup', measureCallSetup],
  ['relay recovery', measureRelayRecovery],
  ['network matrix', measureNetworks],
];

// TC_BENCH_ONLY=call measures only the steps whose name contains it (a quicker look at one figure);
// several, comma-separated: TC_BENCH_ONLY=journey,call.
const only = process.env.TC_BENCH_ONLY?.split(',').map((o) => o.trim()).filter(Boolean);
const metrics: Metrics = {};
const failures: string[] = [];
for (const [name, step] of steps.filter(([n]) => !only?.length || only.some((o) => n.includes(o)))) {
  log(`measuring ${name} …`);
  try {
    Object.assign(metrics, await step());
  } catch (error) {
    failures.push(`${name}: ${error instanceof Error ? error.stack ?? error.message : String(error)}`);
    log(`FAILED ${name}: ${error instanceof Error ? error.message : String(error)}`);
  }
}

// The cost step ran first, on emulators of its own (scripts/bench.mjs): its figures join these.
const merged = process.env.TC_BENCH_MERGE;
if (merged && existsSync(merged)) Object.assign(metrics, JSON.parse(readFileSync(merged, 'utf8')) as Metrics);
else if (merged && (!only?.length || only.some((o) => 'cost per consult and cold starts'.includes(o)))) failures.push('cost per consult and cold starts: it wrote no figures (its output is above)');

// What admission adds on top of the engine's own setup, both measured in this run.
const setup = metrics['call_setup_ms_median'];
for (const [name, source, target] of [
  ['admission_overhead_ms_warm', 'admit_to_video_ms_p50', 250],
  ['admission_overhead_ms_cold', 'admit_to_video_ms_cold', 1500],
] as const) {
  const journey = metrics[source];
  if (!setup || !journey) continue;
  metrics[name] = {
    value: round(journey.value - setup.value),
    unit: 'ms',
    target,
    better: 'lower',
    note: `${source} (${journey.value} ms) − call_setup_ms_median (${setup.value} ms), same run`,
  };
}

const meets = (m: Metrics[string]) => (m.better === 'lower' ? m.value <= m.target : m.value >= m.target);
const rows = Object.entries(metrics).map(([name, m]) => [
  name,
  `${m.value} ${m.unit}`,
  `${m.better === 'lower' ? '≤' : '≥'} ${m.target} ${m.unit}`,
  meets(m) ? 'meets' : 'MISSES',
  m.note ?? '',
]);
const header = ['metric', 'value', 'target', '', 'how'];
const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i]!)).join('  ');
console.log(`\n${line(header)}\n${widths.map((w) => '-'.repeat(w)).join('  ')}`);
for (const row of rows) console.log(line(row));

const out = path.resolve(import.meta.dirname, 'latest.json');
mkdirSync(path.dirname(out), { recursive: true });
// A run of some steps only (TC_BENCH_ONLY) replaces their figures and keeps the others'.
const kept: Metrics = only?.length && existsSync(out) ? ((JSON.parse(readFileSync(out, 'utf8')) as { metrics?: Metrics }).metrics ?? {}) : {};
writeFileSync(out, `${JSON.stringify({ measuredAt: new Date().toISOString(), metrics: { ...kept, ...metrics } }, null, 2)}\n`);
console.log(`\nwritten: bench/latest.json`);
if (failures.length) {
  console.error(`\n${failures.length} measurement(s) failed:\n${failures.join('\n')}`);
  process.exit(1);
}
