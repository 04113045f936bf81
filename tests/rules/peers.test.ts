// consults/{consultId}/peers/{uid}: read by the participants; written by that uid only, after its
// consent and while the consult is admitted, in the shape of PeerDoc; deleted by its owner any time.
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
  ACTOR_NAMES,
  ALLOW,
  CLINICIAN,
  CONSULT,
  DENY,
  PATIENT,
  PEER_LIMITS,
  arrange,
  can,
  checkCase,
  consentDoc,
  consultDoc,
  dbAs,
  expectRules,
  matrix,
  peerPath,
  peerStored,
  peerWrite,
  remove,
  rulesEnvironment,
  withdrawalDoc,
  worldDocs,
  type Actor,
  type ActorName,
  type Operation,
} from './world';

let env: RulesTestEnvironment;
beforeAll(async () => {
  env = await rulesEnvironment('peers');
});
afterAll(async () => {
  await env?.cleanup();
});

// Everyone has a consent on this consult, so a denial below is about who they are, not consent.
const everyonesConsent = Object.fromEntries(
  ACTOR_NAMES.flatMap((name) => {
    const uid = ACTORS[name].uid;
    return uid ? [[`consults/${CONSULT}/consents/${uid}`, consentDoc(uid)]] : [];
  }),
);
beforeEach(async () => {
  await env.clearFirestore();
  await arrange(env, { ...worldDocs(), ...everyonesConsent });
});

const peer = (db: Firestore, uid: string) => doc(db, peerPath(uid));
/** The role a person would claim: what its token says, else a patient. */
const roleOf = (actor: Actor) => (actor.token?.['role'] === 'clinician' ? 'clinician' : 'patient');
/** Its own peer doc; someone signed out has none and tries the patient's. */
const ownUid = (actor: Actor) => actor.uid ?? PATIENT;

const operations = {
  getPatients: {
    what: "read the patient's peer doc",
    given: () => ({ [peerPath(PATIENT)]: peerStored('patient') }),
    run: (db) => getDoc(peer(db, PATIENT)),
  },
  getClinicians: {
    what: "read the clinician's peer doc",
    given: () => ({ [peerPath(CLINICIAN)]: peerStored('clinician') }),
    run: (db) => getDoc(peer(db, CLINICIAN)),
  },
  list: {
    what: "list the consult's peer docs",
    given: () => ({ [peerPath(PATIENT)]: peerStored('patient'), [peerPath(CLINICIAN)]: peerStored('clinician') }),
    run: (db) => getDocs(collection(db, `consults/${CONSULT}/peers`)),
  },
  create: {
    what: 'create its own peer doc',
    run: (db, actor) => setDoc(peer(db, ownUid(actor)), peerWrite(roleOf(actor))),
  },
  update: {
    what: 'rewrite its own peer doc',
    given: (actor) => ({ [peerPath(ownUid(actor))]: peerStored(roleOf(actor)) }),
    run: (db, actor) => setDoc(peer(db, ownUid(actor)), peerWrite(roleOf(actor), { seq: 2 })),
  },
  delete: {
    what: 'delete its own peer doc',
    given: (actor) => ({ [peerPath(ownUid(actor))]: peerStored(roleOf(actor)) }),
    run: (db, actor) => deleteDoc(peer(db, ownUid(actor))),
  },
} satisfies Record<string, Operation>;

const participant = { getPatients: ALLOW, getClinicians: ALLOW, list: ALLOW, create: ALLOW, update: ALLOW, delete: ALLOW };
const outsider = { getPatients: DENY, getClinicians: DENY, list: DENY, create: DENY, update: DENY, delete: DENY };

const table: Record<ActorName, Record<keyof typeof operations, boolean>> = {
  nobody: outsider,
  stranger: outsider,
  otherPatient: outsider,
  patient: participant,
  clinician: participant,
  otherClinician: outsider,
  admin: outsider,
};

describe('consults/{consultId}/peers/{uid}', () => {
  it.each(matrix(operations, table))('%s', (_name, c) => checkCase(env, operations, c));

  it('the clinician cannot query every consult\'s peer docs as a collection group', async () => {
    await expectRules(DENY, getDocs(collectionGroup(dbAs(env, ACTORS.clinician), 'peers')));
  });
});

