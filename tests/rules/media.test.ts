// consults/{consultId}/media/{mediaId}: what is known of a wound photo or a recording (its hash,
// size and time). Read by the consult's clinician only; written by functions only.
import type { RulesTestEnvironment } from '@firebase/rules-unit-testing';
import { Timestamp, collection, collectionGroup, deleteDoc, doc, getDoc, getDocs, setDoc, updateDoc, type Firestore } from 'firebase/firestore';
import { afterAll, beforeAll, beforeEach, describe, it } from 'vitest';
import type { ConsultStatus, MediaDoc } from '../../functions/src/lib/model';
import {
  ACTORS,
  ALLOW,
  CLINICIAN,
  CONSULT,
  DENY,
  OTHER_CONSULT,
  arrange,
  checkCase,
  consultDoc,
  dbAs,
  expectRules,
  matrix,
  rulesEnvironment,
  worldDocs,
  type ActorName,
  type Operation,
} from './world';

let env: RulesTestEnvironment;
beforeAll(async () => {
  env = await rulesEnvironment('media');
});
afterAll(async () => {
  await env?.cleanup();
});
beforeEach(async () => {
  await env.clearFirestore();
  await arrange(env, {
    ...worldDocs(),
    [photoPath()]: photo(),
    [recordingPath]: recording(),
    [photoPath(OTHER_CONSULT)]: photo(ACTORS.otherClinician.uid!),
  });
});

const PHOTO_ID = 'photo-0123456789';
const photoPath = (consultId = CONSULT) => `consults/${consultId}/media/${PHOTO_ID}`;
const recordingPath = `consults/${CONSULT}/media/rec-0123456789`;
const media = (db: Firestore, consultId = CONSULT) => doc(db, photoPath(consultId));
const at = (iso: string) => Timestamp.fromDate(new Date(iso));

/** A received photo, as photoEvent leaves it. */
function photo(by = CLINICIAN): MediaDoc<Timestamp> {
  return { kind: 'photo', site: 'Calcanhar esquerdo', sha256: 'a'.repeat(64), bytes: 250_000, width: 1920, height: 1080, requested: true, at: at('2026-12-02T13:20:00Z'), seq: 7, by };
}

function recording(): MediaDoc<Timestamp> {
  return {
    kind: 'recording', sha256: 'b'.repeat(64), bytes: 5_000_000, durationMs: 60_000, mimeType: 'video/webm', startedAt: at('2026-12-02T13:10:00Z'),
    stoppedAt: at('2026-12-02T13:11:00Z'), reason: 'clinician', at: at('2026-12-02T13:11:02Z'), seq: 9, by: CLINICIAN,
  };
}

const operations = {
  get: { what: "read a photo's hash and size", run: (db) => getDoc(media(db)) },
  list: { what: "list the consult's media", run: (db) => getDocs(collection(db, `consults/${CONSULT}/media`)) },
  create: { what: 'add a photo of its own', run: (db) => setDoc(doc(db, `consults/${CONSULT}/media/forged-0123456789`), photo()) },
  overwrite: { what: "replace a photo's hash", run: (db) => setDoc(media(db), { ...photo(), sha256: 'f'.repeat(64) }) },
  update: { what: "change a photo's size", run: (db) => updateDoc(media(db), { bytes: 1 }) },
  delete: { what: 'delete a photo', run: (db) => deleteDoc(media(db)) },
} satisfies Record<string, Operation>;

const reader = { get: ALLOW, list: ALLOW, create: DENY, overwrite: DENY, update: DENY, delete: DENY };
const outsider = { get: DENY, list: DENY, create: DENY, overwrite: DENY, update: DENY, delete: DENY };

const table: Record<ActorName, Record<keyof typeof operations, boolean>> = {
  nobody: outsider,
  stranger: outsider,
  otherPatient: outsider,
  // The patient sent the photo, yet reads it (with the rest of the chart) through the clinic.
  patient: outsider,
  clinician: reader,
  otherClinician: outsider,
  admin: outsider,
};

describe('consults/{consultId}/media/{mediaId}', () => {
  it.each(matrix(operations, table))('%s', (_name, c) => checkCase(env, operations, c));

  const statuses: ConsultStatus[] = ['admitted', 'ended'];
  it.each(statuses)('the clinician reads a recording while the consult is %s, and the patient cannot', async (status) => {
    await arrange(env, { [`consults/${CONSULT}`]: consultDoc({ status }) });
    await expectRules(ALLOW, getDoc(doc(dbAs(env, ACTORS.clinician), recordingPath)));
    await expectRules(DENY, getDoc(doc(dbAs(env, ACTORS.patient), recordingPath)));
  });

  it("an admin who is not the consult's clinician reads nothing of it; as a consult's clinician, reads but cannot write", async () => {
    const admin = ACTORS.admin;
    await expectRules(DENY, getDoc(media(dbAs(env, admin))));
    await arrange(env, { [`consults/${OTHER_CONSULT}`]: consultDoc({ clinicianUid: admin.uid!, patientUid: ACTORS.otherPatient.uid! }) });
    const db = dbAs(env, admin);
    await expectRules(ALLOW, getDoc(media(db, OTHER_CONSULT)));
    await expectRules(DENY, updateDoc(media(db, OTHER_CONSULT), { sha256: 'f'.repeat(64) }));
    await expectRules(DENY, deleteDoc(media(db, OTHER_CONSULT)));
  });

  it("the clinician cannot query every consult's media as a collection group", async () => {
    await expectRules(DENY, getDocs(collectionGroup(dbAs(env, ACTORS.clinician), 'media')));
  });
});
