#!/usr/bin/env node
// `npm run consult -- end <consultId> --as <admin e-mail>`: an administrator ends any consult, an
// admitted one included (a call left running, a clinician who cannot be reached). The work is
// done by functions/src/consults/end.ts (compiled): the same transaction as the clinician's
// button, so the call ends on both sides, the signaling goes with it, a recording is cut, and
// the audit entry names the administrator.
import { parseArgs } from 'node:util';
import { CliError, admin, connect, functionsLib, runCli, usageError } from './lib/admin-cli.mjs';

const HELP = `Usage: npm run consult -- end <consultId> --as <admin e-mail> [--project ID]

  end <consultId> --as EMAIL
        End the consult now, whatever its state (scheduled, waiting, admitted), as the
        administrator EMAIL (an account with the admin role: npm run users -- grant).
        Both sides' screens show that it ended; the entry in its audit chain names you.

Options:
  --project ID   A real Firebase project, with GOOGLE_APPLICATION_CREDENTIALS; a demo-… id
                 is read on the local emulators. Default: the emulators of \`npm start\`.
  -h, --help     Show this help.

The consult's id is the last part of its address (/consults/<id>) or its document id in the
Firebase console. Exit codes: 0 ended, 1 refused or failed, 2 wrong command line.`;

function parse(argv) {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: { as: { type: 'string' }, project: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
    });
  } catch (error) {
    throw usageError(`${error.message}\nRun \`npm run consult -- --help\` for usage.`);
  }
  const { values, positionals } = parsed;
  if (values.help) return { help: true };
  const [command, consultId, ...extra] = positionals;
  if (!command) throw usageError(`Say what to do: end.\n\n${HELP}`);
  if (command !== 'end') throw usageError(`Unknown command "${command}": use end (see --help).`);
  if (!consultId) throw usageError('end needs the consult id.');
  if (!/^[A-Za-z0-9]{20}$/.test(consultId)) throw usageError(`"${consultId}" is not a consult id (20 letters and digits).`);
  if (extra.length) throw usageError(`Unexpected argument "${extra[0]}" (see --help).`);
  if (!values.as) throw usageError('Say who you are: --as <your admin e-mail> (the audit entry names you).');
  return { consultId, as: values.as.trim().toLowerCase(), project: values.project };
}

await runCli(async () => {
  const opts = parse(process.argv.slice(2));
  if (opts.help) {
    process.stdout.write(`${HELP}\n`);
    return;
  }
  const { app, target } = await connect({ project: opts.project });
  const auth = admin.auth().getAuth(app);
  const user = await auth.getUserByEmail(opts.as).catch(() => null);
  if (!user) throw new CliError(`No account ${opts.as} on ${target}.`);
  if (user.disabled) throw new CliError(`${opts.as} is disabled: it cannot end consults.`);
  if (user.customClaims?.role !== 'admin') throw new CliError(`${opts.as} is not an administrator (npm run users -- grant --email … --role admin).`);
  const db = admin.firestore().getFirestore(app);
  const { endConsultWith } = functionsLib('consults/end');
  const { AppError } = functionsLib('lib/errors');
  try {
    await endConsultWith(db, { now: () => Date.now() }, {
      data: { consultId: opts.consultId },
      caller: { uid: user.uid, role: 'admin', anonymous: false, professional: null },
      request: { ipPrefix: null, userAgent: 'consult-cli' },
    });
  } catch (error) {
    if (error instanceof AppError) throw new CliError(`Not ended: ${error.message}`);
    throw error;
  }
  process.stdout.write(`Ended consult ${opts.consultId} on ${target} as ${opts.as}; recorded as consult.ended (endReason admin) in its audit chain.\n`);
});
