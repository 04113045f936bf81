#!/usr/bin/env node
// `npm run audit:verify -- <consultId>` (or `--system`): checks that a consult's audit entries form
// one unbroken hash chain from genesis to the head stored in the consult, and says where it breaks.
// With `--file <path>`, also says whether that file (a wound photo or a recording the clinician
// kept) is the one whose hash the chain recorded; with `--anchor <path>`, whether the chain still
// holds the heads anchored outside Firestore (functions/src/audit/anchor.ts).
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { CliError, admin, connect, functionsLib, runCli, usageError } from './lib/admin-cli.mjs';
import { chainName, judgeChain, readChain } from './lib/audit-chain.mjs';

const HELP = `Usage: npm run audit:verify -- <consultId> [--file PATH] [--anchor PATH] [--project ID]
       npm run audit:verify -- --system [--anchor PATH] [--project ID]

Reads every audit entry of the consult (or of the system chain: user and role changes, purges),
recomputes each entry's hash and checks that the chain runs unbroken from genesis to the head
stored in consults/<consultId>.auditHead (or system/auditHead).

  --file PATH    Then check that this file (a wound photo or a recording kept on the clinician's
                 device) is one the consult's chain recorded: its SHA-256 and size must match a
                 photo.received or recording.stopped entry.
  --anchor PATH  Then check the chain against the heads anchored outside Firestore: PATH holds
                 the anchor log lines, as \`gcloud logging read\` prints them with --format=json,
                 or as the sink wrote them to the anchor bucket (one JSON entry per line). Every
                 anchor of this chain must name an entry the chain still has, with the same hash:
                 a chain rewritten after it was anchored (hashes and head recomputed together)
                 passes the check above but not this one.
  --system       Verify the system chain instead of a consult's.
  --project ID   A real Firebase project (GOOGLE_APPLICATION_CREDENTIALS); default: the local emulators.
  -h, --help     Show this help.

Prints "chain OK: N entries, head <hash>" and exits 0, or names the seq, event id and problem
where the chain breaks and exits 1 (also for an unknown consult). With --file, also prints
"file MATCHES …" with the entry that recorded it and exits 0, or "file NOT RECORDED …" with the
file's SHA-256 and exits 1 (also for a file that cannot be read). With --anchor, also prints
"anchors OK …" or "anchor MISMATCH …" (exit 1; also when PATH holds no anchor of this chain).
Exit code 2: wrong command line.`;

function parse(argv) {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: { system: { type: 'boolean' }, file: { type: 'string' }, anchor: { type: 'string' }, project: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
    });
  } catch (error) {
    throw usageError(`${error.message}\nRun \`npm run audit:verify -- --help\` for usage.`);
  }
  const { values, positionals } = parsed;
  if (values.help) return { help: true };
  if (values.system) {
    if (positionals.length) throw usageError('Give either a consult id or --system, not both.');
    if (values.file !== undefined) throw usageError("--file checks a file against a consult's chain: give a consult id, not --system.");
    if (values.anchor === '') throw usageError('--anchor needs the path of the anchor log file.');
    return { system: true, anchor: values.anchor, project: values.project };
  }
  if (positionals.length !== 1) throw usageError(`Give one consult id (or --system).\n\n${HELP}`);
  const consultId = positionals[0];
  if (!/^[A-Za-z0-9]{20}$/.test(consultId)) throw usageError(`"${consultId}" is not a consult id (20 letters and digits).`);
  if (values.file === '') throw usageError('--file needs the path of the photo or recording to check.');
  if (values.anchor === '') throw usageError('--anchor needs the path of the anchor log file.');
  return { system: false, consultId, file: values.file, anchor: values.anchor, project: values.project };
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

/**
 * The anchors in a file: a JSON array of log entries (`gcloud logging read --format=json`), or one
 * JSON value per line (the sink's files in the bucket, or the function's raw log lines). An anchor
 * is the `auditAnchor` object of an entry's jsonPayload, or of the line itself.
 */
async function readAnchors(file) {
  let text;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw new CliError(`Cannot read ${file}: ${error.code === 'ENOENT' ? 'no such file' : error.message}.`);
  }
  let values;
  const trimmed = text.trim();
  try {
    values = trimmed.startsWith('[') ? JSON.parse(trimmed) : trimmed.split('\n').filter((l) => l.trim()).map((l) => JSON.parse(l));
  } catch {
    throw new CliError(`${file} is not the anchor log: expected a JSON array of log entries, or one JSON entry per line.`);
  }
  const anchors = [];
  for (const value of Array.isArray(values) ? values : [values]) {
    const anchor = value?.jsonPayload?.auditAnchor ?? value?.auditAnchor;
    if (!anchor) continue;
    const { chain, seq, hash, anchoredAtMs } = anchor;
    if (typeof chain !== 'string' || !Number.isInteger(seq) || seq < 0 || typeof hash !== 'string' || !/^[0-9a-f]{64}$/.test(hash) || !Number.isFinite(anchoredAtMs)) {
      throw new CliError(`${file} has a malformed anchor: ${JSON.stringify(anchor).slice(0, 200)}.`);
    }
    anchors.push({ chain, seq, hash, anchoredAtMs });
  }
  return anchors;
}

/** Whether every anchor of this chain names an entry the (verified) chain still has, hash for hash. */
function checkAnchors(anchors, consultId, entries) {
  const chain = consultId ?? 'system';
  const mine = anchors.filter((a) => a.chain === chain).sort((a, b) => a.seq - b.seq || a.anchoredAtMs - b.anchoredAtMs);
  if (mine.length === 0) throw new CliError(`anchor MISSING: the file holds no anchor of ${chainName(consultId)}, so the chain cannot be checked against one.`);
  const bySeq = new Map(entries.map((e) => [e.seq, e]));
  for (const anchor of mine) {
    const when = new Date(anchor.anchoredAtMs).toISOString();
    const hashAt = anchor.seq === 0 ? functionsLib('audit/chain').GENESIS_HASH : bySeq.get(anchor.seq)?.hash;
    if (hashAt === undefined) {
      throw new CliError(`anchor MISMATCH (${chainName(consultId)}): anchored on ${when} at seq ${anchor.seq}, but the chain now ends at seq ${entries.length}: entries were removed since.`);
    }
    if (hashAt !== anchor.hash) {
      throw new CliError(`anchor MISMATCH (${chainName(consultId)}): anchored on ${when} with seq ${anchor.seq} = ${anchor.hash}, but the chain now has ${hashAt} there: it was rewritten after it was anchored.`);
    }
  }
  const last = mine[mine.length - 1];
  return `anchors OK: ${mine.length} anchor${mine.length === 1 ? '' : 's'} of ${chainName(consultId)} match the chain, the latest seq ${last.seq} anchored on ${new Date(last.anchoredAtMs).toISOString()}`;
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
  if (args.anchor !== undefined) console.log(checkAnchors(await readAnchors(args.anchor), consultId, entries));
});
