// What both test pages (call.html, the app's call model; classic.html, the bench's baseline)
// take from their URL: the emulators' hosts, the consult, the role, and the <video> to show.
import { initializeApp } from 'firebase/app';
import { connectAuthEmulator, getAuth } from 'firebase/auth';
import { connectFirestoreEmulator, getFirestore } from 'firebase/firestore';

export const params = new URLSearchParams(location.search);
export const need = (k: string): string => {
  const v = params.get(k);
  if (!v) throw new Error(`missing ${k}`);
  return v;
};

const app = initializeApp({ apiKey: 'demo-key', projectId: need('project'), authDomain: `${need('project')}.firebaseapp.com` });
export const auth = getAuth(app);
connectAuthEmulator(auth, `http://${need('auth')}`, { disableWarnings: true });
export const db = getFirestore(app);
const [fsHost, fsPort] = need('firestore').split(':');
connectFirestoreEmulator(db, fsHost!, Number(fsPort));

export const consultId = need('consult');
export const role = need('role') as 'clinician' | 'patient';
export const video = document.getElementById('remote') as HTMLVideoElement;
