// What the admin command-line tools (users, audit-verify) share: where they connect (the local
// emulators by default, a real project with --project), the admin SDK and the compiled audit code.
import { spawnSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { ROOT, PROJECT_ID, emulatorEnv, emulatorPorts } from './emulators.mjs';

/** A failure the person running the command can act on; printed without a stack trace. */
export class CliError extends Error {
  constructor(message, exitCode = 1) {
    super(message);
    this.exitCode = exitCode;
  }
}

/** A mistake in the command line itself: exit code 2, like most Unix tools. */
export const usageError = (message) => new CliError(message, 2);

// The admin SDK as the compiled functions load it, so FieldValue sentinels come from one copy.
const functionsRequire = createRequire(path.join(ROOT, 'functions/package.json'));
export const admin = {
  app: () => functionsRequire('firebase-admin/app'),
  auth: () => functionsRequire('firebase-admin/auth'),
  firestore: () => functionsRequire('firebase-admin/firestore'),
};

/**
 * The compiled functions module `lib/<name>.js` (e.g. 'audit/append'), so the tools hash audit
 * entries with exactly the code the functions run. Builds the functions first when the compiled
 * copy is missing or older than its source.
 */
export function functionsLib(name) {
  const compiled = path.join(ROOT, 'functions/lib', `${name}.js`);
  const source = path.join(ROOT, 'functions/src', `${name}.ts`);
  const stale = !existsSync(compiled) || (existsSync(source) && statSync(source).mtimeMs > statSync(compiled).mtimeMs);
  if (stale) {
    process.stderr.write('Building the functions (npm run build -w functions) for the audit code …\n');
    const build = spawnSync('npm', ['run', 'build', '-w', 'functions'], { cwd: ROOT, stdio: ['ignore', 'ignore', 'inherit'] });
    if (build.status !== 0 || !existsSync(compiled)) {
      throw new CliError('Could not build the functions; run `npm run build -w functions` and fix what it reports.');
    }
  }
  return functionsRequire(compiled);
}

async function reachable(hostAndPort) {
  try {
    await fetch(`http://${hostAndPort}/`, { signal: AbortSignal.timeout(3000) });
    return true;
  } catch {
    return false;
  }
}

/**
 * Initialises the admin SDK. Without --project: the local emulators (the ones named by
 * FIREBASE_AUTH_EMULATOR_HOST / FIRESTORE_EMULATOR_HOST, else those `npm start` runs, shifted by
 * TC_PORT_OFFSET). With --project: that real project, through GOOGLE_APPLICATION_CREDENTIALS.
 * @param {{ project?: string }} options
 * @returns {Promise<{ app: import('firebase-admin/app').App, target: string }>}
 */
export async function connect({ project }) {
  const { initializeApp, applicationDefault } = admin.app();
  // A demo- project lives on the emulators; any other id is a real project.
  if (project?.startsWith('demo-')) {
    if (!process.env.FIRESTORE_EMULATOR_HOST) Object.assign(process.env, emulatorEnv(emulatorPorts()));
    process.env.TC_PROJECT_ID = project;
    project = undefined;
  }
  if (project) {
    if (!/^[a-z][a-z0-9-]{4,29}$/.test(project)) throw usageError(`"${project}" is not a Firebase project id.`);
    if (process.env.FIREBASE_AUTH_EMULATOR_HOST || process.env.FIRESTORE_EMULATOR_HOST) {
      throw new CliError('FIREBASE_AUTH_EMULATOR_HOST or FIRESTORE_EMULATOR_HOST is set, so the SDK would talk to an emulator, not to ' +
        `${project}. Unset them to act on the real project.`);
    }
    if (!process.env.GOOGLE_APPLICATION_CREDENTIALS) {
      throw new CliError('Set GOOGLE_APPLICATION_CREDENTIALS to the path of a service-account key of ' +
        `${project} (with Firebase Authentication Admin and Cloud Datastore User roles).`);
    }
    return { app: initializeApp({ projectId: project, credential: applicationDefault() }, 'admin-cli'), target: `project ${project}` };
  }

  if (!process.env.FIREBASE_AUTH_EMULATOR_HOST) {
    const env = emulatorEnv(emulatorPorts());
    for (const key of ['FIREBASE_AUTH_EMULATOR_HOST', 'FIRESTORE_EMULATOR_HOST', 'GCLOUD_PROJECT', 'TC_PROJECT_ID']) process.env[key] = env[key];
    process.stderr.write(`Using the local emulators (auth ${env.FIREBASE_AUTH_EMULATOR_HOST}, firestore ${env.FIRESTORE_EMULATOR_HOST}, ` +
      `project ${env.TC_PROJECT_ID}); pass --project ID to act on a real project.\n`);
  }
  if (!process.env.FIRESTORE_EMULATOR_HOST) {
    throw new CliError('FIREBASE_AUTH_EMULATOR_HOST is set but FIRESTORE_EMULATOR_HOST is not: set both, or neither to use the defaults.');
  }
  for (const [name, host] of [['Auth', process.env.FIREBASE_AUTH_EMULATOR_HOST], ['Firestore', process.env.FIRESTORE_EMULATOR_HOST]]) {
    if (!(await reachable(host))) {
      throw new CliError(`The ${name} emulator is not running at ${host}: start it with \`npm start\` (in another terminal), then try again.`);
    }
  }
  const projectId = process.env.TC_PROJECT_ID ?? process.env.GCLOUD_PROJECT ?? PROJECT_ID;
  return { app: initializeApp({ projectId }, 'admin-cli'), target: `emulators (project ${projectId})` };
}

/** Runs a command's main function: CliErrors print their sentence, anything else its message. */
export async function runCli(main) {
  let code = 0;
  try {
    await main();
  } catch (error) {
    code = error instanceof CliError ? error.exitCode : 1;
    const message = error instanceof CliError ? error.message : `Unexpected failure: ${error instanceof Error ? error.message : String(error)}`;
    process.stderr.write(`${message}\n`);
  }
  // Open gRPC channels would keep the process alive; close them, then leave with the code.
  const { getApps, deleteApp } = admin.app();
  await Promise.allSettled(getApps().map((app) => deleteApp(app)));
  process.exit(code);
}
