// Paths no client may touch: the invite's secret, the audit log, system state, rate limits and
// anything the access table does not name. Functions reach them through the admin SDK only.
import type { RulesTestEnvironment } from '@firebase/rules-unit-testing';
import { collection, deleteDoc, doc, getDoc, getDocs, setDoc, updateDoc, type Firestore } from 'firebase/firestore';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { ACTORS, ACTOR_NAMES, CONSULT, DENY, arrange, dbAs, expectRules, rulesEnvironment, worldDocs } from './world';

const closedPaths = [
  { path: `consults/${CONSULT}/private/invite`, what: "the consult's invite" },
  { path: 'audit/event-1', what: 'an audit entry' },
  { path: 'system/auditHead', what: "the system audit chain's head" },
  { path: 'rateLimits/redeem-198.51.100.0', what: 'a rate limit counter' },
  { path: 'clinicians/clinician-uid', what: 'a document in a collection the rules do not name' },
];

const parent = (path: string) => path.slice(0, path.lastIndexOf('/'));
const operations = {
  get: { what: 'read', run: (db: Firestore, path: string) => getDoc(doc(db, path)) },
  list: { what: 'list', run: (db: Firestore, path: string) => getDocs(collection(db, parent(path))) },
  create: { what: 'create', run: (db: Firestore, path: string) => setDoc(doc(db, `${path}-new`), { stored: true }) },
  update: { what: 'update', run: (db: Firestore, path: string) => updateDoc(doc(db, path), { stored: false }) },
  delete: { what: 'delete', run: (db: Firestore, path: string) => deleteDoc(doc(db, path)) },
};
type Op = keyof typeof operations;

const cases = closedPaths.flatMap(({ path, what }) =>
  ACTOR_NAMES.flatMap((name) =>
    (Object.keys(operations) as Op[]).map(
      (op) => [`${ACTORS[name].label} cannot ${operations[op].what} ${what}`, { path, name, op }] as const,
    ),
  ),
);

let env: RulesTestEnvironment;
// Every operation here is denied, so nothing changes between tests: one arrangement serves all.
// Each document exists, so a read that the rules wrongly allowed would succeed and fail its test.
beforeAll(async () => {
  env = await rulesEnvironment('closed-paths');
  await env.clearFirestore();
  await arrange(env, { ...worldDocs(), ...Object.fromEntries(closedPaths.map(({ path }) => [path, { stored: true }])) });
});
afterAll(async () => {
  await env?.cleanup();
});

describe('paths closed to every client', () => {
  it.each(cases)('%s', async (_name, { path, name, op }) => {
    await expectRules(DENY, operations[op].run(dbAs(env, ACTORS[name]), path));
  });
});
