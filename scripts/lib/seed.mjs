// The demo clinician that `npm start` creates on the emulators.
import { getApps, initializeApp } from 'firebase-admin/app';
import { getAuth } from 'firebase-admin/auth';
import { PROJECT_ID } from './emulators.mjs';

export const DEMO_CLINICIAN = {
  email: 'clinica@demo.teleconsulta.test',
  password: 'demo-senha-123',
  displayName: 'Dra. Ana Souza (demo)',
};

export async function seedDemo(env) {
  Object.assign(process.env, env);
  const app = getApps().find((a) => a.name === 'seed') ?? initializeApp({ projectId: PROJECT_ID }, 'seed');
  const auth = getAuth(app);
  let user;
  try {
    user = await auth.getUserByEmail(DEMO_CLINICIAN.email);
  } catch {
    user = await auth.createUser({ ...DEMO_CLINICIAN, emailVerified: true });
  }
  await auth.setCustomUserClaims(user.uid, { role: 'clinician' });
  return { uid: user.uid, ...DEMO_CLINICIAN };
}
