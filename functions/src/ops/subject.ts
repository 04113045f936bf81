import { Timestamp, type DocumentData, type DocumentReference, type DocumentSnapshot, type Firestore } from 'firebase-admin/firestore';
import type { Auth, UserRecord } from 'firebase-admin/auth';
import { appendSystemAudit } from '../audit/append';
import {
  consentRef,
  consultsCollection,
  inviteRef,
  mediaCollection,
  peerRef,
  recordChange,
  recordRef,
  statsRef,
  withdrawalRef,
} from '../consults/store';
import type { Clock } from '../lib/clock';
import type { ConsultDoc, ConsultStatus, InviteDoc } from '../lib/model';

// LGPD data-subject requests (art. 18) for a patient, who is known to us only by the uid of the
// anonymous account that redeemed the invite. What is kept and why: docs/operations.md.

export const EXPORT_FORMAT = 'teleconsulta.subject-export/1';
const OPEN: ConsultStatus[] = ['scheduled', 'waiting', 'admitted'];

/** A request that cannot be carried out as asked; the sentence says what to do instead. */
export class SubjectRequestError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SubjectRequestError';
  }
}

type Json = string | number | boolean | null | Json[] | { [key: string]: Json };

/** Firestore values as JSON: Timestamps become ISO 8601 strings. */
export function toJson(value: unknown): Json {
  if (value instanceof Timestamp) return value.toDate().toISOString();
  if (value === null || value === undefined) return null;
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') return value;
  if (Array.isArray(value)) return value.map(toJson);
  if (typeof value === 'object') {
    const out: { [key: string]: Json } = {};
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) out[k] = toJson(v);
    return out;
  }
  return String(value);
}

/** The account, without password hashes or tokens. */
function accountOf(user: UserRecord): Json {
  return {
    uid: user.uid,
    anonymous: user.providerData.length === 0,
    providers: user.providerData.map((p) => p.providerId),
    email: user.email ?? null,
    emailVerified: user.emailVerified,
    displayName: user.displayName ?? null,
    phoneNumber: user.phoneNumber ?? null,
    disabled: user.disabled,
    createdAt: user.metadata.creationTime ? new Date(user.metadata.creationTime).toISOString() : null,
    lastSignInAt: user.metadata.lastSignInTime ? new Date(user.metadata.lastSignInTime).toISOString() : null,
    customClaims: toJson(user.customClaims ?? null),
  };
}

async function findUser(auth: Auth, uid: string): Promise<UserRecord | null> {
  try {
    return await auth.getUser(uid);
  } catch (error) {
    if ((error as { code?: string }).code === 'auth/user-not-found') return null;
    throw error;
  }
}

function patientDocs(db: Firestore, consultId: string, uid: string) {
  return {
    consent: consentRef(db, consultId, uid),
    withdrawal: withdrawalRef(db, consultId, uid),
    stats: statsRef(db, consultId, uid),
    peer: peerRef(db, consultId, uid),
    invite: inviteRef(db, consultId),
    record: recordRef(db, consultId),
  };
}

const dataOf = (snap: DocumentSnapshot): Json => (snap.exists ? toJson(snap.data()) : null);

export interface SubjectExport {
  format: typeof EXPORT_FORMAT;
  patientUid: string;
  generatedAt: string;
  account: Json;
  consults: Array<{
    consultId: string;
    consult: Json;
    consent: Json;
    consentWithdrawal: Json;
    stats: Json;
    signaling: Json;
    /** The clinician's note and addenda for this consult: part of the patient's own medical record. */
    clinicalRecord: Json;
    /** What is known of each wound photo and recording (hash, size, time; the files stay with the clinician), with its id. */
    media: Json[];
    /** Only whether and until when the invite bound this patient; the secret's hash is not theirs. */
    invite: { redeemedBy: string | null; expiresAt: Json } | null;
  }>;
  /** Entries of the patient's consults' chains and every entry the patient acted in. */
  auditEntries: Json[];
}

