import { type Firestore } from 'firebase-admin/firestore';

/**
 * revocations/{uid}: written by `npm run users -- revoke` when an account loses its role. An ID
 * token stays valid for up to an hour after that, role claim and all; a session that signed in
 * at or before the revocation (the token's auth_time) is refused by every staff callable and, in
 * firestore.rules, by every rule that needs the staff role. Signing in again afterwards gives a
 * token of its own, with whatever role the account has then. Functions and the CLI only.
 */
export interface RevocationDoc {
  /** The revocation, in whole seconds since the epoch (comparable with a token's auth_time). */
  atSeconds: number;
}

export const revocationRef = (db: Firestore, uid: string) => db.collection('revocations').doc(uid);

/** Whether a session that signed in at `authTimeSeconds` predates the account's revocation. */
export async function isRevoked(db: Firestore, uid: string, authTimeSeconds: number): Promise<boolean> {
  const snap = await revocationRef(db, uid).get();
  if (!snap.exists) return false;
  const at = (snap.data() as Partial<RevocationDoc>).atSeconds;
  // A revocation without a readable time revokes every session.
  if (typeof at !== 'number' || !Number.isFinite(authTimeSeconds)) return true;
  return authTimeSeconds <= at;
}
