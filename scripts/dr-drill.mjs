#!/usr/bin/env node
// `npm run dr:drill`: the restore drill, on local emulators only. Seeds a realistic clinic day,
// exports it, wipes it, restores it into a fresh Firestore emulator and proves nothing was lost:
// every audit chain verifies and every collection has the same documents with the same content.
// `--verify-only` runs the checking half against any database (a real restore, with --project).
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { CliError, admin, connect, runCli, usageError } from './lib/admin-cli.mjs';
import { verifyEveryChain } from './lib/audit-chain.mjs';
import { seedDrillDay } from './lib/drill-day.mjs';
import { emulatorPorts, startEmulators } from './lib/emulators.mjs';
import { compareManifests, manifestOf, readDocuments } from './lib/firestore-content.mjs';

const HELP = `Usage: npm run dr:drill
       npm run dr:drill -- --verify-only [--project ID] [--database DB] [--manifest FILE] [--compare FILE]

The drill (local emulators only): seeds a clinic day into a project of its own on the Firestore
emulator (FIRESTORE_EMULATOR_HOST, or one it starts), exports it with the emulator's export,
wipes it, starts a fresh Firestore emulator with --import of that export, then verifies every
audit chain and compares each collection's document count and content hash with what was there
before. Prints how long the export and the restore took and what was lost. Exit 0 when nothing
was lost and every chain verifies, 1 otherwise.

  --verify-only    Only the checking half, against a database as it is: every audit chain, and
                   each collection's count and content hash.
  --project ID     A real Firebase project (GOOGLE_APPLICATION_CREDENTIALS); default: the local emulators.
  --database DB    A named database of that project (a restore goes into a new one); default: (default).
  --manifest FILE  Also write the counts and hashes (per collection and per document) to FILE.
  --compare FILE   Also compare with a manifest written earlier: a document missing or changed is a loss.
  --json           Print the report as JSON.
  --simulate-loss COLLECTION
                   (for the drill's own test) delete one document of COLLECTION (e.g. audit,
                   consults/{id}/consents) from the restored copy before comparing.
  -h, --help       Show this help.

Exit code 2: wrong command line.`;

// Our own source emulator (when none is given) and the fresh one: the suite's ports shifted by
// these. Firestore and its websocket are 30 apart, so a shift near 30 or near an offset people use
// (0, 7, 10: TC_PORT_OFFSET) would land on a running suite's port.
const SOURCE_SHIFT = 25;
const RESTORE_SHIFT = 45;

