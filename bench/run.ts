// `npm run bench`: every performance figure, printed beside its target and written to bench/latest.json.
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { measureCallSetup } from './callSetup';
import { measureIceServers } from './iceServers';
import { log, type Metrics } from './lib';
import { measurePatientBundle } from './patientBundle';
import { measureRelayRecovery } from './relayRecovery';

const steps: Array<[string, () => Promise<Metrics>]> = [
  ['patient bundle', measurePatientBundle],
  ['getIceServers under load', measureIceServers],
  ['call setup', measureCallSetup],
  ['relay recovery', measureRelayRecovery],
];

// TC_BENCH_ONLY=call measures only the steps whose name contains it (a quicker look at one figure).
const only = process.env.TC_BENCH_ONLY;
const metrics: Metrics = {};
const failures: string[] = [];
for (const [name, step] of steps.filter(([n]) => !only || n.includes(only))) {
  log(`measuring ${name} …`);
  try {
    Object.assign(metrics, await step());
  } catch (error) {
    failures.push(`${name}: ${error instanceof Error ? error.stack ?? error.message : String(error)}`);
    log(`FAILED ${name}: ${error instanceof Error ? error.message : String(error)}`);
  }
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
writeFileSync(out, `${JSON.stringify({ measuredAt: new Date().toISOString(), metrics }, null, 2)}\n`);
console.log(`\nwritten: bench/latest.json`);
if (failures.length) {
  console.error(`\n${failures.length} measurement(s) failed:\n${failures.join('\n')}`);
  process.exit(1);
}
