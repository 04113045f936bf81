// The small world every rules test runs in: two consults, the people around them, and helpers
// to act as each of them against the Firestore emulator with our firestore.rules loaded.
import {
  assertFails,
  assertSucceeds,
  initializeTestEnvironment,
  type RulesTestEnvironment,
  type TokenOptions,
} from '@firebase/rules-unit-testing';
import {
  Timestamp,
  doc,
  serverTimestamp,
  setLogLevel,
  writeBatch,
  type DocumentData,
  type Firestore,
} from 'firebase/firestore';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { PEER_LIMITS, type ConsultDoc, type ConsultStatus, type PeerDoc, type StatsDoc } from '../../functions/src/lib/model';
import { TEST_PROFESSIONAL } from '../support/admin';

// Denied writes are what half of these tests expect; the SDK would log each one as a warning.
setLogLevel('error');

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** The consult under test, and one more that some of the people below belong to instead. */
export const CONSULT = 'consult-under-test';
export const OTHER_CONSULT = 'another-consult';

export type ActorName = 'nobody' | 'stranger' | 'otherPatient' | 'patient' | 'clinician' | 'otherClinician' | 'admin';

export interface Actor {
  name: ActorName;
  /** How a test name refers to this person: "the patient can read its consult". */
  label: string;
  uid: string | null;
  token?: TokenOptions;
}

const anonymous: TokenOptions = { firebase: { sign_in_provider: 'anonymous' }, provider_id: 'anonymous' };
const password: TokenOptions = { firebase: { sign_in_provider: 'password' }, email_verified: true };
const staff = (role: 'clinician' | 'admin'): TokenOptions => ({ ...password, role, pro: TEST_PROFESSIONAL });

export const ACTORS: Record<ActorName, Actor> = {
  nobody: { name: 'nobody', label: 'someone signed out', uid: null },
  stranger: { name: 'stranger', label: 'a signed-in stranger', uid: 'stranger-uid', token: password },
  otherPatient: { name: 'otherPatient', label: "another consult's patient", uid: 'other-patient-uid', token: anonymous },
  patient: { name: 'patient', label: 'the patient', uid: 'patient-uid', token: anonymous },
  clinician: { name: 'clinician', label: 'the clinician', uid: 'clinician-uid', token: staff('clinician') },
  otherClinician: {
    name: 'otherClinician',
    label: 'another clinician',
    uid: 'other-clinician-uid',
    token: staff('clinician'),
  },
  admin: { name: 'admin', label: 'an admin', uid: 'admin-uid', token: staff('admin') },
};

export const ACTOR_NAMES = Object.keys(ACTORS) as ActorName[];

/** The patient's uid, or the clinician's: every consult in these tests has both. */
export const PATIENT = ACTORS.patient.uid!;
export const CLINICIAN = ACTORS.clinician.uid!;

/**
 * One emulator environment per test file, under its own `demo-rules-<file>` project so that
 * files running in parallel never see each other's data.
 */
export async function rulesEnvironment(file: string): Promise<RulesTestEnvironment> {
  const hostAndPort = process.env.FIRESTORE_EMULATOR_HOST;
  if (!hostAndPort) throw new Error('FIRESTORE_EMULATOR_HOST is not set: run the rules tests through `npm test`.');
  const [host, port] = hostAndPort.split(':');
  return initializeTestEnvironment({
    projectId: `demo-rules-${file}`,
    firestore: { host: host!, port: Number(port), rules: readFileSync(path.join(ROOT, 'firestore.rules'), 'utf8') },
  });
}

/** A client Firestore signed in as `actor` (or signed out), subject to the rules. */
export function dbAs(env: RulesTestEnvironment, actor: Actor): Firestore {
  const context = actor.uid ? env.authenticatedContext(actor.uid, actor.token) : env.unauthenticatedContext();
  // The compat instance is what the test library hands out; the modular API accepts it.
  return context.firestore() as unknown as Firestore;
}

/** Writes documents with the rules switched off: how tests arrange what functions would have written. */
export async function arrange(env: RulesTestEnvironment, docs: Record<string, DocumentData>): Promise<void> {
  await env.withSecurityRulesDisabled(async (context) => {
    const db = context.firestore() as unknown as Firestore;
    const batch = writeBatch(db);
    for (const [docPath, data] of Object.entries(docs)) batch.set(doc(db, docPath), data);
    await batch.commit();
  });
}

/** Deletes documents with the rules switched off, to take away what `worldDocs` arranged. */
export async function remove(env: RulesTestEnvironment, ...paths: string[]): Promise<void> {
  await env.withSecurityRulesDisabled(async (context) => {
    const db = context.firestore() as unknown as Firestore;
    const batch = writeBatch(db);
    for (const docPath of paths) batch.delete(doc(db, docPath));
    await batch.commit();
  });
}

/** Asserts that the rules allow (true) or deny (false) what `attempt` does. */
export async function expectRules(allowed: boolean, attempt: Promise<unknown>): Promise<void> {
  if (allowed) await assertSucceeds(attempt);
  else await assertFails(attempt);
}

export const ALLOW = true;
export const DENY = false;
export const can = (allowed: boolean) => (allowed ? 'can' : 'cannot');

/** What one column of an access table does, in words and as a client call. */
export interface Operation {
  what: string;
  /** Documents the operation needs to exist first (an update needs something to update). */
  given?: (actor: Actor) => Record<string, DocumentData>;
  run: (db: Firestore, actor: Actor) => Promise<unknown>;
}