/** Fields of an entry that describe whoever acted: the subject's own, nobody else's. */
const ACTOR_FIELDS = ['ipPrefix', 'userAgent'] as const;

/**
 * An audit entry as the subject may have it: an entry someone else made (the clinician, an
 * administrator) keeps what was done and when, without that person's address prefix and browser,
 * which are theirs (LGPD art. 18 II gives access to one's own data). Its hash is kept, so the
 * clinic can show the entry in the verified chain; the copy itself no longer re-hashes.
 */
function ownedBy(uid: string, entry: DocumentData): DocumentData {
  if (entry['actorUid'] === uid) return entry;
  const context = { ...(entry['context'] as Record<string, unknown> | undefined) };
  const withheld = ACTOR_FIELDS.filter((f) => f in context);
  for (const f of withheld) delete context[f];
  return { ...entry, context: withheld.length ? { ...context, withheld } : context };
}

/** Everything held about a patient (LGPD art. 18 II, access), as JSON. */
export async function exportSubject(db: Firestore, auth: Auth, uid: string, clock: Clock): Promise<SubjectExport> {
  const consults = await consultsCollection(db).where('patientUid', '==', uid).get();
  const out: SubjectExport['consults'] = [];
  const audit = new Map<string, Json>();
  for (const consult of consults.docs) {
    const refs = patientDocs(db, consult.id, uid);
    const [consent, withdrawal, stats, peer, invite, record] = await db.getAll(refs.consent, refs.withdrawal, refs.stats, refs.peer, refs.invite, refs.record);
    const inviteDoc = invite!.data() as InviteDoc<Timestamp> | undefined;
    const media = await mediaCollection(db, consult.id).get();
    out.push({
      consultId: consult.id,
      consult: toJson(consult.data()),
      consent: dataOf(consent!),
      consentWithdrawal: dataOf(withdrawal!),
      stats: dataOf(stats!),
      signaling: dataOf(peer!),
      clinicalRecord: dataOf(record!),
      media: media.docs.map((m) => ({ id: m.id, ...(toJson(m.data()) as object) })),
      invite: inviteDoc ? { redeemedBy: inviteDoc.redeemedBy, expiresAt: toJson(inviteDoc.expiresAt) } : null,
    });
    const chain = await db.collection('audit').where('consultId', '==', consult.id).get();
    for (const entry of chain.docs) audit.set(entry.id, { id: entry.id, ...(toJson(ownedBy(uid, entry.data())) as object) });
  }
  const acted = await db.collection('audit').where('actorUid', '==', uid).get();
  for (const entry of acted.docs) audit.set(entry.id, { id: entry.id, ...(toJson(entry.data()) as object) });
  const user = await findUser(auth, uid);
  const auditEntries = [...audit.values()].sort((a, b) => {
    const x = a as { atMs?: number; seq?: number };
    const y = b as { atMs?: number; seq?: number };
    return (x.atMs ?? 0) - (y.atMs ?? 0) || (x.seq ?? 0) - (y.seq ?? 0);
  });
  return {
    format: EXPORT_FORMAT,
    patientUid: uid,
    generatedAt: new Date(clock.now()).toISOString(),
    account: user ? accountOf(user) : null,
    consults: out,
    auditEntries,
  };
}

export interface ErasureResult {
  consults: number;
  statsDeleted: number;
  signalingDeleted: number;
  invitesDeleted: number;
  accountDeleted: boolean;
  /**
   * Kept for the clinical-record retention: consults (with the patient's identity), consents (with
   * withdrawals), the clinician's notes, what is known of the wound photos and recordings, audit entries.
   */
  kept: { consults: number; consents: number; identities: number; notes: number; media: number };
}

/**
 * Erases what may be erased (LGPD art. 18 VI) and keeps what the law requires (art. 16 I):
 * the consult record, the consent and its withdrawal, and the audit chain belong to the patient
 * record, kept for 20 years (CFM 1.821/2007, Lei 13.787/2018). Call-quality stats, signaling
 * data, the invite binding and the anonymous account are erased. Each affected consult's chain
 * and the system chain record the erasure.
 */
