// consults/{consultId}/stats/{uid}: read by the consult's clinician and by that participant;
// written by that participant only, in the shape of StatsDoc; never deleted by clients.
import type { RulesTestEnvironment } from '@firebase/rules-unit-testing';
import {
  Timestamp,
  collection,
  collectionGroup,
  deleteDoc,
  doc,
  getDoc,
  getDocs,
  serverTimestamp,
  setDoc,
  updateDoc,
  type DocumentData,
  type Firestore,
} from 'firebase/firestore';
import { afterAll, beforeAll, beforeEach, describe, it } from 'vitest';
import type { ConsultStatus } from '../../functions/src/lib/model';
import {
  ACTORS,
  ALLOW,
  CLINICIAN,
  CONSULT,
  DENY,
  PATIENT,
  arrange,
  can,
  checkCase,
  consultDoc,
  dbAs,
  expectRules,
  matrix,
  rulesEnvironment,
  statsPath,
  statsStored,
  statsWrite,
  worldDocs,
  type Actor,
  type ActorName,
  type Operation,
} from './world';

let env: RulesTestEnvironment;
beforeAll(async () => {
  env = await rulesEnvironment('stats');
});
afterAll(async () => {
  await env?.cleanup();
});
beforeEach(async () => {
  await env.clearFirestore();
  await arrange(env, worldDocs());
});

const stats = (db: Firestore, uid: string) => doc(db, statsPath(uid));
/** Its own stats doc; someone signed out has none and tries the patient's. */
const ownUid = (actor: Actor) => actor.uid ?? PATIENT;

const operations = {
  getPatients: {
    what: "read the patient's stats",
    given: () => ({ [statsPath(PATIENT)]: statsStored() }),
    run: (db) => getDoc(stats(db, PATIENT)),
  },
  getClinicians: {
    what: "read the clinician's stats",
    given: () => ({ [statsPath(CLINICIAN)]: statsStored() }),
    run: (db) => getDoc(stats(db, CLINICIAN)),
  },
  getOwn: {
    what: 'read its own stats',
    given: (actor) => ({ [statsPath(ownUid(actor))]: statsStored() }),
    run: (db, actor) => getDoc(stats(db, ownUid(actor))),
  },
  list: {
    what: "list the consult's stats",
    given: () => ({ [statsPath(PATIENT)]: statsStored(), [statsPath(CLINICIAN)]: statsStored() }),
    run: (db) => getDocs(collection(db, `consults/${CONSULT}/stats`)),
  },
  create: {
    what: 'create its own stats',
    run: (db, actor) => setDoc(stats(db, ownUid(actor)), statsWrite()),
  },
  update: {
    what: 'update its own stats',
    given: (actor) => ({ [statsPath(ownUid(actor))]: statsStored() }),
    run: (db, actor) => updateDoc(stats(db, ownUid(actor)), { final: true, updatedAt: serverTimestamp() }),
  },
  delete: {
    what: 'delete its own stats',
    given: (actor) => ({ [statsPath(ownUid(actor))]: statsStored() }),
    run: (db, actor) => deleteDoc(stats(db, ownUid(actor))),
  },
} satisfies Record<string, Operation>;

// prettier-ignore
const table: Record<ActorName, Record<keyof typeof operations, boolean>> = {
  nobody:         { getPatients: DENY,  getClinicians: DENY,  getOwn: DENY,  list: DENY,  create: DENY,  update: DENY,  delete: DENY },
  stranger:       { getPatients: DENY,  getClinicians: DENY,  getOwn: DENY,  list: DENY,  create: DENY,  update: DENY,  delete: DENY },
  otherPatient:   { getPatients: DENY,  getClinicians: DENY,  getOwn: DENY,  list: DENY,  create: DENY,  update: DENY,  delete: DENY },
  patient:        { getPatients: ALLOW, getClinicians: DENY,  getOwn: ALLOW, list: DENY,  create: ALLOW, update: ALLOW, delete: DENY },
  clinician:      { getPatients: ALLOW, getClinicians: ALLOW, getOwn: ALLOW, list: ALLOW, create: ALLOW, update: ALLOW, delete: DENY },
  otherClinician: { getPatients: DENY,  getClinicians: DENY,  getOwn: DENY,  list: DENY,  create: DENY,  update: DENY,  delete: DENY },
  admin:          { getPatients: DENY,  getClinicians: DENY,  getOwn: DENY,  list: DENY,  create: DENY,  update: DENY,  delete: DENY },
};

