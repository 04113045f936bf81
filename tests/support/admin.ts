// The admin SDK against the emulators, for arranging test data and reading what functions wrote.
import { getApps, initializeApp, type App } from 'firebase-admin/app';
import { getAuth } from 'firebase-admin/auth';
import { getFirestore, type Firestore } from 'firebase-admin/firestore';
import { randomUUID } from 'node:crypto';
import type { Professional } from '../../functions/src/lib/identity';
import { PROJECT_ID, firestoreHost, authHost } from './emulators';

/** The professional every test clinician and admin is, unless a test says otherwise. */
export const TEST_PROFESSIONAL: Professional = { name: 'Enf. Teste Silva', council: 'COREN', number: '654321-ENF', uf: 'SP' };

export function adminApp(): App {
  // Touch the getters so a missing emulator environment fails with a clear message.
  firestoreHost();
  authHost();
  return getApps().find((a) => a.name === 'tests-admin') ?? initializeApp({ projectId: PROJECT_ID }, 'tests-admin');
}

export function adminDb(): Firestore {
  return getFirestore(adminApp());
}

/**
 * Creates a user with a role claim (or none) and returns its email, password and uid. Staff get
 * the `pro` claim of TEST_PROFESSIONAL, or `options.professional` (null: none).
 */
export async function createUser(role: 'clinician' | 'admin' | null, label = 'user', options: { professional?: Professional | null } = {}) {
  const email = `${label}-${randomUUID().slice(0, 8)}@test.teleconsulta.invalid`;
  const password = `pw-${randomUUID()}`;
  const user = await getAuth(adminApp()).createUser({ email, password, emailVerified: true });
  if (role) {
    const professional = options.professional === undefined ? TEST_PROFESSIONAL : options.professional;
    await getAuth(adminApp()).setCustomUserClaims(user.uid, { role, ...(professional ? { pro: professional } : {}) });
  }
  return { email, password, uid: user.uid };
}