export async function eraseSubject(
  db: Firestore,
  auth: Auth,
  uid: string,
  clock: Clock,
  context: { via: string; operator: string | null },
): Promise<ErasureResult> {
  const consults = await consultsCollection(db).where('patientUid', '==', uid).get();
  const open = consults.docs.filter((c) => OPEN.includes((c.data() as ConsultDoc).status));
  if (open.length > 0) {
    throw new SubjectRequestError(
      `The patient has ${open.length} open consult(s) (${open.map((c) => c.id).join(', ')}): cancel or end them first, then erase.`,
    );
  }
  const nowMs = clock.now();
  const result: ErasureResult = { consults: consults.size, statsDeleted: 0, signalingDeleted: 0, invitesDeleted: 0, accountDeleted: false, kept: { consults: consults.size, consents: 0, identities: 0, notes: 0, media: 0 } };
  for (const consult of consults.docs) {
    const refs = patientDocs(db, consult.id, uid);
    const counts = await db.runTransaction(async (tx) => {
      const snap = await tx.get(consult.ref);
      const current = snap.data() as ConsultDoc | undefined;
      if (!current || current.patientUid !== uid) return null;
      if (OPEN.includes(current.status)) throw new SubjectRequestError(`Consult ${consult.id} was reopened meanwhile: try again once it has ended.`);
      const [stats, peer, invite, consent, withdrawal, record] = await tx.getAll(refs.stats, refs.peer, refs.invite, refs.consent, refs.withdrawal, refs.record);
      // Photos' and recordings' hashes belong to the clinical record: counted, never erased here.
      const media = await tx.get(mediaCollection(db, consult.id).select());
      const erase: DocumentReference[] = [];
      if (stats!.exists) erase.push(refs.stats);
      if (peer!.exists) erase.push(refs.peer);
      const ownInvite = invite!.exists && (invite!.data() as InviteDoc).redeemedBy === uid;
      if (ownInvite) erase.push(refs.invite);
      for (const ref of erase) tx.delete(ref);
      const c = {
        stats: stats!.exists ? 1 : 0,
        signaling: peer!.exists ? 1 : 0,
        invite: ownInvite ? 1 : 0,
        consents: (consent!.exists ? 1 : 0) + (withdrawal!.exists ? 1 : 0),
        identity: current.patientIdentity ? 1 : 0,
        note: record!.exists ? 1 : 0,
        media: media.size,
      };
      recordChange(db, tx, {
        consultId: consult.id,
        consult: current,
        patch: {},
        action: 'subject.erased',
        actor: { uid: null, role: 'system' },
        nowMs,
        details: { subjectUid: uid, statsDeleted: c.stats, signalingDeleted: c.signaling, inviteDeleted: c.invite, via: context.via, operator: context.operator },
        touch: false,
      });
      return c;
    });
    if (!counts) continue;
    result.statsDeleted += counts.stats;
    result.signalingDeleted += counts.signaling;
    result.invitesDeleted += counts.invite;
    result.kept.consents += counts.consents;
    result.kept.identities += counts.identity;
    result.kept.notes += counts.note;
    result.kept.media += counts.media;
  }
  if (await findUser(auth, uid)) {
    await auth.deleteUser(uid);
    result.accountDeleted = true;
  }
  await appendSystemAudit(db, {
    action: 'subject.erased',
    actor: { uid: null, role: 'system' },
    atMs: nowMs,
    details: {
      subjectUid: uid,
      consults: result.consults,
      statsDeleted: result.statsDeleted,
      signalingDeleted: result.signalingDeleted,
      invitesDeleted: result.invitesDeleted,
      accountDeleted: result.accountDeleted,
      via: context.via,
      operator: context.operator,
    },
  });
  return result;
}