describe('consults/{consultId}/stats/{uid}', () => {
  it.each(matrix(operations, table))('%s', (_name, c) => checkCase(env, operations, c));

  it('the clinician cannot query every consult\'s stats as a collection group', async () => {
    await expectRules(DENY, getDocs(collectionGroup(dbAs(env, ACTORS.clinician), 'stats')));
  });

  it("the clinician cannot write the patient's stats", async () => {
    await expectRules(DENY, setDoc(stats(dbAs(env, ACTORS.clinician), PATIENT), statsWrite()));
    await arrange(env, { [statsPath(PATIENT)]: statsStored() });
    await expectRules(DENY, updateDoc(stats(dbAs(env, ACTORS.clinician), PATIENT), { lobby: 'left', updatedAt: serverTimestamp() }));
  });

  it("the patient cannot write the clinician's stats", async () => {
    await expectRules(DENY, setDoc(stats(dbAs(env, ACTORS.patient), CLINICIAN), statsWrite()));
  });

  const statuses: ConsultStatus[] = ['scheduled', 'waiting', 'admitted'];
  it.each(statuses)('the patient can report its lobby progress while the consult is %s', async (status) => {
    await arrange(env, { [`consults/${CONSULT}`]: consultDoc({ status }) });
    await expectRules(ALLOW, setDoc(stats(dbAs(env, ACTORS.patient), PATIENT), { lobby: 'device_check', lobbySeenAt: serverTimestamp(), updatedAt: serverTimestamp() }));
  });

  it('each side can send its final summary for two minutes after the end, and nothing after', async () => {
    const now = Date.now();
    await arrange(env, { [`consults/${CONSULT}`]: consultDoc({ status: 'ended', endedAt: Timestamp.fromMillis(now - 30_000) }) });
    await expectRules(ALLOW, setDoc(stats(dbAs(env, ACTORS.patient), PATIENT), statsWrite({ final: true })));
    await expectRules(ALLOW, setDoc(stats(dbAs(env, ACTORS.clinician), CLINICIAN), statsWrite({ final: true })));
    await arrange(env, { [`consults/${CONSULT}`]: consultDoc({ status: 'ended', endedAt: Timestamp.fromMillis(now - 3 * 60_000) }) });
    await expectRules(DENY, setDoc(stats(dbAs(env, ACTORS.patient), PATIENT), statsWrite({ final: true })));
    await expectRules(DENY, updateDoc(stats(dbAs(env, ACTORS.clinician), CLINICIAN), { final: true, updatedAt: serverTimestamp() }));
  });

  it('nobody writes stats into a cancelled consult', async () => {
    await arrange(env, { [`consults/${CONSULT}`]: consultDoc({ status: 'cancelled', endedAt: Timestamp.now() }) });
    await expectRules(DENY, setDoc(stats(dbAs(env, ACTORS.patient), PATIENT), { lobby: 'left', updatedAt: serverTimestamp() }));
  });

  it('a participant without its consent, or after withdrawing it, writes no stats', async () => {
    await arrange(env, { [`consults/${CONSULT}/consents/${PATIENT}-withdrawal`]: { withdrawnAt: Timestamp.now() } });
    await expectRules(DENY, setDoc(stats(dbAs(env, ACTORS.patient), PATIENT), statsWrite()));
    await env.withSecurityRulesDisabled((ctx) => deleteDoc(doc(ctx.firestore(), `consults/${CONSULT}/consents/${CLINICIAN}`)));
    await expectRules(DENY, setDoc(stats(dbAs(env, ACTORS.clinician), CLINICIAN), statsWrite()));
  });

  it("a lobby time is the server's, or the one already there", async () => {
    await expectRules(DENY, setDoc(stats(dbAs(env, ACTORS.patient), PATIENT), { lobby: 'waiting', lobbySeenAt: Timestamp.fromMillis(Date.now() + 86_400_000), updatedAt: serverTimestamp() }));
    await arrange(env, { [statsPath(PATIENT)]: statsStored() });
    // A merge of the call's figures leaves the lobby time as it was.
    await expectRules(ALLOW, setDoc(stats(dbAs(env, ACTORS.patient), PATIENT), { rttMs: 40, updatedAt: serverTimestamp() }, { merge: true }));
    await expectRules(DENY, setDoc(stats(dbAs(env, ACTORS.patient), PATIENT), { lobbySeenAt: Timestamp.fromMillis(0), updatedAt: serverTimestamp() }, { merge: true }));
  });
});