describe('peer docs follow consent and admission', () => {
  const patientDb = () => dbAs(env, ACTORS.patient);
  const createPatientPeer = () => setDoc(peer(patientDb(), PATIENT), peerWrite('patient'));
  const updatePatientPeer = async () => {
    await arrange(env, { [peerPath(PATIENT)]: peerStored('patient') });
    return setDoc(peer(patientDb(), PATIENT), peerWrite('patient', { seq: 2 }));
  };

  it('the patient cannot create its peer doc before its consent exists', async () => {
    await remove(env, `consults/${CONSULT}/consents/${PATIENT}`);
    await expectRules(DENY, createPatientPeer());
  });

  it('the clinician cannot create its peer doc before its own consent exists, even with the patient\'s', async () => {
    await remove(env, `consults/${CONSULT}/consents/${CLINICIAN}`);
    await expectRules(DENY, setDoc(peer(dbAs(env, ACTORS.clinician), CLINICIAN), peerWrite('clinician')));
  });

  it('the patient cannot create its peer doc after withdrawing consent', async () => {
    await arrange(env, { [`consults/${CONSULT}/consents/${PATIENT}-withdrawal`]: withdrawalDoc(PATIENT) });
    await expectRules(DENY, createPatientPeer());
  });

  it('the patient cannot update its peer doc after withdrawing consent', async () => {
    await arrange(env, { [`consults/${CONSULT}/consents/${PATIENT}-withdrawal`]: withdrawalDoc(PATIENT) });
    await expectRules(DENY, updatePatientPeer());
  });

  it("the clinician's withdrawal does not stop the patient writing its own peer doc", async () => {
    await arrange(env, { [`consults/${CONSULT}/consents/${CLINICIAN}-withdrawal`]: withdrawalDoc(CLINICIAN) });
    await expectRules(ALLOW, createPatientPeer());
  });

  const notAdmitted: ConsultStatus[] = ['scheduled', 'waiting', 'ended', 'cancelled'];
  it.each(notAdmitted)('the patient cannot create its peer doc while the consult is %s', async (status) => {
    await arrange(env, { [`consults/${CONSULT}`]: consultDoc({ status }) });
    await expectRules(DENY, createPatientPeer());
  });

  it.each(notAdmitted)('the clinician cannot create its peer doc while the consult is %s', async (status) => {
    await arrange(env, { [`consults/${CONSULT}`]: consultDoc({ status }) });
    await expectRules(DENY, setDoc(peer(dbAs(env, ACTORS.clinician), CLINICIAN), peerWrite('clinician')));
  });

  it('the patient cannot update its peer doc once the consult has ended', async () => {
    await arrange(env, { [`consults/${CONSULT}`]: consultDoc({ status: 'ended' }) });
    await expectRules(DENY, updatePatientPeer());
  });

  it('the patient can delete its own peer doc after the consult has ended', async () => {
    await arrange(env, { [`consults/${CONSULT}`]: consultDoc({ status: 'ended' }), [peerPath(PATIENT)]: peerStored('patient') });
    await expectRules(ALLOW, deleteDoc(peer(patientDb(), PATIENT)));
  });

  it('the patient can delete its own peer doc after withdrawing consent', async () => {
    await arrange(env, {
      [`consults/${CONSULT}/consents/${PATIENT}-withdrawal`]: withdrawalDoc(PATIENT),
      [peerPath(PATIENT)]: peerStored('patient'),
    });
    await expectRules(ALLOW, deleteDoc(peer(patientDb(), PATIENT)));
  });

  it('the clinician can delete its own peer doc after cancelling the consult', async () => {
    await arrange(env, { [`consults/${CONSULT}`]: consultDoc({ status: 'cancelled' }), [peerPath(CLINICIAN)]: peerStored('clinician') });
    await expectRules(ALLOW, deleteDoc(peer(dbAs(env, ACTORS.clinician), CLINICIAN)));
  });

  it('the patient can append candidates with a partial update', async () => {
    await arrange(env, { [peerPath(PATIENT)]: peerStored('patient') });
    const more = [{ candidate: 'candidate:2 1 udp 1686052607 203.0.113.7 61000 typ srflx', sdpMid: '0', sdpMLineIndex: 0 }];
    await expectRules(ALLOW, updateDoc(peer(patientDb(), PATIENT), { candidates: more, updatedAt: serverTimestamp() }));
  });
});

