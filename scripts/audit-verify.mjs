#!/usr/bin/env node
// `npm run audit:verify -- <consultId>` (or `--system`): checks that a consult's audit entries form
// one unbroken hash chain from genesis to the head stored in the consult, and says where it breaks.
// With `--file <path>`, also says whether that file (a wound photo or a recording the clinician
// kept) is the one whose hash the chain recorded.
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { CliError, admin, connect, runCli, usageError } from './lib/admin-cli.mjs';
import { judgeChain, readChain } from './lib/audit-chain.mjs';

const HELP = `Usage: npm run audit:verify -- <consultId> [--file PATH] [--project ID]
       npm run audit:verify -- --system [--project ID]

Reads every audit entry of the consult (or of the system chain: user and role changes, purges),
recomputes each entry's hash and checks that the chain runs unbroken from genesis to the head
stored in consults/<consultId>.auditHead (or system/auditHead).

  --file PATH    Then check that this file (a wound photo or a recording kept on the clinician's
                 device) is one the consult's chain recorded: its SHA-256 and size must match a
                 photo.received or recording.stopped entry.
  --system       Verify the system chain instead of a consult's.
  --project ID   A real Firebase project (GOOGLE_APPLICATION_CREDENTIALS); default: the local emulators.
  -h, --help     Show this help.

Prints "chain OK: N entries, head <hash>" and exits 0, or names the seq, event id and problem
where the chain breaks and exits 1 (also for an unknown consult). With --file, also prints
"file MATCHES …" with the entry that recorded it and exits 0, or "file NOT RECORDED …" with the
file's SHA-256 and exits 1 (also for a file that cannot be read). Exit code 2: wrong command line.`;

function parse(argv) {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: { system: { type: 'boolean' }, file: { type: 'string' }, project: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
    });
  } catch (error) {
    throw usageError(`${error.message}\nRun \`npm run audit:verify -- --help\` for usage.`);
  }
  const { values, positionals } = parsed;
  if (values.help) return { help: true };
  if (values.system) {
    if (positionals.length) throw usageError('Give either a consult id or --system, not both.');
    if (values.file !== undefined) throw usageError("--file checks a file against a consult's chain: give a consult id, not --system.");
    return { system: true, project: values.project };
  }
  if (positionals.length !== 1) throw usageError(`Give one consult id (or --system).\n\n${HELP}`);
  const consultId = positionals[0];
  if (!/^[A-Za-z0-9]{20}$/.test(consultId)) throw usageError(`"${consultId}" is not a consult id (20 letters and digits).`);
  if (values.file === '') throw usageError('--file needs the path of the photo or recording to check.');
  return { system: false, consultId, file: values.file, project: values.project };
}

/** The file's SHA-256 (read as a stream: a recording may be gigabytes) and size. */
async function fingerprint(file) {
  let info;
  try {
    info = await stat(file);
  } catch (error) {
    throw new CliError(`Cannot read ${file}: ${error.code === 'ENOENT' ? 'no such file' : error.message}.`);
  }
  if (!info.isFile()) throw new CliError(`Cannot read ${file}: it is not a file.`);
  const hash = createHash('sha256');
  try {
    for await (const chunk of createReadStream(file)) hash.update(chunk);
  } catch (error) {
    throw new CliError(`Cannot read ${file}: ${error.message}.`);
  }
  return { sha256: hash.digest('hex'), bytes: info.size };
}

const MEDIA_ACTIONS = new Set(['photo.received', 'recording.stopped']);

function describeMedia(entry) {
  const c = entry.context;
  const when = new Date(entry.atMs).toISOString();
  const what =
    entry.action === 'photo.received'
      ? `photo${c.site ? ` of "${c.site}"` : ''}, ${c.bytes} bytes, ${c.width}×${c.height} px${c.requested === false ? ', sent by the patient unasked' : ''}`
      : `recording, ${c.bytes} bytes, ${Math.round(c.durationMs / 1000)} s (${c.durationMs} ms)${c.mimeType ? `, ${c.mimeType}` : ''}`;
  return `${entry.action} at seq ${entry.seq}, ${when}: ${what}`;
}

/** Whether the file is a photo or recording this consult's (verified) chain recorded. */
async function checkFile(file, consultId, entries) {
  const { sha256, bytes } = await fingerprint(file);
  const recorded = entries.filter((e) => MEDIA_ACTIONS.has(e.action) && e.context?.sha256 === sha256).sort((a, b) => a.seq - b.seq);
  const entry = recorded.find((e) => e.context.bytes === bytes);
  if (!entry) {
    const sizes = recorded.length ? ` (an entry has its hash but records ${recorded[0].context.bytes} bytes, not ${bytes})` : '';
    throw new CliError(`file NOT RECORDED: ${file} (sha256 ${sha256}, ${bytes} bytes) is not a photo or recording recorded in consult ${consultId}'s chain${sizes}.`);
  }
  return `file MATCHES: ${file} (sha256 ${sha256}) is the ${describeMedia(entry)}`;
}

await runCli(async () => {
  const args = parse(process.argv.slice(2));
  if (args.help) {
    console.log(HELP);
    return;
  }
  const { app } = await connect({ project: args.project });
  const db = admin.firestore().getFirestore(app);
  const consultId = args.system ? null : args.consultId;
  const { head, entries } = await readChain(db, consultId);
  console.log(judgeChain(consultId, entries, head).line);
  if (args.file !== undefined) console.log(await checkFile(args.file, args.consultId, entries));
});
