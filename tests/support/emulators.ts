// Where the running emulator suite is: set by scripts/test.mjs (npm test).
import { initializeApp, deleteApp, type FirebaseApp } from 'firebase/app';
import { connectAuthEmulator, getAuth, signInAnonymously, signInWithEmailAndPassword, type Auth } from 'firebase/auth';
import { connectFunctionsEmulator, getFunctions, httpsCallable, type Functions } from 'firebase/functions';
import { connectFirestoreEmulator, getFirestore, type Firestore } from 'firebase/firestore';
import { FUNCTIONS_REGION } from '../../functions/src/lib/api';
import { emulatorAppCheckToken, startAppCheck } from '../../web/src/appCheck';

/** The App Check token the web app sends on the emulators: every callable refuses a request without one. */
export const appCheckHeader = (): Record<string, string> => ({ 'X-Firebase-AppCheck': emulatorAppCheckToken('demo-app') });

function need(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set: run the tests through \`npm test\`, which starts the emulators.`);
  return value;
}

export const PROJECT_ID = process.env.TC_PROJECT_ID ?? 'demo-teleconsulta';
export const REGION = process.env.TC_REGION ?? FUNCTIONS_REGION;
export const authHost = () => need('FIREBASE_AUTH_EMULATOR_HOST');
export const firestoreHost = () => need('FIRESTORE_EMULATOR_HOST');
export const functionsOrigin = () => need('TC_FUNCTIONS_ORIGIN');
export const hostingOrigin = () => need('TC_HOSTING_ORIGIN');

function hostPort(hostAndPort: string): { host: string; port: number } {
  const [host, port] = hostAndPort.split(':');
  return { host: host!, port: Number(port) };
}

let appCounter = 0;

/** A client SDK app of its own (its own signed-in user), pointed at the emulators. */
export interface ClientSession {
  app: FirebaseApp;
  auth: Auth;
  functions: Functions;
  db: Firestore;
  call<Req, Res>(name: string, data: Req): Promise<Res>;
  close(): Promise<void>;
}

export function clientSession(): ClientSession {
  const app = initializeApp({ apiKey: 'demo-key', projectId: PROJECT_ID, authDomain: `${PROJECT_ID}.firebaseapp.com` }, `client-${process.pid}-${appCounter++}`);
  const auth = getAuth(app);
  connectAuthEmulator(auth, `http://${authHost()}`, { disableWarnings: true });
  // As the web app does on the emulators: its callables carry an App Check token.
  startAppCheck(app, { kind: 'emulators', appId: 'demo-app' });
  const functions = getFunctions(app, REGION);
  const fo = new URL(functionsOrigin());
  connectFunctionsEmulator(functions, fo.hostname, Number(fo.port));
  const db = getFirestore(app);
  const fs = hostPort(firestoreHost());
  connectFirestoreEmulator(db, fs.host, fs.port);
  return {
    app,
    auth,
    functions,
    db,
    async call<Req, Res>(name: string, data: Req): Promise<Res> {
      const result = await httpsCallable<Req, Res>(functions, name)(data);
      return result.data;
    },
    close: () => deleteApp(app),
  };
}

export async function signInAnonymousPatient(session: ClientSession): Promise<string> {
  const cred = await signInAnonymously(session.auth);
  return cred.user.uid;
}

export async function signInWithPassword(session: ClientSession, email: string, password: string): Promise<string> {
  const cred = await signInWithEmailAndPassword(session.auth, email, password);
  return cred.user.uid;
}
