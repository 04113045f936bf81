// The Firebase app every screen shares. Only Auth and Functions load up front: the patient's
// path must stay small until consent, so Firestore comes later through `./db`.
import { initializeApp } from 'firebase/app';
import {
  browserLocalPersistence,
  connectAuthEmulator,
  indexedDBLocalPersistence,
  initializeAuth,
} from 'firebase/auth';
import { connectFunctionsEmulator, getFunctions, httpsCallable } from 'firebase/functions';
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

export const app = initializeApp({
  apiKey: env.VITE_FIREBASE_API_KEY || 'demo-key',
  authDomain: env.VITE_FIREBASE_AUTH_DOMAIN || `${PROJECT_ID}.firebaseapp.com`,
  projectId: PROJECT_ID,
  appId: env.VITE_FIREBASE_APP_ID || undefined,
});

// initializeAuth without a popup/redirect resolver keeps that code out of the bundle: we sign
// in with email + password and anonymously only.
export const auth = initializeAuth(app, {
  persistence: [indexedDBLocalPersistence, browserLocalPersistence],
});

export const functions = getFunctions(app, FUNCTIONS_REGION);

if (emulators) {
  connectAuthEmulator(auth, `http://${emulators.auth}`, { disableWarnings: true });
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
