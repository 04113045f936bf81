#!/usr/bin/env node
// `npm run users -- <command>`: clinician and admin accounts. Roles are custom claims, which the
// Firebase console cannot set; every change is appended to the system audit chain.
import { randomBytes } from 'node:crypto';
import os from 'node:os';
import { parseArgs } from 'node:util';
import { CliError, admin, connect, functionsLib, runCli, usageError } from './lib/admin-cli.mjs';

const HELP = `Usage: npm run users -- <command> [options]

Commands:
  add --email E --role clinician|admin [--password P]
                     Create an account with a role. Without --password a strong one is
                     generated and printed once: hand it over privately.
  grant --email E --role clinician|admin
                     Give an existing account a role (replacing the one it had).
  revoke --email E   Remove the account's role and sign it out everywhere; the account stays.
  list               Accounts with an e-mail: email, uid, role (anonymous patients are counted, not listed).

Options:
  --project ID       Act on a real Firebase project, with the service-account key named by
                     GOOGLE_APPLICATION_CREDENTIALS. Without it: the local emulators
                     (FIREBASE_AUTH_EMULATOR_HOST / FIRESTORE_EMULATOR_HOST, else the ports of \`npm start\`).
  -h, --help         Show this help.

Exit codes: 0 done, 1 failed (e.g. no such user), 2 wrong command line.`;

const ROLES = ['clinician', 'admin'];
const COMMANDS = ['add', 'grant', 'revoke', 'list'];
const MIN_PASSWORD = 10;

function parse(argv) {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        email: { type: 'string' },
        role: { type: 'string' },
        password: { type: 'string' },
        project: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (error) {
    throw usageError(`${error.message}\nRun \`npm run users -- --help\` for usage.`);
  }
  const { values, positionals } = parsed;
  if (values.help) return { help: true };
  const [command, ...extra] = positionals;
  if (!command) throw usageError(`Say what to do: one of ${COMMANDS.join(', ')}.\n\n${HELP}`);
  if (!COMMANDS.includes(command)) throw usageError(`Unknown command "${command}": use one of ${COMMANDS.join(', ')} (see --help).`);
  if (extra.length) throw usageError(`Unexpected argument "${extra[0]}" (see --help).`);

  const email = values.email?.trim().toLowerCase();
  if (command !== 'list') {
    if (!email) throw usageError(`${command} needs --email.`);
    if (!/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(email) || email.length > 254) throw usageError(`"${values.email}" is not an e-mail address.`);
  }
  if (command === 'add' || command === 'grant') {
    if (!values.role) throw usageError(`${command} needs --role (${ROLES.join(' or ')}).`);
    if (!ROLES.includes(values.role)) throw usageError(`Invalid role "${values.role}": use ${ROLES.join(' or ')}.`);
  } else if (values.role) {
    throw usageError(`${command} takes no --role.`);
  }
  if (values.password !== undefined) {
    if (command !== 'add') throw usageError('Only add takes --password.');
    if (values.password.length < MIN_PASSWORD) throw usageError(`The password must have at least ${MIN_PASSWORD} characters.`);
  }
  return { command, email, role: values.role, password: values.password, project: values.project };
}

function operator() {
  try {
    return os.userInfo().username.slice(0, 64);
  } catch {
    return null;
  }
}

/** Appends a 'user.added' / 'role.granted' / 'role.revoked' entry to the system audit chain. */
async function audit(db, action, details) {
  const { appendSystemAudit } = functionsLib('audit/append');
  try {
    await appendSystemAudit(db, {
      action,
      actor: { uid: null, role: 'system' },
      atMs: Date.now(),
      details: { ...details, via: 'users-cli', operator: operator() },
    });
  } catch (error) {
    // Auth and Firestore share no transaction: say loudly that the change stands unaudited.
    throw new CliError(`The change was made, but its audit entry (${action}, uid ${details.targetUid}) could not be written: ` +
      `${error instanceof Error ? error.message : String(error)}. Record it by hand in the audit log.`);
  }
}

async function userByEmail(auth, email) {
  try {
    return await auth.getUserByEmail(email);
  } catch (error) {
    if (error?.code === 'auth/user-not-found') throw new CliError(`No account with the e-mail ${email}. Create it with \`npm run users -- add --email ${email} --role clinician\`.`);
    throw error;
  }
}