function parse(argv) {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      options: {
        'verify-only': { type: 'boolean' }, project: { type: 'string' }, database: { type: 'string' }, manifest: { type: 'string' },
        compare: { type: 'string' }, json: { type: 'boolean' }, 'simulate-loss': { type: 'string' }, help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (error) {
    throw usageError(`${error.message}\nRun \`npm run dr:drill -- --help\` for usage.`);
  }
  const { values } = parsed;
  if (values.help) return { help: true };
  if (!values['verify-only']) {
    for (const flag of ['project', 'database', 'manifest', 'compare']) {
      if (values[flag] !== undefined) throw usageError(`--${flag} belongs to --verify-only: the drill itself runs on local emulators only.`);
    }
  } else if (values['simulate-loss'] !== undefined) {
    throw usageError('--simulate-loss belongs to the drill, not to --verify-only.');
  }
  return { verifyOnly: !!values['verify-only'], project: values.project, database: values.database, manifest: values.manifest,
    compare: values.compare, json: !!values.json, simulateLoss: values['simulate-loss'] };
}

const seconds = (ms) => `${(ms / 1000).toFixed(1)} s`;

/** A Firestore client bound to one emulator: the SDK reads FIRESTORE_EMULATOR_HOST when it is made. */
function firestoreAt(host, projectId, name) {
  const saved = process.env.FIRESTORE_EMULATOR_HOST;
  process.env.FIRESTORE_EMULATOR_HOST = host;
  try {
    return admin.firestore().getFirestore(admin.app().initializeApp({ projectId }, name));
  } finally {
    if (saved === undefined) delete process.env.FIRESTORE_EMULATOR_HOST;
    else process.env.FIRESTORE_EMULATOR_HOST = saved;
  }
}

async function emulatorCall(host, method, urlPath, body) {
  let response;
  try {
    response = await fetch(`http://${host}${urlPath}`, {
      method, headers: { 'content-type': 'application/json' }, body: body && JSON.stringify(body), signal: AbortSignal.timeout(120_000),
    });
  } catch (error) {
    throw new CliError(`The Firestore emulator at ${host} did not answer ${method} ${urlPath}: ${error.message}.`);
  }
  if (!response.ok) throw new CliError(`The Firestore emulator at ${host} refused ${method} ${urlPath}: ${response.status} ${await response.text()}`);
}

/** The counts and hashes of a database, and the verdict on every audit chain in it. */
async function inspect(db) {
  const manifest = manifestOf(await readDocuments(db));
  const chains = await verifyEveryChain(db);
  return { manifest, chains };
}

function printTable(rows) {
  const width = Math.max(26, ...rows.map((r) => r.collection.length + 2));
  console.log(`${'collection'.padEnd(width)}${'before'.padStart(7)}${'after'.padStart(7)}  content`);
  for (const r of rows) {
    console.log(`${r.collection.padEnd(width)}${String(r.before).padStart(7)}${String(r.after).padStart(7)}  ${r.same ? 'same' : 'DIFFERS'}`);
  }
}

/** The lines that say what was lost; empty when nothing was. */
function losses(comparison, chains) {
  const list = (paths) => paths.slice(0, 20).join(', ') + (paths.length > 20 ? `, … (${paths.length - 20} more)` : '');
  const problems = [];
  if (comparison?.lost.length) problems.push(`${comparison.lost.length} document(s) lost: ${list(comparison.lost)}`);
  if (comparison?.changed.length) problems.push(`${comparison.changed.length} document(s) changed: ${list(comparison.changed)}`);
  for (const chain of chains.filter((c) => !c.ok)) problems.push(chain.line);
  return problems;
}

async function drill(args) {
  const cleanups = [];
  const cleanUp = async () => {
    while (cleanups.length) await cleanups.pop()().catch(() => {});
  };
  // An interrupted drill still stops its emulators and removes the export.
  const onSignal = (signal) => void cleanUp().finally(() => process.exit(signal === 'SIGINT' ? 130 : 143));
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    const base = emulatorPorts();
    let sourceHost = process.env.FIRESTORE_EMULATOR_HOST;
    if (!sourceHost) {
      process.stderr.write('Starting a Firestore emulator for the drill …\n');
      const source = await startEmulators({ only: ['firestore'], ports: emulatorPorts(base.offset + SOURCE_SHIFT), quiet: true });
      cleanups.push(source.stop);
      sourceHost = source.env.FIRESTORE_EMULATOR_HOST;
    }
    if (!/^(127\.0\.0\.1|localhost):\d+$/.test(sourceHost)) throw new CliError(`The drill runs on local emulators only, not on ${sourceHost}.`);
    // A project of its own: the wipe must never touch data of `npm start` or of other tests.
    const projectId = `demo-drdrill-${randomBytes(4).toString('hex')}`;
    const source = firestoreAt(sourceHost, projectId, 'drill-source');
    const day = await seedDrillDay(source);
    const before = await inspect(source);

    const exportRoot = mkdtempSync(path.join(os.tmpdir(), 'tc-drdrill-'));
    cleanups.push(async () => rmSync(exportRoot, { recursive: true, force: true }));
    // The emulator's own export endpoint, not `firebase emulators:export`: that one exports the
    // suite's project (demo-teleconsulta) and every emulator of it, while the drill's data lives in
    // a project of its own; the endpoint needs nothing but the running emulator, so it works offline.
    const database = `projects/${projectId}/databases/(default)`;
    const exportStarted = Date.now();
    await emulatorCall(sourceHost, 'POST', `/emulator/v1/projects/${projectId}:export`, { database, export_directory: exportRoot, export_name: 'firestore_export' });
    const exportMs = Date.now() - exportStarted;

    await emulatorCall(sourceHost, 'DELETE', `/emulator/v1/projects/${projectId}/databases/(default)/documents`);
    const left = (await readDocuments(source)).size;
    if (left !== 0) throw new CliError(`The wipe left ${left} document(s) in ${projectId}: the drill cannot show a restore from nothing.`);

    const restoreStarted = Date.now();
    let fresh;
    try {
      fresh = await startEmulators({ only: ['firestore'], ports: emulatorPorts(base.offset + RESTORE_SHIFT), quiet: true, import: path.join(exportRoot, 'firestore_export') });
    } catch (error) {
      throw new CliError(`The restore failed: a fresh Firestore emulator did not start from the export.\n${error.message}`);
    }
    cleanups.push(fresh.stop);
    const restored = firestoreAt(fresh.env.FIRESTORE_EMULATOR_HOST, projectId, 'drill-restored');
    // The restore is done when the first read answers from the imported data.
    await restored.collection('consults').limit(1).get();
    const restoreMs = Date.now() - restoreStarted;

    if (args.simulateLoss) await simulateLoss(restored, args.simulateLoss, before.manifest);
    const after = await inspect(restored);
    const comparison = compareManifests(before.manifest, after.manifest);
    const problems = [...losses(comparison, after.chains)];
    if (after.chains.length < before.chains.length) problems.push(`only ${after.chains.length} of ${before.chains.length} audit chains were found after the restore`);
    if (before.chains.some((c) => !c.ok)) problems.push('the seeded day itself had a broken chain (a bug in the drill)');

    const report = {
      ok: problems.length === 0, projectId, seeded: day, exportMs, restoreMs,
      documents: { before: before.manifest.count, after: after.manifest.count, sha256Before: before.manifest.sha256, sha256After: after.manifest.sha256 },
      collections: comparison.rows, lost: comparison.lost, changed: comparison.changed, added: comparison.added,
      chains: { verified: after.chains.filter((c) => c.ok).length, broken: after.chains.filter((c) => !c.ok).map((c) => c.line) },
      problems,
    };
    if (args.json) {
      console.log(JSON.stringify(report, null, 2));
    } else {
      console.log(`Restore drill on local emulators (project ${projectId})`);
      console.log(`seeded   ${day.consults} consults, ${day.auditEntries} audit entries, ${before.manifest.count} documents`);
      console.log(`export   ${seconds(exportMs)} (the emulator's export endpoint, ${sourceHost})`);
      console.log(`restore  ${seconds(restoreMs)} (a fresh Firestore emulator on ${fresh.env.FIRESTORE_EMULATOR_HOST} started with --import, to its first read)\n`);
      printTable(comparison.rows);
      console.log(`${'whole database'.padEnd(26)}${String(before.manifest.count).padStart(7)}${String(after.manifest.count).padStart(7)}  ${comparison.same ? 'same' : 'DIFFERS'} (sha256 ${after.manifest.sha256})\n`);
      console.log(`chains   ${report.chains.verified} verified (every consult's and the system chain), ${report.chains.broken.length} broken`);
      console.log(`lost     ${problems.length ? problems.length + ' problem(s), below' : 'nothing'}`);
    }
    if (problems.length) throw new CliError(`The restore lost data:\n- ${problems.join('\n- ')}`);
  } finally {
    process.removeListener('SIGINT', onSignal);
    process.removeListener('SIGTERM', onSignal);
    await cleanUp();
  }
}

