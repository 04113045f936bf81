// The demo clinician that `npm start` creates on the emulators.
import { getApps, initializeApp } from 'firebase-admin/app';
import { getAuth } from 'firebase-admin/auth';
import { PROJECT_ID } from './emulators.mjs';

export const DEMO_CLINICIAN = {
  email: 'clinica@demo.teleconsulta.test',
  password: 'demo-senha-123',
  displayName: 'Enf. Ana Souza',
};

/** Who the demo clinician is to the patient (the `pro` claim, as `npm run users -- add` sets it). */
export const DEMO_PROFESSIONAL = { name: 'Enf. Ana Souza', council: 'COREN', number: '123456-ENF', uf: 'SP' };

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
  await auth.setCustomUserClaims(user.uid, { role: 'clinician', pro: DEMO_PROFESSIONAL });
  return { uid: user.uid, ...DEMO_CLINICIAN };
}