const roleOf = (user) => (typeof user.customClaims?.role === 'string' ? user.customClaims.role : null);

async function add(auth, db, { email, role, password }) {
  const chosen = password ?? randomBytes(15).toString('base64url');
  let user;
  try {
    user = await auth.createUser({ email, password: chosen, emailVerified: true });
  } catch (error) {
    if (error?.code === 'auth/email-already-exists') {
      throw new CliError(`An account with the e-mail ${email} already exists; to change its role use \`npm run users -- grant --email ${email} --role ${role}\`.`);
    }
    if (error?.code === 'auth/invalid-password') throw usageError(`The password was refused: ${error.message}`);
    throw error;
  }
  try {
    await auth.setCustomUserClaims(user.uid, { role });
  } catch (error) {
    await auth.deleteUser(user.uid).catch(() => undefined);
    throw error;
  }
  await audit(db, 'user.added', { targetUid: user.uid, role });
  console.log(`Added ${email} as ${role} (uid ${user.uid}).`);
  if (!password) console.log(`Password: ${chosen}\n(shown only now: hand it over privately and ask for it to be changed.)`);
}

async function grant(auth, db, { email, role }) {
  const user = await userByEmail(auth, email);
  const previousRole = roleOf(user);
  if (previousRole === role) {
    console.log(`${email} is already ${role}; nothing changed.`);
    return;
  }
  await auth.setCustomUserClaims(user.uid, { ...(user.customClaims ?? {}), role });
  await audit(db, 'role.granted', { targetUid: user.uid, role, previousRole });
  console.log(`${email} (uid ${user.uid}) is now ${role}${previousRole ? ` (was ${previousRole})` : ''}. It takes effect at the next sign-in or within an hour.`);
}

async function revoke(auth, db, { email }) {
  const user = await userByEmail(auth, email);
  const previousRole = roleOf(user);
  if (!previousRole) {
    console.log(`${email} has no role; nothing changed.`);
    return;
  }
  const { role: _removed, ...rest } = user.customClaims ?? {};
  await auth.setCustomUserClaims(user.uid, Object.keys(rest).length ? rest : null);
  // Signed-in sessions keep their ID token's claim until it expires; end them now.
  await auth.revokeRefreshTokens(user.uid);
  await audit(db, 'role.revoked', { targetUid: user.uid, previousRole });
  console.log(`${email} (uid ${user.uid}) no longer has a role (was ${previousRole}) and was signed out.`);
}

async function list(auth) {
  const rows = [];
  let anonymous = 0;
  let pageToken;
  do {
    const page = await auth.listUsers(1000, pageToken);
    for (const user of page.users) {
      if (!user.email) anonymous++;
      else rows.push({ email: user.email, uid: user.uid, role: roleOf(user) ?? '-' });
    }
    pageToken = page.pageToken;
  } while (pageToken);
  rows.sort((a, b) => a.email.localeCompare(b.email));
  const width = (key, title) => Math.max(title.length, ...rows.map((r) => r[key].length));
  const [we, wu] = [width('email', 'EMAIL'), width('uid', 'UID')];
  console.log(`${'EMAIL'.padEnd(we)}  ${'UID'.padEnd(wu)}  ROLE`);
  for (const r of rows) console.log(`${r.email.padEnd(we)}  ${r.uid.padEnd(wu)}  ${r.role}`);
  console.log(`${rows.length} account${rows.length === 1 ? '' : 's'}${anonymous ? `, plus ${anonymous} anonymous patient session${anonymous === 1 ? '' : 's'} not listed` : ''}.`);
}

await runCli(async () => {
  const args = parse(process.argv.slice(2));
  if (args.help) {
    console.log(HELP);
    return;
  }
  const { app } = await connect({ project: args.project });
  const auth = admin.auth().getAuth(app);
  const db = admin.firestore().getFirestore(app);
  if (args.command === 'add') await add(auth, db, args);
  else if (args.command === 'grant') await grant(auth, db, args);
  else if (args.command === 'revoke') await revoke(auth, db, args);
  else await list(auth);
});
