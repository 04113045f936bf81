#!/usr/bin/env node
// `npm run subject -- export|erase <patientUid>`: LGPD data-subject requests for a patient.
// The work is done by functions/src/ops/subject.ts (compiled), so the audit entries are chained
// by exactly the code the functions run.
import { writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { CliError, admin, connect, functionsLib, runCli, usageError } from './lib/admin-cli.mjs';

const HELP = `Usage: npm run subject -- <command> <patientUid> [options]

Commands:
  export <patientUid> [--out FILE]
        Write everything held about the patient as JSON (LGPD art. 18 II): the account, each
        consult (with the patient's identification), consent and withdrawal, clinical note and
        addenda, call stats, signaling data, invite binding and audit entries. Default file: subject-<patientUid>.json (readable by you only).
  erase <patientUid> --yes
        Erase what may be erased (LGPD art. 18 VI): call stats, signaling data, the invite
        binding and the account. Keeps, as the law requires, the consult records (with the
        patient's identification and the clinical note), consents and audit entries for the clinical-record retention (docs/operations.md). Recorded in
        the audit log. Refused while the patient has an open consult.

Options:
  --project ID   A real Firebase project, with GOOGLE_APPLICATION_CREDENTIALS; a demo-… id
                 is read on the local emulators. Default: the emulators of \`npm start\`.
  -h, --help     Show this help.

The patient's uid is in the consult (patientUid) in the Firebase console.
Exit codes: 0 done, 1 failed, 2 wrong command line.`;

const COMMANDS = ['export', 'erase'];

function parse(argv) {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        out: { type: 'string' },
        yes: { type: 'boolean', default: false },
        project: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (error) {
    throw usageError(`${error.message}\nRun \`npm run subject -- --help\` for usage.`);
  }
  const { values, positionals } = parsed;
  if (values.help) return { help: true };
  const [command, uid, ...extra] = positionals;
  if (!command) throw usageError(`Say what to do: export or erase.\n\n${HELP}`);
  if (!COMMANDS.includes(command)) throw usageError(`Unknown command "${command}": use export or erase (see --help).`);
  if (!uid) throw usageError(`${command} needs the patient's uid (patientUid of their consult).`);
  if (!/^[A-Za-z0-9_-]{1,128}$/.test(uid)) throw usageError(`"${uid}" is not a Firebase uid (letters, digits, - and _).`);
  if (extra.length) throw usageError(`Unexpected argument "${extra[0]}" (see --help).`);
  if (command === 'erase' && !values.yes) throw usageError('erase cannot be undone: add --yes to confirm.');
  return { command, uid, out: values.out ?? `subject-${uid}.json`, project: values.project };
}

function operator() {
  try {
    return os.userInfo().username.slice(0, 64);
  } catch {
    return null;
  }
}

await runCli(async () => {
  const opts = parse(process.argv.slice(2));
  if (opts.help) {
    process.stdout.write(`${HELP}\n`);
    return;
  }
  const { app, target } = await connect({ project: opts.project });
  const db = admin.firestore().getFirestore(app);
  const auth = admin.auth().getAuth(app);
  const { exportSubject, eraseSubject, SubjectRequestError } = functionsLib('ops/subject');
  const clock = { now: () => Date.now() };

  if (opts.command === 'export') {
    const data = await exportSubject(db, auth, opts.uid, clock);
    const file = path.resolve(opts.out);
    // Personal data: readable by the person who ran the export only.
    writeFileSync(file, `${JSON.stringify(data, null, 2)}\n`, { mode: 0o600 });
    process.stdout.write(`Exported ${data.consults.length} consult(s), ${data.auditEntries.length} audit entries` +
      `${data.account ? ' and the account' : ' (no account: already erased or never created)'} of ${opts.uid} from ${target} to ${file}\n`);
    return;
  }

  try {
    const r = await eraseSubject(db, auth, opts.uid, clock, { via: 'subject-cli', operator: operator() });
    process.stdout.write(
      `Erased for ${opts.uid} on ${target}: ${r.statsDeleted} call-stats, ${r.signalingDeleted} signaling and ` +
        `${r.invitesDeleted} invite document(s); account ${r.accountDeleted ? 'deleted' : 'not found'}.\n` +
        `Kept for the clinical-record retention (20 years, Lei 13.787/2018; LGPD art. 16 I): ${r.kept.consults} consult record(s), ` +
        `${r.kept.identities} patient identification(s), ${r.kept.notes} clinical note(s), ${r.kept.consents} consent document(s), ` +
        `${r.kept.media} photo and recording record(s) (hashes; the files are with the clinician) and their audit entries.\n` +
        'Recorded as subject.erased in the audit log.\n',
    );
  } catch (error) {
    if (error instanceof SubjectRequestError) throw new CliError(error.message);
    throw error;
  }
});