describe('the shape of a stats doc', () => {
  const { updatedAt: _serverTime, ...withoutUpdatedAt } = statsWrite();

  // [what the patient writes, its stats doc, allowed]
  const shapes: [string, DocumentData, boolean][] = [
    ['a complete call summary', statsWrite({ final: true }), ALLOW],
    ['only its lobby progress', { lobby: 'waiting', lobbySeenAt: serverTimestamp(), updatedAt: serverTimestamp() }, ALLOW],
    ['every figure null', statsWrite({ lobby: null, lobbySeenAt: null, connectMs: null, candidateType: null, rttMs: null, jitterMs: null, packetLossPct: null, bitrateKbps: null, framesDecoded: null }), ALLOW],
    ['an unknown key', statsWrite({ userAgent: 'Mozilla/5.0' }), DENY],
    ['a lobby state outside the list', statsWrite({ lobby: 'in_call' }), DENY],
    ['a candidate type outside the list', statsWrite({ candidateType: 'tcp' }), DENY],
    ['a lobbySeenAt that is a string', statsWrite({ lobbySeenAt: '2026-11-25T12:59:00Z' }), DENY],
    ['a negative round-trip time', statsWrite({ rttMs: -1 }), DENY],
    ['a round-trip time of over a minute', statsWrite({ rttMs: 60_001 }), DENY],
    ['a jitter that is a string', statsWrite({ jitterMs: '3' }), DENY],
    ['a packet loss of 100%', statsWrite({ packetLossPct: 100 }), ALLOW],
    ['a packet loss over 100%', statsWrite({ packetLossPct: 100.5 }), DENY],
    ['a connect time of over an hour', statsWrite({ connectMs: 3_600_001 }), DENY],
    ['a bitrate over 1 Gbit/s', statsWrite({ bitrateKbps: 1_000_001 }), DENY],
    ['a fractional frame count', statsWrite({ framesDecoded: 10.5 }), DENY],
    ['a negative frame count', statsWrite({ framesDecoded: -1 }), DENY],
    ['1000 ICE restarts', statsWrite({ iceRestarts: 1000 }), ALLOW],
    ['1001 ICE restarts', statsWrite({ iceRestarts: 1001 }), DENY],
    ['ICE restarts set to null', statsWrite({ iceRestarts: null }), DENY],
    ['final that is not a boolean', statsWrite({ final: 'yes' }), DENY],
    ["an updatedAt from the client's clock", statsWrite({ updatedAt: Timestamp.now() }), DENY],
    ['a stats doc without updatedAt', withoutUpdatedAt, DENY],
  ];

  it.each(shapes.map(([what, data, allowed]) => [`the patient ${can(allowed)} write ${what}`, data, allowed] as const))(
    '%s',
    async (_name, data, allowed) => {
      await expectRules(allowed, setDoc(stats(dbAs(env, ACTORS.patient), PATIENT), data));
    },
  );

  it('the patient cannot slip an unknown key into its stats with a partial update', async () => {
    await arrange(env, { [statsPath(PATIENT)]: statsStored() });
    await expectRules(DENY, updateDoc(stats(dbAs(env, ACTORS.patient), PATIENT), { note: 'x', updatedAt: serverTimestamp() }));
  });

  it('the patient cannot keep a stale updatedAt with a partial update', async () => {
    await arrange(env, { [statsPath(PATIENT)]: statsStored() });
    await expectRules(DENY, updateDoc(stats(dbAs(env, ACTORS.patient), PATIENT), { rttMs: 20 }));
  });
});
