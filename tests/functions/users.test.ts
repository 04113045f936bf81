// The users CLI (scripts/users.mjs) run as a child process against the running emulators.
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { getAuth } from 'firebase-admin/auth';
import { afterAll, describe, expect, it } from 'vitest';
import { adminApp, adminDb } from '../support/admin';
import { collection, doc, getDoc, getDocs, query, where } from 'firebase/firestore';
import type { ScheduleConsultRequest, ScheduleConsultResult } from '../../functions/src/lib/api';
import { clientSession, signInWithPassword, type ClientSession } from '../support/emulators';
import { scheduleRequest } from './consults.support';
import { CONSENT_VERSIONS } from '../../functions/src/consent/versions';

const ROOT = path.resolve(__dirname, '../..');

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function cli(script: string, args: string[], env: NodeJS.ProcessEnv = process.env): Promise<Run> {
  return new Promise((resolve) => {
    execFile(process.execPath, [path.join(ROOT, 'scripts', script), ...args], { cwd: ROOT, env, timeout: 60_000 }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}
const users = (...args: string[]) => cli('users.mjs', args);

const ANA = { name: 'Enf. Ana Souza', council: 'COREN', number: '123456-ENF', uf: 'SP' };
/** The professional flags of ANA, for add and grant. */
const ANA_FLAGS = ['--name', ANA.name, '--council', ANA.council, '--number', ANA.number, '--uf', ANA.uf];
const addClinician = (email: string, password: string) => users('add', '--email', email, '--role', 'clinician', ...ANA_FLAGS, '--password', password);

const freshEmail = (label: string) => `${label}-${randomUUID().slice(0, 8)}@test.teleconsulta.invalid`;
const claimsOf = async (email: string) => (await getAuth(adminApp()).getUserByEmail(email)).customClaims ?? {};

/** The system-chain entries about one user. */
async function systemAuditAbout(uid: string) {
  const snap = await adminDb().collection('audit').where('consultId', '==', null).get();
  return snap.docs
    .map((d) => d.data())
    .filter((e) => e.context?.targetUid === uid)
    .sort((a, b) => a.seq - b.seq);
}

const sessions: ClientSession[] = [];
afterAll(async () => {
  await Promise.all(sessions.map((s) => s.close()));
});
async function canSignIn(email: string, password: string): Promise<string> {
  const s = clientSession();
  sessions.push(s);
  return signInWithPassword(s, email, password);
}

// Generous: the first call of each function starts a cold worker, slow on a loaded machine.
describe('users CLI', { timeout: 180_000 }, () => {
  it('adds a clinician with the given password, sets the role and professional claims and audits it on the system chain', async () => {
    const email = freshEmail('clinician');
    const run = await addClinician(email, 'uma-senha-longa-1');
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain(email);
    expect(run.stdout).toContain('Enf. Ana Souza — COREN-SP 123456-ENF');
    expect(run.stdout).not.toContain('uma-senha-longa-1');
    expect(await claimsOf(email)).toEqual({ role: 'clinician', pro: ANA });
    const uid = await canSignIn(email, 'uma-senha-longa-1');
    const audit = await systemAuditAbout(uid);
    expect(audit.map((e) => e.action)).toEqual(['user.added']);
    expect(audit[0]).toMatchObject({
      actorRole: 'system',
      actorUid: null,
      context: { targetUid: uid, role: 'clinician', council: 'COREN', uf: 'SP', via: 'users-cli' },
    });
    expect(JSON.stringify(audit[0])).not.toContain('uma-senha-longa-1');
    expect(JSON.stringify(audit[0])).not.toContain('Ana Souza');
  });

  it('takes council, number and UF in any case and the name with spaces around, and stores them tidy', async () => {
    const email = freshEmail('tidy');
    const run = await users('add', '--email', email, '--role', 'clinician', '--name', '  Dr. João Lima ', '--council', 'crm',
      '--number', '98765', '--uf', 'rj', '--password', 'senha-arrumada-1');
    expect(run.code, run.stderr).toBe(0);
    expect(await claimsOf(email)).toEqual({ role: 'clinician', pro: { name: 'Dr. João Lima', council: 'CRM', number: '98765', uf: 'RJ' } });
  });

  it('prints a generated password when none is given, and that password signs in', async () => {
    const email = freshEmail('generated');
    const run = await users('add', '--email', email, '--role', 'admin');
    expect(run.code, run.stderr).toBe(0);
    const password = /Password: (\S+)/.exec(run.stdout)?.[1];
    expect(password).toBeDefined();
    expect(password!.length).toBeGreaterThanOrEqual(16);
    expect(await claimsOf(email)).toEqual({ role: 'admin' });
    await expect(canSignIn(email, password!)).resolves.toMatch(/\S/);
  });

  it('adds an admin with professional details when all four are given', async () => {
    const email = freshEmail('admin-pro');
    const run = await users('add', '--email', email, '--role', 'admin', ...ANA_FLAGS);
    expect(run.code, run.stderr).toBe(0);
    expect(await claimsOf(email)).toEqual({ role: 'admin', pro: ANA });
  });

  it('grants a new role, revokes it, and audits both with the previous role; the professional details stay', async () => {
    const email = freshEmail('roles');
    expect((await addClinician(email, 'outra-senha-longa')).code).toBe(0);
    const { uid } = await getAuth(adminApp()).getUserByEmail(email);

    const granted = await users('grant', '--email', email, '--role', 'admin');
    expect(granted.code, granted.stderr).toBe(0);
    expect(await claimsOf(email)).toEqual({ role: 'admin', pro: ANA });

    const revoked = await users('revoke', '--email', email);
    expect(revoked.code, revoked.stderr).toBe(0);
    expect(await claimsOf(email)).toEqual({ pro: ANA });

    const audit = await systemAuditAbout(uid);
    expect(audit.map((e) => e.action)).toEqual(['user.added', 'role.granted', 'role.revoked']);
    expect(audit[1]!.context).toMatchObject({ role: 'admin', previousRole: 'clinician' });
    expect(audit[2]!.context).toMatchObject({ previousRole: 'admin' });
  });

  it('revokes at once: the session signed in before can no longer schedule, read its consults or get relay credentials, and the account is disabled until a grant', async () => {
    const email = freshEmail('revoked');
    const password = 'senha-revogada-123';
    expect((await addClinician(email, password)).code).toBe(0);
    const session = clientSession();
    sessions.push(session);
    const uid = await signInWithPassword(session, email, password);
    await session.auth.currentUser!.getIdToken(true); // a token with the role claim
    const { consultId } = await session.call<ScheduleConsultRequest, ScheduleConsultResult>('scheduleConsult', scheduleRequest());
    await expect(getDoc(doc(session.db, `consults/${consultId}`))).resolves.toBeTruthy();

    const revoked = await users('revoke', '--email', email);
    expect(revoked.code, revoked.stderr).toBe(0);
    expect(revoked.stdout).toContain('disabled');
    // The same, unexpired ID token: refused by the callables and the rules from now.
    const refused = await session.call('scheduleConsult', scheduleRequest()).catch((e: { code?: string }) => e);
    expect(refused).toMatchObject({ code: 'functions/unauthenticated' });
    await expect(getDoc(doc(session.db, `consults/${consultId}`))).rejects.toMatchObject({ code: 'permission-denied' });
    await expect(getDocs(query(collection(session.db, 'consults'), where('clinicianUid', '==', uid)))).rejects.toMatchObject({ code: 'permission-denied' });
    expect((await getAuth(adminApp()).getUserByEmail(email)).disabled).toBe(true);
    await expect(canSignIn(email, password)).rejects.toMatchObject({ code: 'auth/user-disabled' });
    expect((await systemAuditAbout(uid)).at(-1)).toMatchObject({ action: 'role.revoked', context: { disabled: true } });

    // Granted again: enabled, and a new sign-in works with the role.
    expect((await users('grant', '--email', email, '--role', 'clinician')).code).toBe(0);
    expect((await getAuth(adminApp()).getUserByEmail(email)).disabled).toBe(false);
    const again = clientSession();
    sessions.push(again);
    await signInWithPassword(again, email, password);
    await expect(again.call('scheduleConsult', scheduleRequest())).resolves.toMatchObject({ consultId: expect.any(String) });
  });

  it('with --keep-enabled, the account signs in again without a role and gets nothing of its old consults', async () => {
    const email = freshEmail('kept');
    const password = 'senha-mantida-123';
    expect((await addClinician(email, password)).code).toBe(0);
    const first = clientSession();
    sessions.push(first);
    await signInWithPassword(first, email, password);
    const { consultId } = await first.call<ScheduleConsultRequest, ScheduleConsultResult>('scheduleConsult', scheduleRequest());
    const revoked = await users('revoke', '--email', email, '--keep-enabled');
    expect(revoked.code, revoked.stderr).toBe(0);
    expect(revoked.stdout).toContain('stays enabled');
    const later = clientSession();
    sessions.push(later);
    await new Promise((r) => setTimeout(r, 1100)); // a sign-in in a later second than the revocation
    await signInWithPassword(later, email, password);
    for (const [name, data] of [
      ['getIceServers', { consultId }],
      ['recordConsent', { consultId, version: CONSENT_VERSIONS.clinician, locale: 'pt-BR', textHash: 'a'.repeat(64), recording: false }],
      ['withdrawConsent', { consultId }],
    ] as const) {
      const error = await later.call(name, data).catch((e: { details?: { reason?: string } }) => e);
      expect([name, (error as { details?: { reason?: string } }).details?.reason]).toEqual([name, 'not_participant']);
    }
    await expect(getDoc(doc(later.db, `consults/${consultId}`))).rejects.toMatchObject({ code: 'permission-denied' });
  });

  it('needs the professional details to grant clinician to an account without them, and keeps them once given', async () => {
    const email = freshEmail('promoted');
    expect((await users('add', '--email', email, '--role', 'admin', '--password', 'senha-promovida-1')).code).toBe(0);
    const { uid } = await getAuth(adminApp()).getUserByEmail(email);

    const bare = await users('grant', '--email', email, '--role', 'clinician');
    expect(bare.code).toBe(2);
    expect(bare.stderr).toMatch(/no professional details.*--name, --council, --number, --uf/);
    expect(await claimsOf(email)).toEqual({ role: 'admin' });

    const partial = await users('grant', '--email', email, '--role', 'clinician', '--name', ANA.name);
    expect(partial.code).toBe(2);
    expect(partial.stderr).toMatch(/needs --council/);

    const granted = await users('grant', '--email', email, '--role', 'clinician', ...ANA_FLAGS);
    expect(granted.code, granted.stderr).toBe(0);
    expect(await claimsOf(email)).toEqual({ role: 'clinician', pro: ANA });
    const audit = await systemAuditAbout(uid);
    expect(audit.map((e) => e.action)).toEqual(['user.added', 'role.granted']);
    expect(audit[1]!.context).toMatchObject({ role: 'clinician', previousRole: 'admin', council: 'COREN', uf: 'SP' });
  });

  it('changes nothing, and audits nothing, when the role is already as asked', async () => {
    const email = freshEmail('same');
    await addClinician(email, 'mais-uma-senha-longa');
    const { uid } = await getAuth(adminApp()).getUserByEmail(email);
    const again = await users('grant', '--email', email, '--role', 'clinician');
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(/already clinician/);
    expect((await systemAuditAbout(uid)).map((e) => e.action)).toEqual(['user.added']);
  });

  it('updates the given professional details, keeping the others, the role and the other claims', async () => {
    const email = freshEmail('update');
    await addClinician(email, 'senha-atualizada-1');
    const { uid } = await getAuth(adminApp()).getUserByEmail(email);
    await getAuth(adminApp()).setCustomUserClaims(uid, { ...(await claimsOf(email)), beta: true });

    const run = await users('update', '--email', email, '--number', '777777-enf');
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain('number: 123456-ENF → 777777-ENF');
    expect(run.stdout).toContain('It takes effect at the next sign-in or within an hour.');
    expect(await claimsOf(email)).toEqual({ role: 'clinician', pro: { ...ANA, number: '777777-ENF' }, beta: true });
  });

  it('audits an update as professional.updated, without the name', async () => {
    const email = freshEmail('update-audit');
    await addClinician(email, 'senha-auditada-1');
    const { uid } = await getAuth(adminApp()).getUserByEmail(email);

    const run = await users('update', '--email', email, '--name', 'Enf. Ana Souza Lima', '--uf', 'mg');
    expect(run.code, run.stderr).toBe(0);
    expect((await claimsOf(email)).pro).toEqual({ ...ANA, name: 'Enf. Ana Souza Lima', uf: 'MG' });
    const audit = await systemAuditAbout(uid);
    expect(audit.map((e) => e.action)).toEqual(['user.added', 'professional.updated']);
    expect(audit[1]).toMatchObject({
      actorRole: 'system',
      actorUid: null,
      context: { targetUid: uid, council: 'COREN', number: '123456-ENF', uf: 'MG', changed: 'name,uf', via: 'users-cli' },
    });
    expect(JSON.stringify(audit[1]!.context)).not.toContain('Souza');
  });

  it('says nothing changed, and audits nothing, when an update gives the details the account has', async () => {
    const email = freshEmail('update-same');
    await addClinician(email, 'senha-sem-mudar-1');
    const { uid } = await getAuth(adminApp()).getUserByEmail(email);
    const run = await users('update', '--email', email, '--council', 'coren', '--uf', 'SP');
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/nothing changed/);
    expect((await systemAuditAbout(uid)).map((e) => e.action)).toEqual(['user.added']);
  });

  it('needs all four details to update an account that has none, and refuses invalid ones', async () => {
    const email = freshEmail('update-none');
    await users('add', '--email', email, '--role', 'admin', '--password', 'senha-sem-registro');
    const partial = await users('update', '--email', email, '--number', '123');
    expect(partial.code).toBe(2);
    expect(partial.stderr).toMatch(/has no professional details yet.*--name is missing/);

    const invalid = await users('update', '--email', email, ...ANA_FLAGS.slice(0, -1), 'XX');
    expect(invalid.code).toBe(2);
    expect(invalid.stderr).toContain('The state (UF) must be a Brazilian state abbreviation such as SP.');
    expect(await claimsOf(email)).toEqual({ role: 'admin' });

    const complete = await users('update', '--email', email, ...ANA_FLAGS);
    expect(complete.code, complete.stderr).toBe(0);
    expect(await claimsOf(email)).toEqual({ role: 'admin', pro: ANA });
  });

  it('lists accounts with their e-mail, uid, role and registration', async () => {
    const email = freshEmail('listed');
    const plain = freshEmail('listed-admin');
    await addClinician(email, 'senha-para-lista-1');
    await users('add', '--email', plain, '--role', 'admin', '--password', 'senha-para-lista-2');
    const { uid } = await getAuth(adminApp()).getUserByEmail(email);
    const run = await users('list');
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/^EMAIL\s+UID\s+ROLE\s+REGISTRATION\s+SECOND FACTOR$/m);
    const lines = run.stdout.split('\n');
    expect(lines.find((l) => l.startsWith(email))?.split(/\s+/)).toEqual([email, uid, 'clinician', 'COREN-SP', '123456-ENF', '-']);
    expect(lines.find((l) => l.startsWith(plain))?.split(/\s+/).slice(2)).toEqual(['admin', '-', '-']);
  });

  it.each([
    [['frobnicate'], /Unknown command "frobnicate"/],
    [[], /Say what to do/],
    [['add', '--role', 'clinician'], /needs --email/],
    [['add', '--email', 'not-an-email', '--role', 'clinician'], /not an e-mail address/],
    [['grant', '--email', 'a@b.example'], /needs --role/],
    [['add', '--email', 'a@b.example', '--role', 'nurse'], /Invalid role "nurse"/],
    [['add', '--email', 'a@b.example', '--role', 'admin', '--password', 'short'], /at least 10 characters/],
    [['list', '--colour'], /Unknown option/],
    [['second-factor', '--email', 'a@b.example'], /needs either --phone/],
    [['second-factor', '--email', 'a@b.example', '--phone', '11 98765-4321'], /international form/],
    [['second-factor', '--email', 'a@b.example', '--phone', '+5511987654321', '--remove'], /needs either --phone/],
    [['revoke', '--email', 'a@b.example', '--phone', '+5511987654321'], /Only second-factor takes/],
    [['add', '--email', 'a@b.example', '--role', 'clinician', '--council', 'COREN', '--number', '1', '--uf', 'SP'], /add needs --name/],
    [['add', '--email', 'a@b.example', '--role', 'clinician', '--name', 'Enf. Ana', '--number', '1', '--uf', 'SP'], /add needs --council/],
    [['add', '--email', 'a@b.example', '--role', 'admin', '--name', 'Enf. Ana'], /add needs --council/],
    [['add', '--email', 'a@b.example', '--role', 'clinician', '--name', 'Enf. Ana', '--council', 'CRX', '--number', '1', '--uf', 'SP'],
      /The council must be one of CRM, COREN, /],
    [['add', '--email', 'a@b.example', '--role', 'clinician', '--name', 'Enf. Ana', '--council', 'COREN', '--number', '12.345', '--uf', 'SP'],
      /The registration number must be digits/],
    [['add', '--email', 'a@b.example', '--role', 'clinician', '--name', 'Enf. Ana', '--council', 'COREN', '--number', '1', '--uf', 'XX'],
      /The state \(UF\) must be a Brazilian state abbreviation/],
    [['add', '--email', 'a@b.example', '--role', 'clinician', '--name', 'Al', '--council', 'COREN', '--number', '1', '--uf', 'SP'],
      /The name must have at least 3 characters/],
    [['update', '--email', 'a@b.example'], /update needs at least one of --name, --council, --number, --uf/],
    [['revoke', '--email', 'a@b.example', '--uf', 'SP'], /revoke takes no --uf/],
  ])('refuses the command line %j with exit code 2 and a sentence', async (args, message) => {
    const run = await users(...args);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(message);
  });

  it('sets and removes a second factor by SMS, ends the sessions made without it, shows it in the list and audits both', async () => {
    const email = freshEmail('second-factor');
    await addClinician(email, 'senha-dois-fatores-1');
    const { uid } = await getAuth(adminApp()).getUserByEmail(email);
    const set = await users('second-factor', '--email', email, '--phone', '+55 (11) 98765-4321');
    expect(set.code, set.stderr).toBe(0);
    expect(set.stdout).toContain('now needs a code sent by SMS to +55•••••••4321');
    const user = await getAuth(adminApp()).getUser(uid);
    expect(user.multiFactor?.enrolledFactors.map((f) => [f.factorId, (f as { phoneNumber?: string }).phoneNumber])).toEqual([['phone', '+5511987654321']]);
    expect(Date.parse(user.tokensValidAfterTime!)).toBeGreaterThan(Date.now() - 60_000);
    const listed = (await users('list')).stdout.split('\n').find((l) => l.startsWith(email));
    expect(listed?.split(/\s{2,}/).at(-1)).toBe('SMS +55•••••••4321');

    const removed = await users('second-factor', '--email', email, '--remove');
    expect(removed.stdout).toContain('signs in with the password alone from now');
    expect((await getAuth(adminApp()).getUser(uid)).multiFactor?.enrolledFactors ?? []).toEqual([]);
    const entries = (await adminDb().collection('audit').where('consultId', '==', null).where('context.targetUid', '==', uid).get()).docs.map((d) => d.data());
    expect(entries.map((e) => e['action']).sort()).toEqual(['second_factor.removed', 'second_factor.set', 'user.added']);
    // The phone is in the audit log masked, never whole.
    expect(JSON.stringify(entries)).not.toContain('987654321');
  });

  it('says when the user does not exist, with exit code 1', async () => {
    const email = freshEmail('missing');
    for (const args of [['grant', '--email', email, '--role', 'admin'], ['revoke', '--email', email], ['update', '--email', email, '--uf', 'RJ']]) {
      const run = await users(...args);
      expect(run.code).toBe(1);
      expect(run.stderr).toContain(`No account with the e-mail ${email}`);
    }
  });

  it('refuses to add an e-mail that already has an account and points to grant', async () => {
    const email = freshEmail('twice');
    await addClinician(email, 'senha-duas-vezes');
    const run = await users('add', '--email', email, '--role', 'admin');
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/already exists.*grant/);
    expect(await claimsOf(email)).toEqual({ role: 'clinician', pro: ANA });
  });

  it('says to start the emulators when they are not running', async () => {
    const env = { ...process.env, FIREBASE_AUTH_EMULATOR_HOST: '127.0.0.1:1', FIRESTORE_EMULATOR_HOST: '127.0.0.1:2' };
    const run = await cli('users.mjs', ['list'], env);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/not running at 127\.0\.0\.1:1: start it with `npm start`/);
  });

  it('defaults to the harness emulator ports, and says so, when no emulator host is set', async () => {
    const { FIREBASE_AUTH_EMULATOR_HOST: _a, FIRESTORE_EMULATOR_HOST: _f, ...rest } = process.env;
    const run = await cli('users.mjs', ['list'], rest);
    expect(run.stderr).toContain('Using the local emulators');
    // The suite under test runs at TC_PORT_OFFSET, which the defaults follow: the listing works.
    expect(run.code, run.stderr).toBe(0);
  });

  it('with --project, needs service-account credentials and leaves the emulators alone', async () => {
    const { FIREBASE_AUTH_EMULATOR_HOST: _a, FIRESTORE_EMULATOR_HOST: _f, GOOGLE_APPLICATION_CREDENTIALS: _g, ...rest } = process.env;
    const noCredentials = await cli('users.mjs', ['list', '--project', 'teleconsulta-prod'], rest);
    expect(noCredentials.code).toBe(1);
    expect(noCredentials.stderr).toMatch(/GOOGLE_APPLICATION_CREDENTIALS/);
    expect(noCredentials.stderr).not.toContain('Using the local emulators');

    const withEmulator = await cli('users.mjs', ['list', '--project', 'teleconsulta-prod'], process.env);
    expect(withEmulator.code).toBe(1);
    expect(withEmulator.stderr).toMatch(/FIREBASE_AUTH_EMULATOR_HOST .* is set/);
  });

  it('prints its usage with --help', async () => {
    const run = await users('--help');
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/Usage: npm run users -- <command>/);
    expect(run.stdout).toMatch(/--project ID/);
    expect(run.stdout).toMatch(/update --email E \[--name N\] \[--council C\] \[--number X\] \[--uf UF\]/);
  });
});
