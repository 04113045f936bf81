// Who is signed in, and their role claim. Clinicians sign in with email and password;
// patients are anonymous users created when they open an invite.
import { computed, signal } from '@preact/signals';
import {
  onAuthStateChanged,
  signInAnonymously,
  signInWithEmailAndPassword,
  signOut as firebaseSignOut,
  updateCurrentUser,
  type User,
} from 'firebase/auth';
import { auth, identityOfEarlierVersion } from '../firebase';

export interface Session {
  uid: string;
  email: string | null;
  anonymous: boolean;
  role: 'clinician' | 'admin' | null;
  /** The raw `pro` claim (council registration); read with professionalOf where shown. */
  pro?: unknown;
}

/** undefined until Firebase has restored (or not) the previous session. */
export const session = signal<Session | null | undefined>(undefined);
export const authReady = computed(() => session.value !== undefined);
export const isClinician = computed(() => {
  const role = session.value?.role;
  return role === 'clinician' || role === 'admin';
});

export async function toSession(user: User): Promise<Session> {
  const token = await user.getIdTokenResult();
  const claim = token.claims['role'];
  return {
    uid: user.uid,
    email: user.email,
    anonymous: user.isAnonymous,
    role: claim === 'clinician' || claim === 'admin' ? claim : null,
    pro: token.claims['pro'],
  };
}

onAuthStateChanged(auth, (user) => {
  if (!user) {
    session.value = null;
    return;
  }
  toSession(user).then(
    (s) => {
      if (auth.currentUser?.uid === user.uid) session.value = s;
    },
    () => {
      session.value = { uid: user.uid, email: user.email, anonymous: user.isAnonymous, role: null };
    },
  );
});

export async function signInClinician(email: string, password: string): Promise<Session> {
  const cred = await signInWithEmailAndPassword(auth, email.trim(), password);
  const s = await toSession(cred.user);
  session.value = s;
  return s;
}

/**
 * The patient's identity for this invite: the anonymous user this consult's page made on this
 * device before (each invite page has an Auth of its own, web/src/firebase.ts), or a new one.
 * `earlier`, when given, is tried first for a page with no identity yet: it says whether a user
 * kept by an earlier version of the page is the one this invite is bound to.
 */
export async function ensurePatientUser(earlier?: (user: User) => Promise<boolean>): Promise<string> {
  await auth.authStateReady();
  const current = auth.currentUser;
  if (current?.isAnonymous) return current.uid;
  if (current) await firebaseSignOut(auth);
  const kept = earlier ? await identityOfEarlierVersion() : null;
  if (kept && earlier) {
    await updateCurrentUser(auth, kept);
    if (await earlier(kept).catch(() => false)) return kept.uid;
  }
  const cred = await signInAnonymously(auth);
  return cred.user.uid;
}

/** A new identity for this invite, when the one kept on the device was deleted (its account purged). */
export async function renewPatientUser(): Promise<string> {
  await firebaseSignOut(auth);
  return (await signInAnonymously(auth)).user.uid;
}

export function signOut(): Promise<void> {
  return firebaseSignOut(auth);
}