describe("nobody writes someone else's peer doc", () => {
  const roles = ['patient', 'clinician'] as const;

  it.each(roles)("the clinician cannot create the patient's peer doc claiming the %s role", async (role) => {
    await expectRules(DENY, setDoc(peer(dbAs(env, ACTORS.clinician), PATIENT), peerWrite(role)));
  });

  it.each(roles)("the clinician cannot rewrite the patient's peer doc claiming the %s role", async (role) => {
    await arrange(env, { [peerPath(PATIENT)]: peerStored('patient') });
    await expectRules(DENY, setDoc(peer(dbAs(env, ACTORS.clinician), PATIENT), peerWrite(role, { seq: 9 })));
  });

  it("the clinician cannot delete the patient's peer doc", async () => {
    await arrange(env, { [peerPath(PATIENT)]: peerStored('patient') });
    await expectRules(DENY, deleteDoc(peer(dbAs(env, ACTORS.clinician), PATIENT)));
  });

  it.each(roles)("the patient cannot create the clinician's peer doc claiming the %s role", async (role) => {
    await expectRules(DENY, setDoc(peer(dbAs(env, ACTORS.patient), CLINICIAN), peerWrite(role)));
  });

  it.each(roles)("the patient cannot rewrite the clinician's peer doc claiming the %s role", async (role) => {
    await arrange(env, { [peerPath(CLINICIAN)]: peerStored('clinician') });
    await expectRules(DENY, setDoc(peer(dbAs(env, ACTORS.patient), CLINICIAN), peerWrite(role, { seq: 9 })));
  });

  it("the patient cannot delete the clinician's peer doc", async () => {
    await arrange(env, { [peerPath(CLINICIAN)]: peerStored('clinician') });
    await expectRules(DENY, deleteDoc(peer(dbAs(env, ACTORS.patient), CLINICIAN)));
  });
});

