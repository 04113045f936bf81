// The admin SDK against the emulators, for arranging test data and reading what functions wrote.
import { getApps, initializeApp, type App } from 'firebase-admin/app';
import { getAuth } from 'firebase-admin/auth';
import { getFirestore, type Firestore } from 'firebase-admin/firestore';
import { randomUUID } from 'node:crypto';
import { PROJECT_ID, firestoreHost, authHost } from './emulators';

export function adminApp(): App {
  // Touch the getters so a missing emulator environment fails with a clear message.
  firestoreHost();
  authHost();
  return getApps().find((a) => a.name === 'tests-admin') ?? initializeApp({ projectId: PROJECT_ID }, 'tests-admin');
}

export function adminDb(): Firestore {
  return getFirestore(adminApp());
}

/** Creates a user with a role claim (or none) and returns its email, password and uid. */
export async function createUser(role: 'clinician' | 'admin' | null, label = 'user') {
  const email = `${label}-${randomUUID().slice(0, 8)}@test.teleconsulta.invalid`;
  const password = `pw-${randomUUID()}`;
  const user = await getAuth(adminApp()).createUser({ email, password, emailVerified: true });
  if (role) await getAuth(adminApp()).setCustomUserClaims(user.uid, { role });
  return { email, password, uid: user.uid };
}
