import {
  Timestamp,
  type CollectionReference,
  type DocumentReference,
  type DocumentSnapshot,
  type Firestore,
  type Query,
  type Transaction,
} from 'firebase-admin/firestore';
import { appendAudit, type AuditActor, type AuditHead } from '../audit/append';
import type { Caller, RequestContext } from '../lib/callable';
import { fail } from '../lib/errors';
import type { ConsentDoc, ConsultDoc, InviteDoc, MediaDoc, PatientIdentity, RecordDoc, RecordingState } from '../lib/model';

/**
 * The consult store: where every document of a consult lives (the paths of DESIGN.md), who
 * takes part in a consult, whether a consent is in force, and how a change is recorded.
 */

export type StoredConsult = ConsultDoc<Timestamp>;
export type StoredInvite = InviteDoc<Timestamp>;
export type StoredConsent = ConsentDoc<Timestamp>;
export type ParticipantRole = ConsentDoc['kind'];
export type StoredIdentity = PatientIdentity<Timestamp>;
export type StoredRecord = RecordDoc<Timestamp>;
export type StoredMedia = MediaDoc<Timestamp>;
export type StoredRecording = RecordingState<Timestamp>;

// ── where things live ────────────────────────────────────────────────────────────────────

const CONSULTS = 'consults';
const PRIVATE = 'private';
const INVITE = 'invite';
const CONSENTS = 'consents';
const PEERS = 'peers';
const STATS = 'stats';
const RECORD = 'record';
const NOTE = 'note';
const MEDIA = 'media';

export const consultsCollection = (db: Firestore): CollectionReference => db.collection(CONSULTS);
export const newConsultId = (db: Firestore): string => consultsCollection(db).doc().id;
export const consultRef = (db: Firestore, consultId: string): DocumentReference => consultsCollection(db).doc(consultId);
export const inviteRef = (db: Firestore, consultId: string): DocumentReference =>
  consultRef(db, consultId).collection(PRIVATE).doc(INVITE);
export const consentRef = (db: Firestore, consultId: string, uid: string): DocumentReference =>
  consultRef(db, consultId).collection(CONSENTS).doc(uid);
export const withdrawalRef = (db: Firestore, consultId: string, uid: string): DocumentReference =>
  consultRef(db, consultId).collection(CONSENTS).doc(`${uid}-withdrawal`);
export const peersRef = (db: Firestore, consultId: string): CollectionReference => consultRef(db, consultId).collection(PEERS);
export const peerRef = (db: Firestore, consultId: string, uid: string): DocumentReference => peersRef(db, consultId).doc(uid);
export const statsRef = (db: Firestore, consultId: string, uid: string): DocumentReference =>
  consultRef(db, consultId).collection(STATS).doc(uid);

/** The clinician's entry in the chart (RecordDoc): functions write it, its clinician reads it. */
export const recordRef = (db: Firestore, consultId: string): DocumentReference => consultRef(db, consultId).collection(RECORD).doc(NOTE);

/** What is known of a wound photo or a recording (MediaDoc): functions write it, its clinician reads it. */
export const mediaCollection = (db: Firestore, consultId: string): CollectionReference => consultRef(db, consultId).collection(MEDIA);
export const mediaRef = (db: Firestore, consultId: string, mediaId: string): DocumentReference => mediaCollection(db, consultId).doc(mediaId);

/** Every consult's peers, stats and private documents, for the retention runs. */
export const everyPeer = (db: Firestore): Query => db.collectionGroup(PEERS);
export const everyStats = (db: Firestore): Query => db.collectionGroup(STATS);
export const everyPrivate = (db: Firestore): Query => db.collectionGroup(PRIVATE);
export const isInvite = (ref: DocumentReference): boolean => ref.id === INVITE && ref.parent.id === PRIVATE;
/** The consult a peer, stats or private document belongs to. */
export const consultOf = (ref: DocumentReference): DocumentReference => ref.parent.parent!;

/** A new consult with its invite; the consult carries the first entry of its audit chain. */
export function createConsult(tx: Transaction, db: Firestore, consultId: string, consult: StoredConsult, invite: StoredInvite): void {
  tx.create(consultRef(db, consultId), consult);
  tx.create(inviteRef(db, consultId), invite);
}

// ── who takes part ───────────────────────────────────────────────────────────────────────

export const CONSULT_NOT_FOUND = 'This consult does not exist. Check the link or the dashboard.';

export async function readConsult(tx: Transaction, db: Firestore, consultId: string): Promise<StoredConsult> {
  const snap = await tx.get(consultRef(db, consultId));
  if (!snap.exists) fail('consult_not_found', CONSULT_NOT_FOUND);
  return snap.data() as StoredConsult;
}

