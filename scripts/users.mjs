#!/usr/bin/env node
// `npm run users -- <command>`: clinician and admin accounts. Roles are custom claims, which the
// Firebase console cannot set; every change is appended to the system audit chain.
import { randomBytes } from 'node:crypto';
import os from 'node:os';
import { parseArgs } from 'node:util';
import { CliError, admin, connect, functionsLib, runCli, usageError } from './lib/admin-cli.mjs';

const HELP = `Usage: npm run users -- <command> [options]

Commands:
  add --email E --role clinician|admin [--name N --council C --number X --uf UF] [--password P]
                     Create an account with a role. A clinician needs the professional
                     details (CFM 2.314/2022: the patient must know who treats them); an
                     admin may have them. Without --password a strong one is generated and
                     printed once: hand it over privately.
  grant --email E --role clinician|admin [--name N --council C --number X --uf UF]
                     Give an existing account a role (replacing the one it had). Granting
                     clinician to an account without professional details needs all four.
  update --email E [--name N] [--council C] [--number X] [--uf UF]
                     Change the given professional details, keeping the others and the role.
  revoke --email E [--keep-enabled]
                     Remove the account's role, sign it out everywhere and end its sessions'
                     access at once (their tokens are refused from now, although they have not
                     expired), and disable the account. With --keep-enabled the account stays
                     usable without a role (someone who stays on as staff of another kind); it
                     sees none of its consults either way. The professional details stay.
  second-factor --email E --phone +55DDNNNNNNNNN
                     Require a code sent by SMS to that phone at every sign-in (multi-factor
                     authentication), in place of any phone the account had.
  second-factor --email E --remove
                     Sign in with the password alone again (a lost phone: remove, then set the new one).
  list               Accounts with an e-mail: email, uid, role, registration, second factor
                     (anonymous patients are counted, not listed).

Professional details:
  --name N           As the patient sees it, title included: "Enf. Ana Souza".
  --council C        The regional council: CRM, COREN, CREFITO, CRO, … (a wrong one lists them all).
  --number X         The council registration number, with its category suffix if any: 123456-ENF.
  --uf UF            The council's state: SP, RJ, …
                     Council, number and UF are accepted in any case and stored upper-case.

Options:
  --project ID       Act on a real Firebase project, with the service-account key named by
                     GOOGLE_APPLICATION_CREDENTIALS. Without it: the local emulators
                     (FIREBASE_AUTH_EMULATOR_HOST / FIRESTORE_EMULATOR_HOST, else the ports of \`npm start\`).
  -h, --help         Show this help.

Exit codes: 0 done, 1 failed (e.g. no such user), 2 wrong command line.`;

const ROLES = ['clinician', 'admin'];
const COMMANDS = ['add', 'grant', 'update', 'revoke', 'second-factor', 'list'];
const MIN_PASSWORD = 10;
const PRO_FIELDS = ['name', 'council', 'number', 'uf'];
const PRO_FLAGS = PRO_FIELDS.map((field) => `--${field}`).join(', ');

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
        name: { type: 'string' },
        council: { type: 'string' },
        number: { type: 'string' },
        uf: { type: 'string' },
        project: { type: 'string' },
        'keep-enabled': { type: 'boolean', default: false },
        phone: { type: 'string' },
        remove: { type: 'boolean', default: false },
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
  const given = givenProfessional(values);
  const givenFields = Object.keys(given);
  if (givenFields.length && !['add', 'grant', 'update'].includes(command)) throw usageError(`${command} takes no --${givenFields[0]}.`);
  if (command === 'update' && !givenFields.length) throw usageError(`update needs at least one of ${PRO_FLAGS}.`);
  // A clinician must be someone the patient can look up; an admin may also be one.
  const needsProfessional = (command === 'add' && values.role === 'clinician') || (command !== 'update' && givenFields.length > 0);
  const professional = needsProfessional ? completeProfessional(given, command) : null;
  if (values['keep-enabled'] && command !== 'revoke') throw usageError('Only revoke takes --keep-enabled.');
  let phone = null;
  if (command === 'second-factor') {
    if (values.remove === (values.phone !== undefined)) throw usageError('second-factor needs either --phone +55… or --remove.');
    if (values.phone !== undefined) {
      phone = values.phone.replace(/[\s().-]/g, '');
      if (!/^\+[1-9]\d{7,14}$/.test(phone)) throw usageError(`"${values.phone}" is not a phone number in international form, such as +5511987654321.`);
    }
  } else if (values.phone !== undefined || values.remove) {
    throw usageError('Only second-factor takes --phone or --remove.');
  }
  return { command, email, role: values.role, password: values.password, professional, changes: given, project: values.project, keepEnabled: values['keep-enabled'], phone };
}

let identityModule;
/** The functions' own checks of a professional (lib/identity), loaded on first use. */
const identity = () => (identityModule ??= functionsLib('lib/identity'));

const trimmed = (value) => value.trim();
const upperCase = (value) => value.trim().toUpperCase();
const NORMALISE = { name: trimmed, council: upperCase, number: upperCase, uf: upperCase };

