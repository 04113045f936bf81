// The users CLI (scripts/users.mjs) run as a child process against the running emulators.
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { getAuth } from 'firebase-admin/auth';
import { afterAll, describe, expect, it } from 'vitest';
import { adminApp, adminDb } from '../support/admin';
import { clientSession, signInWithPassword, type ClientSession } from '../support/emulators';

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
  it('adds a clinician with the given password, sets the role claim and audits it on the system chain', async () => {
    const email = freshEmail('clinician');
    const run = await users('add', '--email', email, '--role', 'clinician', '--password', 'uma-senha-longa-1');
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain(email);
    expect(run.stdout).not.toContain('uma-senha-longa-1');
    expect(await claimsOf(email)).toEqual({ role: 'clinician' });
    const uid = await canSignIn(email, 'uma-senha-longa-1');
    const audit = await systemAuditAbout(uid);
    expect(audit.map((e) => e.action)).toEqual(['user.added']);
    expect(audit[0]).toMatchObject({ actorRole: 'system', actorUid: null, context: { targetUid: uid, role: 'clinician', via: 'users-cli' } });
    expect(JSON.stringify(audit[0])).not.toContain('uma-senha-longa-1');
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

  it('grants a new role, revokes it, and audits both with the previous role', async () => {
    const email = freshEmail('roles');
    expect((await users('add', '--email', email, '--role', 'clinician', '--password', 'outra-senha-longa')).code).toBe(0);
    const { uid } = await getAuth(adminApp()).getUserByEmail(email);

    const granted = await users('grant', '--email', email, '--role', 'admin');
    expect(granted.code, granted.stderr).toBe(0);
    expect(await claimsOf(email)).toEqual({ role: 'admin' });

    const revoked = await users('revoke', '--email', email);
    expect(revoked.code, revoked.stderr).toBe(0);
    expect(await claimsOf(email)).toEqual({});

    const audit = await systemAuditAbout(uid);
    expect(audit.map((e) => e.action)).toEqual(['user.added', 'role.granted', 'role.revoked']);
    expect(audit[1]!.context).toMatchObject({ role: 'admin', previousRole: 'clinician' });
    expect(audit[2]!.context).toMatchObject({ previousRole: 'admin' });
  });

  it('changes nothing, and audits nothing, when the role is already as asked', async () => {
    const email = freshEmail('same');
    await users('add', '--email', email, '--role', 'clinician', '--password', 'mais-uma-senha-longa');
    const { uid } = await getAuth(adminApp()).getUserByEmail(email);
    const again = await users('grant', '--email', email, '--role', 'clinician');
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(/already clinician/);
    expect((await systemAuditAbout(uid)).map((e) => e.action)).toEqual(['user.added']);
  });

  it('lists accounts with their e-mail, uid and role', async () => {
    const email = freshEmail('listed');
    await users('add', '--email', email, '--role', 'clinician', '--password', 'senha-para-lista-1');
    const { uid } = await getAuth(adminApp()).getUserByEmail(email);
    const run = await users('list');
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/^EMAIL\s+UID\s+ROLE$/m);
    const line = run.stdout.split('\n').find((l) => l.startsWith(email));
    expect(line?.split(/\s+/)).toEqual([email, uid, 'clinician']);
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
  ])('refuses the command line %j with exit code 2 and a sentence', async (args, message) => {
    const run = await users(...args);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(message);
  });

  it('says when the user does not exist, with exit code 1', async () => {
    const email = freshEmail('missing');
    for (const args of [['grant', '--email', email, '--role', 'admin'], ['revoke', '--email', email]]) {
      const run = await users(...args);
      expect(run.code).toBe(1);
      expect(run.stderr).toContain(`No account with the e-mail ${email}`);
    }
  });

  it('refuses to add an e-mail that already has an account and points to grant', async () => {
    const email = freshEmail('twice');
    await users('add', '--email', email, '--role', 'clinician', '--password', 'senha-duas-vezes');
    const run = await users('add', '--email', email, '--role', 'admin');
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/already exists.*grant/);
    expect(await claimsOf(email)).toEqual({ role: 'clinician' });
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
  });
});