/** Which side of the consult a uid is on, or null for anyone else (admins included). */
export function roleIn(consult: Pick<ConsultDoc, 'clinicianUid' | 'patientUid'>, uid: string): ParticipantRole | null {
  if (uid === consult.clinicianUid) return 'clinician';
  if (consult.patientUid !== null && uid === consult.patientUid) return 'patient';
  return null;
}

/** Only the clinician who scheduled a consult runs it; an administrator may cancel where allowed. */
export function assertOwner(consult: StoredConsult, caller: Caller, opts: { adminAllowed?: boolean } = {}): void {
  if (roleIn(consult, caller.uid) === 'clinician') return;
  if (opts.adminAllowed && caller.role === 'admin') return;
  fail('not_owner', 'Only the clinician who scheduled this consult can do this.');
}

/** A participant's consent: given (and still on record), withdrawn, and so in force or not. */
export interface ConsentState {
  consent: StoredConsent | null;
  withdrawn: boolean;
  /** A consent counts while no withdrawal document exists beside it. */
  inForce: boolean;
}

function consentStateOf(consent: DocumentSnapshot | undefined, withdrawal: DocumentSnapshot | undefined): ConsentState {
  const given = consent?.exists ? (consent.data() as StoredConsent) : null;
  const withdrawn = Boolean(withdrawal?.exists);
  return { consent: given, withdrawn, inForce: given !== null && !withdrawn };
}

/** A transaction, or the database itself for a plain read. */
export type Reader = { getAll(...refs: DocumentReference[]): Promise<DocumentSnapshot[]> };

export async function readConsent(reader: Reader, db: Firestore, consultId: string, uid: string): Promise<ConsentState> {
  const [consent, withdrawal] = await reader.getAll(consentRef(db, consultId, uid), withdrawalRef(db, consultId, uid));
  return consentStateOf(consent, withdrawal);
}

/** What a refused caller is told, worded for what it was trying to do. */
export interface ParticipantRefusals {
  notFound: string;
  notParticipant: string;
}

export interface Participation extends ConsentState {
  consult: StoredConsult;
  role: ParticipantRole;
  /** The snapshots of `alsoRead`, in order. */
  also: DocumentSnapshot[];
}

/**
 * Reads, in one round trip, a consult with the caller's consent and withdrawal (and any
 * documents of `alsoRead`); refuses a consult that does not exist and a caller who is not one
 * of its participants.
 */
export async function loadForParticipant(
  reader: Reader,
  db: Firestore,
  {
    consultId,
    uid,
    staff,
    refusals,
    alsoRead = [],
  }: {
    consultId: string;
    uid: string;
    /** Whether the caller holds a staff role now: the consult's clinicianUid alone is not enough (a revoked account signing in again). */
    staff: boolean;
    refusals: ParticipantRefusals;
    alsoRead?: DocumentReference[];
  },
): Promise<Participation> {
  const [snap, consent, withdrawal, ...also] = await reader.getAll(
    consultRef(db, consultId),
    consentRef(db, consultId, uid),
    withdrawalRef(db, consultId, uid),
    ...alsoRead,
  );
  if (!snap?.exists) fail('consult_not_found', refusals.notFound);
  const consult = snap.data() as StoredConsult;
  const role = roleIn(consult, uid) ?? fail('not_participant', refusals.notParticipant);
  if (role === 'clinician' && !staff) fail('not_participant', refusals.notParticipant);
  return { consult, role, ...consentStateOf(consent, withdrawal), also };
}

// ── how a change is recorded ─────────────────────────────────────────────────────────────

export interface ConsultChange {
  consultId: string;
  /** The consult as read in this transaction: its audit head is the one extended. */
  consult: Pick<ConsultDoc, 'auditHead'>;
  /** Empty for an entry that records something done around the consult, not to it. */
  patch: Partial<StoredConsult>;
  action: string;
  actor: AuditActor;
  nowMs: number;
  /** Absent for the system's own runs (retention, data-subject requests). */
  request?: RequestContext;
  details?: Record<string, string | number | boolean | null>;
  /** False where nothing of the consult changed: updatedAt is what the record retention counts from. */
  touch?: boolean;
}

/** Writes a change to a consult together with its audit entry, in the caller's transaction; returns the chain's new head. */
export function recordChange(db: Firestore, tx: Transaction, change: ConsultChange): AuditHead {
  const head = appendAudit(db, tx, change.consult.auditHead, {
    consultId: change.consultId,
    action: change.action,
    actor: change.actor,
    atMs: change.nowMs,
    ...(change.request ? { request: change.request } : {}),
    ...(change.details ? { details: change.details } : {}),
  });
  tx.update(consultRef(db, change.consultId), {
    ...change.patch,
    ...(change.touch === false ? {} : { updatedAt: Timestamp.fromMillis(change.nowMs) }),
    auditHead: head,
  });
  return head;
}
