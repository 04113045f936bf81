// consults/{consultId}: read by its clinician and its patient, written by functions only.
import { assertSucceeds, type RulesTestEnvironment } from '@firebase/rules-unit-testing';
import {
  collection,
  deleteDoc,
  doc,
  getDoc,
  getDocs,
  limitToLast,
  orderBy,
  query,
  setDoc,
  Timestamp,
  updateDoc,
  where,
  type Firestore,
} from 'firebase/firestore';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  ACTORS,
  ALLOW,
  CLINICIAN,
  CONSULT,
  DENY,
  PATIENT,
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
  env = await rulesEnvironment('consults');
});
afterAll(async () => {
  await env?.cleanup();
});
beforeEach(async () => {
  await env.clearFirestore();
  await arrange(env, worldDocs());
});

const consults = (db: Firestore) => collection(db, 'consults');

const operations = {
  get: { what: 'read the consult', run: (db) => getDoc(doc(db, `consults/${CONSULT}`)) },
  listByClinician: {
    what: "list the clinician's consults",
    run: (db) => getDocs(query(consults(db), where('clinicianUid', '==', CLINICIAN))),
  },
  listByPatient: {
    what: "list the patient's consults",
    run: (db) => getDocs(query(consults(db), where('patientUid', '==', PATIENT))),
  },
  create: { what: 'create a consult', run: (db) => setDoc(doc(db, 'consults/forged'), consultDoc()) },
  update: { what: 'update the consult', run: (db) => updateDoc(doc(db, `consults/${CONSULT}`), { status: 'ended' }) },
  delete: { what: 'delete the consult', run: (db) => deleteDoc(doc(db, `consults/${CONSULT}`)) },
} satisfies Record<string, Operation>;

// prettier-ignore
const table: Record<ActorName, Record<keyof typeof operations, boolean>> = {
  nobody:         { get: DENY,  listByClinician: DENY,  listByPatient: DENY,  create: DENY, update: DENY, delete: DENY },
  stranger:       { get: DENY,  listByClinician: DENY,  listByPatient: DENY,  create: DENY, update: DENY, delete: DENY },
  otherPatient:   { get: DENY,  listByClinician: DENY,  listByPatient: DENY,  create: DENY, update: DENY, delete: DENY },
  patient:        { get: ALLOW, listByClinician: DENY,  listByPatient: ALLOW, create: DENY, update: DENY, delete: DENY },
  clinician:      { get: ALLOW, listByClinician: ALLOW, listByPatient: DENY,  create: DENY, update: DENY, delete: DENY },
  otherClinician: { get: DENY,  listByClinician: DENY,  listByPatient: DENY,  create: DENY, update: DENY, delete: DENY },
  admin:          { get: DENY,  listByClinician: DENY,  listByPatient: DENY,  create: DENY, update: DENY, delete: DENY },
};

describe('consults/{consultId}', () => {
  it.each(matrix(operations, table))('%s', (_name, c) => checkCase(env, operations, c));

  it('the clinician cannot list every consult without filtering by its own uid', async () => {
    await expectRules(DENY, getDocs(consults(dbAs(env, ACTORS.clinician))));
    await expectRules(DENY, getDocs(query(consults(dbAs(env, ACTORS.clinician)), where('status', '==', 'admitted'))));
  });

  it('the patient cannot list every consult without filtering by its own uid', async () => {
    await expectRules(DENY, getDocs(consults(dbAs(env, ACTORS.patient))));
  });

  it("the clinician's list finds its consult and no other", async () => {
    const found = await getDocs(query(consults(dbAs(env, ACTORS.clinician)), where('clinicianUid', '==', CLINICIAN)));
    expect(found.docs.map((d) => d.id)).toEqual([CONSULT]);
  });

  it("the clinician can watch its dashboard's query, ordered by schedule", async () => {
    const db = dbAs(env, ACTORS.clinician);
    const dashboard = query(consults(db), where('clinicianUid', '==', CLINICIAN), orderBy('scheduledFor', 'asc'), limitToLast(200));
    const found = await assertSucceeds(getDocs(dashboard));
    expect(found.docs.map((d) => d.id)).toEqual([CONSULT]);
  });

  it('another clinician may list by its own uid and finds none of this clinician\'s consults', async () => {
    const other = ACTORS.otherClinician;
    const found = await getDocs(query(consults(dbAs(env, other)), where('clinicianUid', '==', other.uid)));
    expect(found.docs.map((d) => d.id)).not.toContain(CONSULT);
  });

  it('a clinician whose role was revoked can no longer read its consult', async () => {
    const revoked = { ...ACTORS.clinician, token: { firebase: { sign_in_provider: 'password' as const } } };
    await expectRules(DENY, getDoc(doc(dbAs(env, revoked), `consults/${CONSULT}`)));
  });

  it('a session that signed in before its role was revoked reads nothing more, its signaling included; one signed in after, with the role, does', async () => {
    const revokedAt = Math.floor(Date.now() / 1000);
    await arrange(env, { [`revocations/${CLINICIAN}`]: { atSeconds: revokedAt } });
    const session = (authTime: number) => ({ ...ACTORS.clinician, token: { ...ACTORS.clinician.token, auth_time: authTime } });
    const before = dbAs(env, session(revokedAt - 60));
    await expectRules(DENY, getDoc(doc(before, `consults/${CONSULT}`)));
    await expectRules(DENY, getDocs(query(collection(before, 'consults'), where('clinicianUid', '==', CLINICIAN))));
    await expectRules(DENY, getDoc(doc(before, `consults/${CONSULT}/peers/${PATIENT}`)));
    await expectRules(ALLOW, getDoc(doc(dbAs(env, session(revokedAt + 5)), `consults/${CONSULT}`)));
  });

  it('nobody is the patient of a consult whose invite was not redeemed yet', async () => {
    await arrange(env, { 'consults/unredeemed': consultDoc({ patientUid: null, status: 'scheduled' }) });
    await expectRules(DENY, getDoc(doc(dbAs(env, ACTORS.patient), 'consults/unredeemed')));
    await expectRules(DENY, getDoc(doc(dbAs(env, ACTORS.stranger), 'consults/unredeemed')));
    await expectRules(ALLOW, getDoc(doc(dbAs(env, ACTORS.clinician), 'consults/unredeemed')));
  });

  it('nobody can read a consult that does not exist', async () => {
    await expectRules(DENY, getDoc(doc(dbAs(env, ACTORS.clinician), 'consults/missing')));
  });

  it('a delay notice and a new time come only from the functions: neither side writes them, and the patient reads them', async () => {
    const late = { minutes: 10 as const, note: 'Trânsito', at: Timestamp.now() };
    await arrange(env, { [`consults/${CONSULT}`]: consultDoc({ status: 'waiting', runningLate: late }) });
    for (const actor of [ACTORS.clinician, ACTORS.patient]) {
      const ref = doc(dbAs(env, actor), `consults/${CONSULT}`);
      await expectRules(DENY, updateDoc(ref, { runningLate: { minutes: 15, note: 'falso', at: new Date() } }));
      await expectRules(DENY, updateDoc(ref, { runningLate: null }));
      await expectRules(DENY, updateDoc(ref, { scheduledFor: new Date(Date.now() + 86_400_000) }));
    }
    const seen = await getDoc(doc(dbAs(env, ACTORS.patient), `consults/${CONSULT}`));
    expect(seen.get('runningLate')).toMatchObject({ minutes: 10, note: 'Trânsito' });
  });
});
