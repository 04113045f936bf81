// Paths no client may touch: the invite's secret, the audit log, system state, rate limits and
// anything the access table does not name. Functions reach them through the admin SDK only.
import type { RulesTestEnvironment } from '@firebase/rules-unit-testing';
import { collection, deleteDoc, doc, getDoc, getDocs, setDoc, updateDoc, type Firestore } from 'firebase/firestore';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { ACTORS, ACTOR_NAMES, CONSULT, DENY, arrange, dbAs, expectRules, rulesEnvironment, worldDocs } from './world';

const closedPaths = [
  { path: `consults/${CONSULT}/private/invite`, what: "the consult's invite", all: "the consult's private documents" },
  { path: 'audit/event-1', what: 'an audit entry', all: 'the audit log' },
  { path: 'system/auditHead', what: "the system audit chain's head", all: 'the system documents' },
  { path: 'rateLimits/redeem-198.51.100.0', what: 'a rate limit counter', all: 'the rate limit counters' },
  { path: 'clinicians/clinician-uid', what: 'a document the rules do not name', all: 'a collection the rules do not name' },
  // record/ is the consult's one clinical subcollection (tests/rules/record.test.ts): a name beside it stays closed.
  { path: `consults/${CONSULT}/chart/note`, what: 'a consult document the rules do not name', all: 'a consult subcollection the rules do not name' },
];
type ClosedPath = (typeof closedPaths)[number];

const parent = (path: string) => path.slice(0, path.lastIndexOf('/'));
const operations = {
  get: { what: (p: ClosedPath) => `read ${p.what}`, run: (db: Firestore, path: string) => getDoc(doc(db, path)) },
  list: { what: (p: ClosedPath) => `list ${p.all}`, run: (db: Firestore, path: string) => getDocs(collection(db, parent(path))) },
  create: { what: (p: ClosedPath) => `create ${p.what}`, run: (db: Firestore, path: string) => setDoc(doc(db, `${path}-new`), { stored: true }) },
  update: { what: (p: ClosedPath) => `update ${p.what}`, run: (db: Firestore, path: string) => updateDoc(doc(db, path), { stored: false }) },
  delete: { what: (p: ClosedPath) => `delete ${p.what}`, run: (db: Firestore, path: string) => deleteDoc(doc(db, path)) },
};
type Op = keyof typeof operations;

const cases = closedPaths.flatMap((closed) =>
  ACTOR_NAMES.flatMap((name) =>
    (Object.keys(operations) as Op[]).map(
      (op) => [`${ACTORS[name].label} cannot ${operations[op].what(closed)}`, { path: closed.path, name, op }] as const,
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
