// The Firebase app every screen shares. Only Auth and Functions load up front: the patient's
// path must stay small until consent, so Firestore comes later through `./db`.
import { getApps, initializeApp, type FirebaseApp, type FirebaseOptions } from 'firebase/app';
import {
  browserLocalPersistence,
  connectAuthEmulator,
  indexedDBLocalPersistence,
  initializeAuth,
  type Auth,
  type User,
} from 'firebase/auth';
import { connectFunctionsEmulator, getFunctions, httpsCallable } from 'firebase/functions';
import { appCheckSetup, startAppCheck } from './appCheck';
import { withRetry } from './retry';
import { FUNCTIONS_REGION as DEPLOYED_REGION, type CallableName, type RequestOf, type ResultOf } from '../../functions/src/lib/api';

export interface EmulatorHosts {
  auth: string;
  firestore: string;
  functions: string;
}

const env = import.meta.env;
export const PROJECT_ID: string = env.VITE_FIREBASE_PROJECT_ID || 'demo-teleconsulta';
export const FUNCTIONS_REGION: string = env.VITE_FUNCTIONS_REGION || DEPLOYED_REGION;

function parseEmulators(raw: string | undefined): EmulatorHosts | null {
  if (!raw) return null;
  const parsed: unknown = JSON.parse(raw);
  if (!parsed || typeof parsed !== 'object') throw new Error('VITE_EMULATORS must be a JSON object');
  const { auth, firestore, functions } = parsed as Record<string, unknown>;
  if (typeof auth !== 'string' || typeof firestore !== 'string' || typeof functions !== 'string') {
    throw new Error('VITE_EMULATORS needs auth, firestore and functions as host:port');
  }
  return { auth, firestore, functions };
}

export const emulators = parseEmulators(env.VITE_EMULATORS);

export function hostPort(value: string): { host: string; port: number } {
  const at = value.lastIndexOf(':');
  return { host: value.slice(0, at), port: Number(value.slice(at + 1)) };
}

const options: FirebaseOptions = {
  apiKey: env.VITE_FIREBASE_API_KEY || 'demo-key',
  authDomain: env.VITE_FIREBASE_AUTH_DOMAIN || `${PROJECT_ID}.firebaseapp.com`,
  projectId: PROJECT_ID,
  appId: env.VITE_FIREBASE_APP_ID || undefined,
};

/**
 * The consult an invite page is for, from its path (/join/{consultId}); null elsewhere. The
 * patient's page has an app of its own per consult, so that each invite gets its own anonymous
 * identity, kept on the device under that consult's name: two patients sharing a family phone
 * never share a uid (nor each other's consents, export or erasure), one patient returning to an
 * earlier consult's link finds that consult's identity, and a patient page never touches the
 * session of a clinician signed in on the same browser.
 */
export const INVITE_CONSULT: string | null = /^\/join\/([A-Za-z0-9_-]{1,64})\/?$/.exec(location.pathname)?.[1] ?? null;

export const app = initializeApp(options, INVITE_CONSULT ? `invite-${INVITE_CONSULT}` : undefined);

/** Auth with the persistence every page uses (initializeAuth without a popup/redirect resolver
 * keeps that code out of the bundle: we sign in with email + password and anonymously only). */
function authOf(of: FirebaseApp): Auth {
  const made = initializeAuth(of, { persistence: [indexedDBLocalPersistence, browserLocalPersistence] });
  if (emulators) connectAuthEmulator(made, `http://${emulators.auth}`, { disableWarnings: true });
  return made;
}

export const auth = authOf(app);

/**
 * The anonymous identity an earlier version of the invite page kept in the default app (then one
 * per device, whatever the invite). Read only on an invite page with no identity of its own yet,
 * so that a patient who accepted before that change is not locked out of their own consult.
 */
export async function identityOfEarlierVersion(): Promise<User | null> {
  if (!INVITE_CONSULT) return null;
  const earlier = authOf(getApps().find((a) => a.name === '[DEFAULT]') ?? initializeApp(options));
  await earlier.authStateReady();
  return earlier.currentUser?.isAnonymous ? earlier.currentUser : null;
}

// Before Functions and Firestore are used, so that their first request already carries the token.
startAppCheck(app, appCheckSetup({ emulators: emulators !== null, siteKey: env.VITE_RECAPTCHA_SITE_KEY, appId: env.VITE_FIREBASE_APP_ID }));

export const functions = getFunctions(app, FUNCTIONS_REGION);

if (emulators) {
  const fn = hostPort(emulators.functions);
  connectFunctionsEmulator(functions, fn.host, fn.port);
}

/**
 * Callables that give the same outcome when repeated (a retry after a lost answer changes
 * nothing): their transient failures are retried before the person is told anything.
 * scheduleConsult (a second consult), cancel, end and withdrawal are not.
 */
const SAFE_TO_REPEAT: ReadonlySet<CallableName> = new Set<CallableName>(['redeemInvite', 'recordConsent', 'admitPatient', 'getIceServers']);

/**
 * A callable by name, typed by the one map of callables in functions/src/lib/api.ts. `onRetry`
 * hears of each retry, for a "trying again" notice.
 */
export function callable<N extends CallableName>(name: N): (data: RequestOf<N>, onRetry?: (attempt: number) => void) => Promise<ResultOf<N>> {
  const fn = httpsCallable<RequestOf<N>, ResultOf<N>>(functions, name);
  const once = async (data: RequestOf<N>) => (await fn(data)).data;
  if (!SAFE_TO_REPEAT.has(name)) return once;
  return (data, onRetry) => withRetry(() => once(data), { onRetry });
}