/** The professional fields given on the command line, written the way they are stored. */
function givenProfessional(values) {
  return Object.fromEntries(PRO_FIELDS.filter((field) => values[field] !== undefined).map((field) => [field, NORMALISE[field](values[field])]));
}

function completeProfessional(given, command) {
  const missing = PRO_FIELDS.find((field) => given[field] === undefined);
  if (missing) throw usageError(`${command} needs --${missing}: the professional details are all of ${PRO_FLAGS}.`);
  return checkedProfessional(given);
}

function checkedProfessional({ name, council, number, uf }) {
  const problem = identity().professionalProblem({ name, council, number, uf });
  if (problem) throw usageError(problem);
  return { name, council, number, uf };
}

const sameProfessional = (a, b) => PRO_FIELDS.every((field) => a?.[field] === b?.[field]);
const registrationDetails = (pro) => (pro ? { council: pro.council, number: pro.number, uf: pro.uf } : {});

function operator() {
  try {
    return os.userInfo().username.slice(0, 64);
  } catch {
    return null;
  }
}

/** Appends a 'user.added' / 'role.granted' / 'role.revoked' / 'professional.updated' entry to the system audit chain. */
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
const professionalOfUser = (user) => identity().professionalOf(user.customClaims?.pro);

async function add(auth, db, { email, role, password, professional }) {
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
    await auth.setCustomUserClaims(user.uid, { role, ...(professional ? { pro: professional } : {}) });
  } catch (error) {
    await auth.deleteUser(user.uid).catch(() => undefined);
    throw error;
  }
  await audit(db, 'user.added', { targetUid: user.uid, role, ...registrationDetails(professional) });
  const who = professional ? `, ${identity().formatProfessional(professional)}` : '';
  console.log(`Added ${email} as ${role}${who} (uid ${user.uid}).`);
  if (!password) console.log(`Password: ${chosen}\n(shown only now: hand it over privately and ask for it to be changed.)`);
}

async function grant(auth, db, { email, role, professional }) {
  const user = await userByEmail(auth, email);
  const previousRole = roleOf(user);
  const current = professionalOfUser(user);
  if (previousRole === role) {
    alreadyGranted(email, role, professional, current);
    return;
  }
  if (role === 'clinician' && !professional && !current) {
    throw usageError(`${email} has no professional details, which a clinician needs: grant with all of ${PRO_FLAGS}.`);
  }
  // Sessions are refused when they signed in at or before the revocation's second (auth_time is in
  // whole seconds): a grant in that same second waits for the next one, so that the sign-in it
  // allows is not taken for one of the sessions revoked.
  const revocation = await db.collection('revocations').doc(user.uid).get();
  const revokedAt = revocation.exists ? revocation.get('atSeconds') : null;
  if (typeof revokedAt === 'number' && Date.now() < (revokedAt + 1) * 1000) {
    await new Promise((r) => setTimeout(r, (revokedAt + 1) * 1000 - Date.now() + 20));
  }
  await auth.setCustomUserClaims(user.uid, { ...(user.customClaims ?? {}), role, ...(professional ? { pro: professional } : {}) });
  // An account disabled by revoke is enabled again with its new role.
  if (user.disabled) await auth.updateUser(user.uid, { disabled: false });
  await audit(db, 'role.granted', { targetUid: user.uid, role, previousRole, ...registrationDetails(professional), ...(user.disabled ? { enabled: true } : {}) });
  console.log(`${email} (uid ${user.uid}) is now ${role}${previousRole ? ` (was ${previousRole})` : ''}${user.disabled ? ' and enabled again' : ''}. It takes effect at the next sign-in or within an hour.`);
}

/** A grant of the role the account already has: changes nothing, and points to update for the details. */
function alreadyGranted(email, role, professional, current) {
  if (professional && !sameProfessional(professional, current)) {
    throw new CliError(`${email} is already ${role}; to change its professional details use \`npm run users -- update --email ${email}\` with the flags to change.`);
  }
  const hint = role === 'clinician' && !current ? ` It has no professional details: add them with \`npm run users -- update --email ${email}\` and ${PRO_FLAGS}.` : '';
  console.log(`${email} is already ${role}; nothing changed.${hint}`);
}

async function update(auth, db, { email, changes }) {
  const user = await userByEmail(auth, email);
  const current = professionalOfUser(user);
  const missing = PRO_FIELDS.find((field) => changes[field] === undefined);
  if (!current && missing) throw usageError(`${email} has no professional details yet, so update needs all of ${PRO_FLAGS}; --${missing} is missing.`);
  const next = checkedProfessional({ ...current, ...changes });
  const changed = PRO_FIELDS.filter((field) => next[field] !== current?.[field]);
  if (!changed.length) {
    console.log(`${email} is already ${identity().formatProfessional(next)}; nothing changed.`);
    return;
  }
  await auth.setCustomUserClaims(user.uid, { ...(user.customClaims ?? {}), pro: next });
  // Which fields changed, and the registration (public in the council's register); not the name.
  await audit(db, 'professional.updated', { targetUid: user.uid, ...registrationDetails(next), changed: changed.join(',') });
  console.log(`Updated the professional details of ${email} (uid ${user.uid}):`);
  for (const field of changed) console.log(`  ${field}: ${current?.[field] ?? '-'} → ${next[field]}`);
  console.log(`Now ${identity().formatProfessional(next)}. It takes effect at the next sign-in or within an hour.`);
}