/** Deletes the first document (by path) of a collection from the restored copy, as a restore that dropped it. */
async function simulateLoss(db, collection, manifest) {
  const victim = Object.keys(manifest.documents).sort().find((p) => p.split('/').slice(0, -1).map((s, i) => (i % 2 ? '{id}' : s)).join('/') === collection);
  if (!victim) throw usageError(`--simulate-loss: the seeded day has no document in ${collection}.`);
  await db.doc(victim).delete();
}

async function verifyOnly(args) {
  const { app, target } = await connect({ project: args.project });
  const db = args.database ? admin.firestore().getFirestore(app, args.database) : admin.firestore().getFirestore(app);
  const started = Date.now();
  const { manifest, chains } = await inspect(db);
  let comparison = null;
  if (args.compare) {
    let earlier;
    try {
      earlier = JSON.parse(readFileSync(args.compare, 'utf8'));
    } catch (error) {
      throw new CliError(`Cannot read the manifest ${args.compare}: ${error.code === 'ENOENT' ? 'no such file' : error.message}.`);
    }
    comparison = compareManifests(earlier, manifest);
  }
  if (args.manifest) writeFileSync(args.manifest, JSON.stringify({ target, database: args.database ?? '(default)', takenAt: new Date().toISOString(), ...manifest }, null, 1), { mode: 0o600 });
  const problems = losses(comparison, chains);
  if (args.json) {
    console.log(JSON.stringify({ ok: problems.length === 0, target, database: args.database ?? '(default)', count: manifest.count, sha256: manifest.sha256,
      collections: manifest.collections, chains: { verified: chains.filter((c) => c.ok).length, broken: chains.filter((c) => !c.ok).map((c) => c.line) },
      ...(comparison ? { lost: comparison.lost, changed: comparison.changed, added: comparison.added } : {}), problems }, null, 2));
  } else {
    console.log(`Verifying ${target}, database ${args.database ?? '(default)'} (${seconds(Date.now() - started)})`);
    if (comparison) printTable(comparison.rows);
    else for (const [name, c] of Object.entries(manifest.collections)) console.log(`${name.padEnd(32)}${String(c.count).padStart(7)}  ${c.sha256}`);
    console.log(`${'whole database'.padEnd(32)}${String(manifest.count).padStart(7)}  ${manifest.sha256}`);
    console.log(`chains   ${chains.filter((c) => c.ok).length} verified, ${chains.filter((c) => !c.ok).length} broken`);
    if (comparison) console.log(`lost     ${comparison.lost.length + comparison.changed.length ? 'see below' : 'nothing'} (${comparison.added.length} document(s) added since the manifest)`);
  }
  if (problems.length) throw new CliError(`The database does not hold what it should:\n- ${problems.join('\n- ')}`);
}

await runCli(async () => {
  const args = parse(process.argv.slice(2));
  if (args.help) return console.log(HELP);
  if (args.verifyOnly) await verifyOnly(args);
  else await drill(args);
});
