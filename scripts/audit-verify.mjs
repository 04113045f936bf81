#!/usr/bin/env node
// `npm run audit:verify -- <consultId>` (or `--system`): checks that a consult's audit entries form
// one unbroken hash chain from genesis to the head stored in the consult, and says where it breaks.
import { parseArgs } from 'node:util';
import { CliError, admin, connect, functionsLib, runCli, usageError } from './lib/admin-cli.mjs';

const HELP = `Usage: npm run audit:verify -- <consultId> [--project ID]
       npm run audit:verify -- --system [--project ID]

Reads every audit entry of the consult (or of the system chain: user and role changes, purges),
recomputes each entry's hash and checks that the chain runs unbroken from genesis to the head
stored in consults/<consultId>.auditHead (or system/auditHead).

  --system       Verify the system chain instead of a consult's.
  --project ID   A real Firebase project (GOOGLE_APPLICATION_CREDENTIALS); default: the local emulators.
  -h, --help     Show this help.

Prints "chain OK: N entries, head <hash>" and exits 0, or names the seq, event id and problem
where the chain breaks and exits 1 (also for an unknown consult). Exit code 2: wrong command line.`;

function parse(argv) {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: { system: { type: 'boolean' }, project: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
    });
  } catch (error) {
    throw usageError(`${error.message}\nRun \`npm run audit:verify -- --help\` for usage.`);
  }
  const { values, positionals } = parsed;
  if (values.help) return { help: true };
  if (values.system) {
    if (positionals.length) throw usageError('Give either a consult id or --system, not both.');
    return { system: true, project: values.project };
  }
  if (positionals.length !== 1) throw usageError(`Give one consult id (or --system).\n\n${HELP}`);
  const consultId = positionals[0];
  if (!/^[A-Za-z0-9]{20}$/.test(consultId)) throw usageError(`"${consultId}" is not a consult id (20 letters and digits).`);
  return { system: false, consultId, project: values.project };
}

/** The chain's entries (with their event ids) and the head its owner document records, read at one instant. */
async function readChain(db, args) {
  const { NO_HEAD, systemHeadRef } = functionsLib('audit/append');
  const headRef = args.system ? systemHeadRef(db) : db.collection('consults').doc(args.consultId);
  const query = db.collection('audit').where('consultId', '==', args.system ? null : args.consultId);
  // One read-only transaction: an entry appended meanwhile cannot make a sound chain look broken.
  const [headSnap, entries] = await db.runTransaction((tx) => Promise.all([tx.get(headRef), tx.get(query)]), { readOnly: true });
  let head;
  if (args.system) {
    head = headSnap.exists ? headSnap.data() : NO_HEAD;
  } else {
    if (!headSnap.exists) throw new CliError(`Unknown consult ${args.consultId}: there is no consults/${args.consultId}.`);
    head = headSnap.data().auditHead;
    if (!head || typeof head.seq !== 'number' || typeof head.hash !== 'string') {
      throw new CliError(`consults/${args.consultId} has no valid auditHead, so its chain cannot be checked against it.`);
    }
  }
  return { head: { seq: head.seq, hash: head.hash }, entries: entries.docs.map((doc) => ({ ...doc.data(), id: doc.id })) };
}

await runCli(async () => {
  const args = parse(process.argv.slice(2));
  if (args.help) {
    console.log(HELP);
    return;
  }
  const { app } = await connect({ project: args.project });
  const db = admin.firestore().getFirestore(app);
  const { verifyChain } = functionsLib('audit/chain');
  const { head, entries } = await readChain(db, args);
  const result = verifyChain(entries, head);
  const which = args.system ? 'system chain' : `consult ${args.consultId}`;
  if (!result.ok) {
    throw new CliError(`chain BROKEN (${which}) at seq ${result.atSeq}${result.eventId ? `, event ${result.eventId}` : ''}: ${result.problem}.`);
  }
  console.log(`chain OK: ${result.length} entries, head ${result.head} (${which})`);
});
