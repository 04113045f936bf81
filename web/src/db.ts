// Firestore, loaded on demand: the clinician's screens import it directly; the patient's path
// imports it with import() only after consent, so its SDK is not part of the first download.
import { connectFirestoreEmulator, getFirestore, type Firestore } from 'firebase/firestore';
import { app, emulators, hostPort } from './firebase';

export const db: Firestore = getFirestore(app);

if (emulators) {
  const fs = hostPort(emulators.firestore);
  connectFirestoreEmulator(db, fs.host, fs.port);
}