describe('the shape of a peer doc', () => {
  const sdpOf = (length: number) => 'v=0\r\n'.padEnd(length, 'a');
  const candidates = (count: number) =>
    Array.from({ length: count }, (_, i) => ({ candidate: `candidate:${i} 1 udp 1 192.0.2.1 ${5000 + i} typ host`, sdpMid: '0', sdpMLineIndex: 0 }));
  const { updatedAt: _serverTime, ...withoutUpdatedAt } = peerWrite('patient');
  const { candidatesComplete: _complete, ...withoutCandidatesComplete } = peerWrite('patient');

  // [what the patient writes, its peer doc, allowed]
  const shapes: [string, DocumentData, boolean][] = [
    ['a complete offer-answer peer doc', peerWrite('patient'), ALLOW],
    ['a peer doc with no description yet', peerWrite('patient', { description: null, candidates: [] }), ALLOW],
    ['a peer doc claiming the clinician role', peerWrite('clinician'), DENY],
    ['a peer doc claiming the admin role', peerWrite('patient', { role: 'admin' }), DENY],
    [`an sdp of exactly ${PEER_LIMITS.sdpMax} characters`, peerWrite('patient', { description: { type: 'answer', sdp: sdpOf(PEER_LIMITS.sdpMax) } }), ALLOW],
    [`an sdp of ${PEER_LIMITS.sdpMax + 1} characters`, peerWrite('patient', { description: { type: 'answer', sdp: sdpOf(PEER_LIMITS.sdpMax + 1) } }), DENY],
    ['an sdp that is not a string', peerWrite('patient', { description: { type: 'answer', sdp: 42 } }), DENY],
    ['a description of type pranswer', peerWrite('patient', { description: { type: 'pranswer', sdp: sdpOf(100) } }), DENY],
    ['a description with an unknown key', peerWrite('patient', { description: { type: 'answer', sdp: sdpOf(100), extra: 1 } }), DENY],
    ['a description without its sdp', peerWrite('patient', { description: { type: 'answer' } }), DENY],
    ['a description that is a string', peerWrite('patient', { description: 'answer' }), DENY],
    [`${PEER_LIMITS.candidatesMax} candidates`, peerWrite('patient', { candidates: candidates(PEER_LIMITS.candidatesMax) }), ALLOW],
    [`${PEER_LIMITS.candidatesMax + 1} candidates`, peerWrite('patient', { candidates: candidates(PEER_LIMITS.candidatesMax + 1) }), DENY],
    ['candidates that are not a list', peerWrite('patient', { candidates: { 0: 'candidate:1' } }), DENY],
    ['an unknown key', peerWrite('patient', { note: 'hello' }), DENY],
    ['a peer doc without candidatesComplete', withoutCandidatesComplete, DENY],
    ['candidatesComplete that is not a boolean', peerWrite('patient', { candidatesComplete: 'yes' }), DENY],
    ["an updatedAt from the client's clock", peerWrite('patient', { updatedAt: Timestamp.now() }), DENY],
    ['a peer doc without updatedAt', withoutUpdatedAt, DENY],
    ['a sessionId of 8 characters', peerWrite('patient', { sessionId: 's'.repeat(8) }), ALLOW],
    ['a sessionId of 7 characters', peerWrite('patient', { sessionId: 's'.repeat(7) }), DENY],
    [`a sessionId of ${PEER_LIMITS.sessionIdMax} characters`, peerWrite('patient', { sessionId: 's'.repeat(PEER_LIMITS.sessionIdMax) }), ALLOW],
    [`a sessionId of ${PEER_LIMITS.sessionIdMax + 1} characters`, peerWrite('patient', { sessionId: 's'.repeat(PEER_LIMITS.sessionIdMax + 1) }), DENY],
    ['a sessionId that is a number', peerWrite('patient', { sessionId: 1234567890 }), DENY],
    ['seq 0', peerWrite('patient', { seq: 0 }), ALLOW],
    ['seq 1000000', peerWrite('patient', { seq: 1_000_000 }), ALLOW],
    ['seq 1000001', peerWrite('patient', { seq: 1_000_001 }), DENY],
    ['a negative seq', peerWrite('patient', { seq: -1 }), DENY],
    ['a fractional seq', peerWrite('patient', { seq: 1.5 }), DENY],
  ];

  it.each(shapes.map(([what, data, allowed]) => [`the patient ${can(allowed)} write ${what}`, data, allowed] as const))(
    '%s',
    async (_name, data, allowed) => {
      await expectRules(allowed, setDoc(peer(dbAs(env, ACTORS.patient), PATIENT), data));
    },
  );

  it('the clinician can write a peer doc claiming the clinician role', async () => {
    await expectRules(ALLOW, setDoc(peer(dbAs(env, ACTORS.clinician), CLINICIAN), peerWrite('clinician')));
  });

  it('the clinician cannot write a peer doc claiming the patient role', async () => {
    await expectRules(DENY, setDoc(peer(dbAs(env, ACTORS.clinician), CLINICIAN), peerWrite('patient')));
  });

  it('the patient cannot grow an existing peer doc past the candidate limit with a partial update', async () => {
    await arrange(env, { [peerPath(PATIENT)]: peerStored('patient') });
    const tooMany = Array.from({ length: PEER_LIMITS.candidatesMax + 1 }, (_, i) => ({ candidate: `candidate:${i}`, sdpMid: '0', sdpMLineIndex: 0 }));
    await expectRules(DENY, updateDoc(peer(dbAs(env, ACTORS.patient), PATIENT), { candidates: tooMany, updatedAt: serverTimestamp() }));
  });

  it('the patient cannot keep a stale updatedAt with a partial update', async () => {
    await arrange(env, { [peerPath(PATIENT)]: peerStored('patient') });
    await expectRules(DENY, updateDoc(peer(dbAs(env, ACTORS.patient), PATIENT), { seq: 3 }));
  });
});
