// A Firestore + Auth of its own for one ops test file: purge, report and subject requests look at
// the whole database, so they run in a demo project no other test writes to (the emulators keep
// data per project id).
import { initializeApp } from 'firebase-admin/app';
import { getAuth, type Auth } from 'firebase-admin/auth';
import { getFirestore, type Firestore } from 'firebase-admin/firestore';
import { randomUUID } from 'node:crypto';
import { authHost, firestoreHost } from '../support/emulators';

export interface IsolatedProject {
  projectId: string;
  db: Firestore;
  auth: Auth;
}

export function isolatedProject(purpose: string): IsolatedProject {
  firestoreHost();
  authHost();
  const projectId = `demo-ops-${purpose}-${randomUUID().slice(0, 8)}`;
  const app = initializeApp({ projectId }, projectId);
  return { projectId, db: getFirestore(app), auth: getAuth(app) };
}
