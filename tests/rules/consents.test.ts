// consults/{consultId}/consents/{docId}: read by the consult's participants; written by functions only.
import type { RulesTestEnvironment } from '@firebase/rules-unit-testing';
import { collection, deleteDoc, doc, getDoc, getDocs, setDoc, updateDoc, type Firestore } from 'firebase/firestore';
import { afterAll, beforeAll, beforeEach, describe, it } from 'vitest';
import {
  ALLOW,
  ACTORS,
  CLINICIAN,
  CONSULT,
  DENY,
  OTHER_CONSULT,
  PATIENT,
  arrange,
  checkCase,
  consentDoc,
  dbAs,
  expectRules,
  matrix,
  rulesEnvironment,
  withdrawalDoc,
  worldDocs,
  type Actor,
  type ActorName,
  type Operation,
} from './world';

let env: RulesTestEnvironment;
beforeAll(async () => {
  env = await rulesEnvironment('consents');
});
afterAll(async () => {
  await env?.cleanup();
});
beforeEach(async () => {
  await env.clearFirestore();
  await arrange(env, {
    ...worldDocs(),
    [`consults/${CONSULT}/consents/${PATIENT}-withdrawal`]: withdrawalDoc(PATIENT),
  });
});

const consent = (db: Firestore, uid: string) => doc(db, `consults/${CONSULT}/consents/${uid}`);
/** A forger writes its own consent (or, signed out, the patient's). */
const ownUid = (actor: Actor) => actor.uid ?? PATIENT;

const operations = {
  get: { what: "read the patient's consent", run: (db) => getDoc(consent(db, PATIENT)) },
  getWithdrawal: { what: "read the patient's withdrawal", run: (db) => getDoc(consent(db, `${PATIENT}-withdrawal`)) },
  list: { what: "list the consult's consents", run: (db) => getDocs(collection(db, `consults/${CONSULT}/consents`)) },
  create: {
    what: 'record a consent of its own',
    run: (db, actor) => setDoc(consent(db, `${ownUid(actor)}-forged`), consentDoc(ownUid(actor))),
  },
  createWithdrawal: {
    what: 'record a withdrawal of its own',
    run: (db, actor) => setDoc(consent(db, `${ownUid(actor)}-withdrawal`), withdrawalDoc(ownUid(actor))),
  },
  update: { what: "change the patient's consent", run: (db) => updateDoc(consent(db, PATIENT), { recording: true }) },
  delete: { what: "delete the patient's withdrawal", run: (db) => deleteDoc(consent(db, `${PATIENT}-withdrawal`)) },
} satisfies Record<string, Operation>;

const reader = { get: ALLOW, getWithdrawal: ALLOW, list: ALLOW, create: DENY, createWithdrawal: DENY, update: DENY, delete: DENY };
const outsider = { get: DENY, getWithdrawal: DENY, list: DENY, create: DENY, createWithdrawal: DENY, update: DENY, delete: DENY };

const table: Record<ActorName, Record<keyof typeof operations, boolean>> = {
  nobody: outsider,
  stranger: outsider,
  otherPatient: outsider,
  patient: reader,
  clinician: reader,
  otherClinician: outsider,
  admin: outsider,
};

describe('consults/{consultId}/consents/{docId}', () => {
  it.each(matrix(operations, table))('%s', (_name, c) => checkCase(env, operations, c));

  it("the clinician cannot overwrite its own consent, which is immutable", async () => {
    const db = dbAs(env, ACTORS.clinician);
    await expectRules(DENY, setDoc(consent(db, CLINICIAN), consentDoc(CLINICIAN, 'clinician')));
    await expectRules(DENY, deleteDoc(consent(db, CLINICIAN)));
  });

  it('the patient cannot remove its withdrawal to make its consent count again', async () => {
    await expectRules(DENY, deleteDoc(consent(dbAs(env, ACTORS.patient), `${PATIENT}-withdrawal`)));
  });

  it("another consult's patient reads its own consult's consents, not this one's", async () => {
    const other = ACTORS.otherPatient;
    await arrange(env, { [`consults/${OTHER_CONSULT}/consents/${other.uid}`]: consentDoc(other.uid!) });
    const db = dbAs(env, other);
    await expectRules(ALLOW, getDoc(doc(db, `consults/${OTHER_CONSULT}/consents/${other.uid}`)));
    await expectRules(DENY, getDoc(consent(db, PATIENT)));
  });
});
