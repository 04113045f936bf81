#!/usr/bin/env node
// `npm run report -- --days 30`: how calls went, from the audit log (which consults were
// admitted) and the participants' stats documents (whether and how each call connected).
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { CliError, admin, connect, runCli, usageError } from './lib/admin-cli.mjs';
import { formatReport, qualityReport, renderChart, statsRow } from './lib/quality.mjs';
import { formatFunctionReport, functionLines, functionReport } from './lib/functionLogs.mjs';

/** Every function line in the given files; a file that cannot be read is a clear error. */
function readLogs(files) {
  return files.flatMap((file) => {
    let text;
    try {
      text = readFileSync(file, 'utf8');
    } catch (error) {
      throw new CliError(`Cannot read the log file ${file}: ${error.code === 'ENOENT' ? 'it does not exist' : error.message}.`);
    }
    const lines = functionLines(text);
    if (lines.length === 0) throw new CliError(`${file} holds no function log lines (jsonPayload.fn and outcome): is it the functions' log?`);
    return lines;
  });
}

const HELP = `Usage: npm run report -- [--days N] [--json] [--chart FILE] [--project ID] [--logs FILE]...

  --days N        The last N days (default 30, at most 366).
  --json          Print the figures as JSON (for machines) instead of text.
  --chart FILE    Where to write the SVG chart of daily success rate and setup time
                  (default quality-report.svg); --no-chart to skip it.
  --project ID    A real Firebase project, with GOOGLE_APPLICATION_CREDENTIALS; a demo-… id
                  reads that project on the local emulators. Default: the emulators of \`npm start\`.
  --logs FILE     The functions' log lines, for each function's calls, refusals, errors and
                  latency (median, p95) and the availability the health checks saw: a Cloud
                  Logging export (gcloud logging read 'jsonPayload.fn:*' --freshness=30d
                  --format=json > logs.json) or an emulators' log. Repeatable.

Figures: connection success rate (admitted consults that connected), median and p95 time to
connect, share of connected consults relayed through TURN, p95 round-trip time and packet loss.`;

const DAY = 86_400_000;

function parse(argv) {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        days: { type: 'string', default: '30' },
        json: { type: 'boolean', default: false },
        chart: { type: 'string', default: 'quality-report.svg' },
        'no-chart': { type: 'boolean', default: false },
        project: { type: 'string' },
        logs: { type: 'string', multiple: true },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (error) {
    throw usageError(`${error.message}\nRun \`npm run report -- --help\` for usage.`);
  }
  if (values.help) return { help: true };
  const days = Number(values.days);
  if (!Number.isInteger(days) || days < 1 || days > 366) throw usageError(`--days must be a whole number from 1 to 366, not "${values.days}".`);
  return { days, json: values.json, chart: values['no-chart'] ? null : values.chart, project: values.project, logs: values.logs ?? [] };
}

async function readInputs(db, sinceMs) {
  const { Timestamp } = admin.firestore();
  const audit = await db.collection('audit').where('action', '==', 'patient.admitted').where('atMs', '>=', sinceMs).get();
  const admissions = audit.docs
    .map((d) => d.data())
    .filter((e) => typeof e.consultId === 'string' && typeof e.atMs === 'number')
    .map((e) => ({ consultId: e.consultId, atMs: e.atMs }));
  const statsSnap = await db.collectionGroup('stats').where('updatedAt', '>=', Timestamp.fromMillis(sinceMs)).get();
  const stats = statsSnap.docs.map((d) => statsRow(d.ref.parent.parent.id, d.data()));
  return { admissions, stats };
}

await runCli(async () => {
  const opts = parse(process.argv.slice(2));
  if (opts.help) {
    process.stdout.write(`${HELP}\n`);
    return;
  }
  const { app, target } = await connect({ project: opts.project });
  const db = admin.firestore().getFirestore(app);
  const untilMs = Date.now();
  const sinceMs = untilMs - opts.days * DAY;
  const report = qualityReport({ ...(await readInputs(db, sinceMs)), sinceMs, untilMs });
  const functions = opts.logs.length ? functionReport(readLogs(opts.logs).filter((l) => l.timestampMs === null || l.timestampMs >= sinceMs)) : null;

  if (opts.chart) {
    const file = path.resolve(opts.chart);
    writeFileSync(file, renderChart(report));
    process.stderr.write(`Chart written to ${file}\n`);
  }
  if (opts.json) process.stdout.write(`${JSON.stringify({ source: target, ...report, ...(functions ? { functions } : {}) }, null, 2)}\n`);
  else {
    const logsPart = functions ? `\n\nFunctions (from ${opts.logs.join(', ')})\n\n${formatFunctionReport(functions)}` : '';
    process.stdout.write(`${formatReport(report)}${logsPart}\n\n(source: ${target})\n`);
  }
});