export interface MatrixCase<Op extends string> {
  actor: Actor;
  op: Op;
  allowed: boolean;
}

/** Runs one case of an access table as its person and checks the rules' verdict. */
export async function checkCase<Op extends string>(
  env: RulesTestEnvironment,
  operations: Record<Op, Operation>,
  { actor, op, allowed }: MatrixCase<Op>,
): Promise<void> {
  const given = operations[op].given?.(actor);
  if (given) await arrange(env, given);
  await expectRules(allowed, operations[op].run(dbAs(env, actor), actor));
}

/**
 * Turns an access table (a row per person, a column per operation) into named test cases:
 * ["the patient can read its consult", { actor, op, allowed }].
 */
export function matrix<Op extends string>(
  operations: Record<Op, Operation>,
  table: Record<ActorName, Record<Op, boolean>>,
): [string, MatrixCase<Op>][] {
  return ACTOR_NAMES.flatMap((name) =>
    (Object.keys(operations) as Op[]).map((op): [string, MatrixCase<Op>] => {
      const allowed = table[name][op];
      const actor = ACTORS[name];
      return [`${actor.label} ${can(allowed)} ${operations[op].what}`, { actor, op, allowed }];
    }),
  );
}

const at = (iso: string) => Timestamp.fromDate(new Date(iso));

export function consultDoc(over: Partial<ConsultDoc<Timestamp>> = {}): ConsultDoc<Timestamp> {
  return {
    clinicianUid: CLINICIAN,
    patientUid: PATIENT,
    patientLabel: 'Maria S.',
    scheduledFor: at('2026-11-25T13:00:00Z'),
    durationMinutes: 30,
    status: 'admitted',
    patientProgress: 'consented',
    createdAt: at('2026-11-24T10:00:00Z'),
    updatedAt: at('2026-11-25T13:01:00Z'),
    admittedAt: at('2026-11-25T13:01:00Z'),
    endedAt: null,
    endReason: null,
    auditHead: { seq: 3, hash: 'a'.repeat(64) },
    ...over,
  };
}

export function consentDoc(uid: string, kind: 'clinician' | 'patient' = 'patient') {
  return {
    uid,
    kind,
    textVersion: '2026-11',
    locale: 'pt-BR',
    textHash: 'b'.repeat(64),
    recording: false,
    userAgent: 'Mozilla/5.0',
    acceptedAt: at('2026-11-25T12:58:00Z'),
  };
}

export function withdrawalDoc(uid: string) {
  return { uid, withdrawnAt: at('2026-11-25T13:10:00Z'), userAgent: 'Mozilla/5.0' };
}

/** The two consults and their participants' consents, as functions leave them once both have consented. */
export function worldDocs(status: ConsultStatus = 'admitted'): Record<string, DocumentData> {
  return {
    [`consults/${CONSULT}`]: consultDoc({ status }),
    [`consults/${CONSULT}/consents/${PATIENT}`]: consentDoc(PATIENT, 'patient'),
    [`consults/${CONSULT}/consents/${CLINICIAN}`]: consentDoc(CLINICIAN, 'clinician'),
    [`consults/${OTHER_CONSULT}`]: consultDoc({
      clinicianUid: ACTORS.otherClinician.uid!,
      patientUid: ACTORS.otherPatient.uid!,
      patientLabel: 'João P.',
    }),
  };
}

export const peerPath = (uid: string, consultId = CONSULT) => `consults/${consultId}/peers/${uid}`;
export const statsPath = (uid: string, consultId = CONSULT) => `consults/${consultId}/stats/${uid}`;

/** A valid peer document as the call engine writes it; `updatedAt` is the server's time. */
export function peerWrite(role: PeerDoc['role'], over: Record<string, unknown> = {}): DocumentData {
  return {
    sessionId: 'session-0123456789',
    role,
    seq: 1,
    description: { type: role === 'clinician' ? 'offer' : 'answer', sdp: 'v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\n' },
    candidates: [{ candidate: 'candidate:1 1 udp 2122260223 192.0.2.10 54400 typ host', sdpMid: '0', sdpMLineIndex: 0 }],
    candidatesComplete: false,
    updatedAt: serverTimestamp(),
    ...over,
  };
}

/** The same peer document as stored, for arranging one that already exists. */
export function peerStored(role: PeerDoc['role']): DocumentData {
  return { ...peerWrite(role), updatedAt: at('2026-11-25T13:02:00Z') };
}

/** A valid stats document as a page writes it; `updatedAt` is the server's time. */
export function statsWrite(over: Record<string, unknown> = {}): DocumentData {
  const stats: Omit<StatsDoc, 'updatedAt' | 'lobbySeenAt'> = {
    lobby: 'waiting',
    connectMs: 140,
    candidateType: 'host',
    rttMs: 12.5,
    jitterMs: 3,
    packetLossPct: 0.4,
    bitrateKbps: 1500,
    framesDecoded: 900,
    iceRestarts: 0,
    final: false,
  };
  return { ...stats, lobbySeenAt: serverTimestamp(), updatedAt: serverTimestamp(), ...over };
}

export function statsStored(): DocumentData {
  return { ...statsWrite(), updatedAt: at('2026-11-25T13:03:00Z') };
}

export { PEER_LIMITS };
