// Documents shaped like functions/src/lib/model.ts, written straight with the admin SDK.
import { Timestamp, type Firestore } from 'firebase-admin/firestore';
import { NO_HEAD } from '../../functions/src/audit/append';
import type { ConsentDoc, ConsultDoc, ConsultStatus, InviteDoc, MediaDoc, PeerDoc, RecordDoc, StatsDoc } from '../../functions/src/lib/model';
import { CONSENT_VERSIONS } from '../../functions/src/consent/versions';

export const HOUR = 3_600_000;
export const DAY = 24 * HOUR;
export const ts = (ms: number) => Timestamp.fromMillis(ms);

export async function seedConsult(
  db: Firestore,
  opts: { status: ConsultStatus; scheduledForMs: number; durationMinutes?: number; updatedAtMs?: number; patientUid?: string | null; clinicianUid?: string; patientLabel?: string },
): Promise<string> {
  const ref = db.collection('consults').doc();
  const updated = opts.updatedAtMs ?? opts.scheduledForMs;
  const closed = opts.status === 'ended' || opts.status === 'cancelled';
  const consult: ConsultDoc<Timestamp> = {
    clinicianUid: opts.clinicianUid ?? 'clinician-1',
    patientUid: opts.patientUid === undefined ? 'patient-1' : opts.patientUid,
    patientLabel: opts.patientLabel ?? 'Paciente 1',
    scheduledFor: ts(opts.scheduledForMs),
    durationMinutes: opts.durationMinutes ?? 30,
    status: opts.status,
    patientProgress: 'consented',
    createdAt: ts(opts.scheduledForMs - DAY),
    updatedAt: ts(updated),
    admittedAt: opts.status === 'admitted' || opts.status === 'ended' ? ts(opts.scheduledForMs) : null,
    endedAt: closed ? ts(updated) : null,
    endReason: opts.status === 'ended' ? 'clinician' : null,
    auditHead: NO_HEAD,
  };
  await ref.set(consult);
  return ref.id;
}

export async function seedPeer(db: Firestore, consultId: string, uid: string, role: 'clinician' | 'patient' = 'patient') {
  const peer: PeerDoc<Timestamp> = {
    sessionId: 's1', role, seq: 1, description: { type: 'offer', sdp: 'v=0' }, candidates: [], candidatesComplete: true, updatedAt: Timestamp.now(),
  };
  await db.doc(`consults/${consultId}/peers/${uid}`).set(peer);
}

export async function seedInvite(db: Firestore, consultId: string, expiresAtMs: number, redeemedBy: string | null) {
  const invite: InviteDoc<Timestamp> = { secretHash: 'a'.repeat(64), expiresAt: ts(expiresAtMs), failedAttempts: 0, lockedUntil: null, redeemedBy };
  await db.doc(`consults/${consultId}/private/invite`).set(invite);
}

export function statsDoc(updatedAtMs: number, over: Partial<StatsDoc<Timestamp>> = {}): StatsDoc<Timestamp> {
  return {
    lobby: 'left', lobbySeenAt: null, connectMs: 300, candidateType: 'host', rttMs: 20, jitterMs: 2, packetLossPct: 0,
    bitrateKbps: 900, framesDecoded: 1000, iceRestarts: 0, final: true, updatedAt: ts(updatedAtMs), ...over,
  };
}

export async function seedStats(db: Firestore, consultId: string, uid: string, updatedAtMs: number, over: Partial<StatsDoc<Timestamp>> = {}) {
  await db.doc(`consults/${consultId}/stats/${uid}`).set(statsDoc(updatedAtMs, over));
}

export async function seedConsent(db: Firestore, consultId: string, uid: string, kind: 'clinician' | 'patient', acceptedAtMs: number) {
  const consent: ConsentDoc<Timestamp> = {
    uid, kind, textVersion: CONSENT_VERSIONS[kind], locale: 'pt-BR', textHash: 'b'.repeat(64), recording: false, userAgent: 'test', acceptedAt: ts(acceptedAtMs),
  };
  await db.doc(`consults/${consultId}/consents/${uid}`).set(consent);
}

/** Extends a consult's real audit chain, as the callables do. */
export async function seedAudit(
  db: Firestore,
  consultId: string,
  action: string,
  atMs: number,
  actor: { uid: string; role: 'clinician' | 'patient' },
  request?: { ipPrefix: string | null; userAgent: string | null },
) {
  const { appendAudit } = await import('../../functions/src/audit/append');
  const ref = db.doc(`consults/${consultId}`);
  await db.runTransaction(async (tx) => {
    const consult = (await tx.get(ref)).data() as ConsultDoc;
    const head = appendAudit(db, tx, consult.auditHead, { consultId, action, actor, atMs, details: { uid: actor.uid }, ...(request ? { request } : {}) });
    tx.update(ref, { auditHead: head });
  });
}

/** A received wound photo's hash and size, as photoEvent leaves them. */
export async function seedMedia(db: Firestore, consultId: string, mediaId: string, atMs: number) {
  const media: MediaDoc<Timestamp> = {
    kind: 'photo', site: 'Calcanhar esquerdo', sha256: 'e'.repeat(64), bytes: 254_312, width: 1920, height: 1440, requested: true, at: ts(atMs), seq: 1, by: 'clinician-1',
  };
  await db.doc(`consults/${consultId}/media/${mediaId}`).set(media);
}

/** A signed clinical note and the patient's confirmed identity, as saveRecord and confirmIdentity leave them. */
export async function seedRecord(db: Firestore, consultId: string, atMs: number) {
  const record: RecordDoc<Timestamp> = {
    note: 'Curativo trocado.', noteHash: 'c'.repeat(64), savedAt: ts(atMs), signedAt: ts(atMs), signedBy: 'clinician-1', addenda: [],
  };
  await db.doc(`consults/${consultId}/record/note`).set(record);
  await db.doc(`consults/${consultId}`).update({
    patientIdentity: { fullName: 'Maria da Silva Souza', birthDate: '1958-03-12', cpf: '52998224725', statedBy: 'patient', statedAt: ts(atMs), confirmedAt: ts(atMs), document: null },
  });
}
