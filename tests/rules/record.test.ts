// consults/{consultId}/record/{doc}: the clinician's entry in the chart. Read by the consult's
// clinician only; written by functions only (saveRecord), so a signed note can never change.
import type { RulesTestEnvironment } from '@firebase/rules-unit-testing';
import { Timestamp, collection, collectionGroup, deleteDoc, doc, getDoc, getDocs, setDoc, updateDoc, type Firestore } from 'firebase/firestore';
import { afterAll, beforeAll, beforeEach, describe, it } from 'vitest';
import type { ConsultStatus, RecordDoc } from '../../functions/src/lib/model';
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
  remove,
  rulesEnvironment,
  worldDocs,
  type Actor,
  type ActorName,
  type Operation,
} from './world';

let env: RulesTestEnvironment;
beforeAll(async () => {
  env = await rulesEnvironment('record');
});
afterAll(async () => {
  await env?.cleanup();
});
beforeEach(async () => {
  await env.clearFirestore();
  await arrange(env, { ...worldDocs(), [notePath()]: signedRecord(), [notePath(OTHER_CONSULT)]: signedRecord(ACTORS.otherClinician.uid!) });
});

const notePath = (consultId = CONSULT) => `consults/${consultId}/record/note`;
const note = (db: Firestore, consultId = CONSULT) => doc(db, notePath(consultId));

const at = (iso: string) => Timestamp.fromDate(new Date(iso));

/** A signed note with one addendum, as saveRecord leaves it. */
function signedRecord(by = CLINICIAN): RecordDoc<Timestamp> {
  return {
    note: 'Úlcera venosa em maléolo medial E, 3 x 2 cm.',
    noteHash: 'c'.repeat(64),
    savedAt: at('2026-11-25T13:20:00Z'),
    signedAt: at('2026-11-25T13:20:00Z'),
    signedBy: by,
    addenda: [{ text: 'Cultura negativa.', hash: 'd'.repeat(64), at: at('2026-11-26T09:00:00Z'), by }],
  };
}

/** What a forger would write: its own draft, unsigned, in the record's shape. */
function forgedRecord(actor: Actor): RecordDoc<Timestamp> {
  return { ...signedRecord(actor.uid ?? CLINICIAN), note: 'Nota reescrita.', signedAt: null, signedBy: null, addenda: [] };
}

const operations = {
  get: { what: "read the consult's record", run: (db) => getDoc(note(db)) },
  list: { what: "list the consult's record", run: (db) => getDocs(collection(db, `consults/${CONSULT}/record`)) },
  create: {
    what: 'create another record document',
    run: (db, actor) => setDoc(doc(db, `consults/${CONSULT}/record/draft`), forgedRecord(actor)),
  },
  overwrite: { what: 'overwrite the record', run: (db, actor) => setDoc(note(db), forgedRecord(actor)) },
  update: { what: 'change the signed note', run: (db) => updateDoc(note(db), { note: 'Nota alterada.', signedAt: null }) },
  addAddendum: {
    what: 'add an addendum itself',
    run: (db, actor) =>
      updateDoc(note(db), { addenda: [...signedRecord().addenda, { text: 'Adendo.', hash: 'e'.repeat(64), at: Timestamp.now(), by: actor.uid ?? 'x' }] }),
  },
  delete: { what: 'delete the record', run: (db) => deleteDoc(note(db)) },
} satisfies Record<string, Operation>;

const reader = { get: ALLOW, list: ALLOW, create: DENY, overwrite: DENY, update: DENY, addAddendum: DENY, delete: DENY };
const outsider = { get: DENY, list: DENY, create: DENY, overwrite: DENY, update: DENY, addAddendum: DENY, delete: DENY };

const table: Record<ActorName, Record<keyof typeof operations, boolean>> = {
  nobody: outsider,
  stranger: outsider,
  otherPatient: outsider,
  // The patient has no in-app access to the chart: it reaches them through the clinic.
  patient: outsider,
  clinician: reader,
  otherClinician: outsider,
  admin: outsider,
};

describe('consults/{consultId}/record/{doc}', () => {
  it.each(matrix(operations, table))('%s', (_name, c) => checkCase(env, operations, c));

  it('the clinician cannot write the first note of a consult that has none: only saveRecord does', async () => {
    await remove(env, notePath());
    await expectRules(DENY, setDoc(note(dbAs(env, ACTORS.clinician)), forgedRecord(ACTORS.clinician)));
  });

  const statuses: ConsultStatus[] = ['admitted', 'ended', 'cancelled'];
  it.each(statuses)('the clinician can read the record while the consult is %s, and the patient cannot', async (status) => {
    await arrange(env, { [`consults/${CONSULT}`]: consultDoc({ status }) });
    await expectRules(ALLOW, getDoc(note(dbAs(env, ACTORS.clinician))));
    await expectRules(DENY, getDoc(note(dbAs(env, ACTORS.patient))));
  });

  it("another clinician reads its own consult's record, not this one's", async () => {
    const db = dbAs(env, ACTORS.otherClinician);
    await expectRules(ALLOW, getDoc(note(db, OTHER_CONSULT)));
    await expectRules(DENY, getDoc(note(db)));
  });

  it("an admin who is a consult's clinician reads its record, and still cannot write it", async () => {
    const admin = ACTORS.admin;
    await arrange(env, { [`consults/${OTHER_CONSULT}`]: consultDoc({ clinicianUid: admin.uid!, patientUid: ACTORS.otherPatient.uid! }) });
    const db = dbAs(env, admin);
    await expectRules(ALLOW, getDoc(note(db, OTHER_CONSULT)));
    await expectRules(DENY, updateDoc(note(db, OTHER_CONSULT), { note: 'Nota alterada.' }));
    await expectRules(DENY, deleteDoc(note(db, OTHER_CONSULT)));
  });

  it('the clinician loses read access once its role claim is revoked', async () => {
    const revoked: Actor = { ...ACTORS.clinician, token: { firebase: { sign_in_provider: 'password' }, email_verified: true } };
    await expectRules(DENY, getDoc(note(dbAs(env, revoked))));
  });

  it("the clinician cannot query every consult's records as a collection group", async () => {
    await expectRules(DENY, getDocs(collectionGroup(dbAs(env, ACTORS.clinician), 'record')));
  });
});