async function revoke(auth, db, { email, keepEnabled }) {
  const user = await userByEmail(auth, email);
  const previousRole = roleOf(user);
  if (!previousRole) {
    console.log(`${email} has no role; nothing changed.`);
    return;
  }
  const { role: _removed, ...rest } = user.customClaims ?? {};
  await auth.setCustomUserClaims(user.uid, Object.keys(rest).length ? rest : null);
  // Signed-in sessions keep their ID token's claim until it expires (up to an hour): the
  // revocation record makes every staff callable and rule refuse them from now; no new token.
  const atSeconds = Math.floor(Date.now() / 1000);
  await db.collection('revocations').doc(user.uid).set({ atSeconds });
  await auth.revokeRefreshTokens(user.uid);
  if (!keepEnabled) await auth.updateUser(user.uid, { disabled: true });
  await audit(db, 'role.revoked', { targetUid: user.uid, previousRole, disabled: !keepEnabled });
  console.log(
    `${email} (uid ${user.uid}) no longer has a role (was ${previousRole}); its sessions were ended at once` +
      (keepEnabled
        ? ' and the account stays enabled (--keep-enabled): it can sign in, without a role, and sees none of its consults.'
        : ' and the account was disabled (grant gives it a role and enables it again).'),
  );
}

/** The phone, with all but its last four digits hidden, as the sign-in screen shows it. */
const maskedPhone = (phone) => `${phone.slice(0, 3)}${'•'.repeat(Math.max(0, phone.length - 7))}${phone.slice(-4)}`;

async function secondFactor(auth, db, { email, phone }) {
  const user = await userByEmail(auth, email);
  const before = user.multiFactor?.enrolledFactors ?? [];
  if (phone === null) {
    if (!before.length) {
      console.log(`${email} has no second factor; nothing changed.`);
      return;
    }
    await auth.updateUser(user.uid, { multiFactor: { enrolledFactors: null } });
    await audit(db, 'second_factor.removed', { targetUid: user.uid });
    console.log(`${email} (uid ${user.uid}) signs in with the password alone from now.`);
    return;
  }
  await auth.updateUser(user.uid, { multiFactor: { enrolledFactors: [{ uid: 'sms', factorId: 'phone', phoneNumber: phone, displayName: 'SMS' }] } });
  // Signed-in sessions were made without the code: they end now, so every session has passed it.
  await auth.revokeRefreshTokens(user.uid);
  await audit(db, 'second_factor.set', { targetUid: user.uid, phone: maskedPhone(phone) });
  console.log(`${email} (uid ${user.uid}) now needs a code sent by SMS to ${maskedPhone(phone)} at every sign-in; its open sessions were ended.`);
}

function registrationOfUser(user) {
  const pro = professionalOfUser(user);
  return pro ? identity().registrationOf(pro) : '-';
}

async function list(auth) {
  const rows = [];
  let anonymous = 0;
  let pageToken;
  do {
    const page = await auth.listUsers(1000, pageToken);
    for (const user of page.users) {
      if (!user.email) anonymous++;
      else {
        const phone = user.multiFactor?.enrolledFactors?.find((f) => f.factorId === 'phone')?.phoneNumber;
        rows.push({ email: user.email, uid: user.uid, role: roleOf(user) ?? '-', registration: registrationOfUser(user), factor: phone ? `SMS ${maskedPhone(phone)}` : '-' });
      }
    }
    pageToken = page.pageToken;
  } while (pageToken);
  rows.sort((a, b) => a.email.localeCompare(b.email));
  const width = (key, title) => Math.max(title.length, ...rows.map((r) => r[key].length));
  const [we, wu, wr, wg] = [width('email', 'EMAIL'), width('uid', 'UID'), width('role', 'ROLE'), width('registration', 'REGISTRATION')];
  console.log(`${'EMAIL'.padEnd(we)}  ${'UID'.padEnd(wu)}  ${'ROLE'.padEnd(wr)}  ${'REGISTRATION'.padEnd(wg)}  SECOND FACTOR`);
  for (const r of rows) console.log(`${r.email.padEnd(we)}  ${r.uid.padEnd(wu)}  ${r.role.padEnd(wr)}  ${r.registration.padEnd(wg)}  ${r.factor}`);
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
  else if (args.command === 'update') await update(auth, db, args);
  else if (args.command === 'revoke') await revoke(auth, db, args);
  else if (args.command === 'second-factor') await secondFactor(auth, db, args);
  else await list(auth);
});
