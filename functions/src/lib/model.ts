// Shapes of the documents in Firestore: the contract between functions, rules and the web.
// Timestamps are Firestore Timestamps on the wire; the web and functions each map them.
import type { Professional } from './identity';

export type Role = 'clinician' | 'admin';
export type ConsultStatus = 'scheduled' | 'waiting' | 'admitted' | 'ended' | 'cancelled';

/** The call has begun (and may be over): the identity is checked and the record written from then on. */
export const callHasStarted = (status: ConsultStatus): boolean => status === 'admitted' || status === 'ended';

/** Where the patient is before admission, as shown in the clinician's waiting room. */
export type PatientProgress = 'invited' | 'link_opened' | 'consented' | 'withdrawn';

/** consults/{consultId} — written by functions only. */
export interface ConsultDoc<Time = unknown> {
  clinicianUid: string;
  patientUid: string | null;
  /** A name or reference chosen by the clinician; never health data. */
  patientLabel: string;
  scheduledFor: Time;
  durationMinutes: number;
  status: ConsultStatus;
  patientProgress: PatientProgress;
  createdAt: Time;
  updatedAt: Time;
  admittedAt: Time | null;
  endedAt: Time | null;
  /** Why a consult ended: the clinician ended it, a participant withdrew consent, … */
  endReason: 'clinician' | 'admin' | 'consent_withdrawn' | 'expired' | null;
  /** Head of this consult's audit hash chain. */
  auditHead: { seq: number; hash: string };
  /**
   * What the clinician told the waiting patient about a delay (absent or null: nothing). The note
   * is shown to the patient and never copied into the audit chain.
   */
  runningLate?: RunningLate<Time> | null;
  /** Who treats the patient, as registered when the consult was scheduled (CFM 2.314/2022 art. 6). */
  clinician?: Professional;
  /** Who the patient says they are, and whether the clinician checked it on video (absent: not yet given). */
  patientIdentity?: PatientIdentity<Time> | null;
  /**
   * The recording made on the clinician's device (absent or null: never recorded). `on` drives the
   * patient's "Gravando" indicator; the end of the consult or a withdrawal turns it off at once,
   * and the clinician's page then closes it with the saved file's hash (`closed`).
   */
  recording?: RecordingState<Time> | null;
}

export interface RecordingState<Time = unknown> {
  id: string;
  on: boolean;
  startedAt: Time;
  stoppedAt: Time | null;
  /** The stop entry (with the file's hash, if any) is in the chain: a new recording may start. */
  closed: boolean;
}

/** Wound photos and recordings: bounds both pages and the functions hold to. */
export const MEDIA_LIMITS = {
  photoBytesMax: 4 * 1024 * 1024,
  photoSideMax: 16_384,
  siteMax: 60,
  /** 12 hours of recording. */
  recordingDurationMaxMs: 12 * 3600_000,
  /** 8 GiB. */
  recordingBytesMax: 8 * 1024 ** 3,
  mimeTypeMax: 100,
  /** photoId and recordingId: random, 12 to 40 letters, digits, '-' or '_'. */
  idPattern: /^[A-Za-z0-9_-]{12,40}$/,
} as const;

/**
 * consults/{consultId}/media/{mediaId} — what is known of a wound photo or a recording the
 * clinician's device keeps: never the file, only its hash and metadata, written by functions and
 * read by the consult's clinician only. `seq` is the audit entry that recorded it.
 */
export type MediaDoc<Time = unknown> = PhotoMediaDoc<Time> | RecordingMediaDoc<Time>;

export interface PhotoMediaDoc<Time = unknown> {
  kind: 'photo';
  site: string | null;
  sha256: string;
  bytes: number;
  width: number;
  height: number;
  /** False when the patient sent it without being asked. */
  requested: boolean;
  at: Time;
  seq: number;
  /** The clinician's uid. */
  by: string;
}

export interface RecordingMediaDoc<Time = unknown> {
  kind: 'recording';
  sha256: string;
  bytes: number;
  durationMs: number;
  mimeType: string;
  startedAt: Time;
  stoppedAt: Time;
  reason: 'clinician' | 'ended' | 'consent_withdrawn' | 'failed';
  at: Time;
  seq: number;
  by: string;
}

/** The first consent version whose text covers wound photos: older consents do not allow them. */
export const PHOTO_CONSENT_VERSION = '2026-12-02.2';

/** Consent versions are dates, optionally with a revision of that day ("2026-12-02.2"); compares them in order. */
export function consentVersionAtLeast(version: string, minimum: string): boolean {
  const key = (v: string): [string, number] => {
    const [date = '', rev = '1'] = v.split('.');
    return [date, Number(rev)];
  };
  const [d1, r1] = key(version);
  const [d2, r2] = key(minimum);
  return d1 !== d2 ? d1 > d2 : r1 >= r2;
}

/**
 * The patient's identity for the record. The patient gives it (in the waiting room); the clinician
 * confirms it after seeing them and a document on video, and may correct it (or enter it for a
 * patient who could not type it). Kept with the consult for the clinical-record retention.
 */
export interface PatientIdentity<Time = unknown> {
  fullName: string;
  /** YYYY-MM-DD */
  birthDate: string;
  /** 11 digits, check digits valid; null when the clinic does not ask or the patient has none. */
  cpf: string | null;
  /** Who last wrote these values: the patient stating them, or the clinician correcting them. */
  statedBy: 'patient' | 'clinician';
  statedAt: Time;
  confirmedAt: Time | null;
  /** The document shown on video ("RG 12.345.678-9"), if the clinician noted it. */
  document: string | null;
}

/**
 * consults/{consultId}/record/note — the clinician's entry in the chart, written by functions
 * only and read by the consult's clinician only. A draft until signed; signed, it never
 * changes again and later words are addenda, each kept in order with its time and hash.
 */
export interface RecordDoc<Time = unknown> {
  note: string;
  /** hex SHA-256 of the note's UTF-8 bytes: the audit chain carries the same hash. */
  noteHash: string;
  savedAt: Time;
  signedAt: Time | null;
  signedBy: string | null;
  addenda: RecordAddendum<Time>[];
}

export interface RecordAddendum<Time = unknown> {
  text: string;
  hash: string;
  at: Time;
  by: string;
}

export const RECORD_LIMITS = { noteMax: 20_000, addendumMax: 4_000, addendaMax: 40 } as const;

export const RUNNING_LATE_MINUTES = [5, 10, 15] as const;
export const RUNNING_LATE_NOTE_MAX = 140;

export interface RunningLate<Time = unknown> {
  /** About how late: 5, 10 or 15 minutes, or null when only a note says it. */
  minutes: (typeof RUNNING_LATE_MINUTES)[number] | null;
  note: string | null;
  at: Time;
}

/** consults/{consultId}/private/invite — nobody but functions reads it. */
export interface InviteDoc<Time = unknown> {
  /** hex SHA-256 of the secret; the secret itself is never stored. */
  secretHash: string;
  expiresAt: Time;
  failedAttempts: number;
  lockedUntil: Time | null;
  redeemedBy: string | null;
}

/** consults/{consultId}/consents/{uid} and its withdrawals — immutable once written. */
export interface ConsentDoc<Time = unknown> {
  uid: string;
  kind: 'clinician' | 'patient';
  textVersion: string;
  locale: 'pt-BR' | 'en';
  /** hex SHA-256 of the exact consent text shown. */
  textHash: string;
  recording: boolean;
  userAgent: string;
  acceptedAt: Time;
}

/**
 * consults/{consultId}/consents/{uid}-withdrawal — the LGPD revocation, recorded as its own
 * immutable document beside the consent it revokes. A consent counts while no withdrawal exists.
 */
export interface ConsentWithdrawalDoc<Time = unknown> {
  uid: string;
  withdrawnAt: Time;
  userAgent: string;
}

/**
 * consults/{consultId}/peers/{uid} — the one signaling document each participant owns.
 * The whole document is rewritten on every change (it is small), so it is always consistent.
 */
export interface PeerDoc<Time = unknown> {
  /** Random per page load; the other side ignores data of an earlier session. */
  sessionId: string;
  role: 'clinician' | 'patient';
  /** Rises with every new local description of this session (ICE restarts included). */
  seq: number;
  description: { type: 'offer' | 'answer'; sdp: string } | null;
  /** Candidates gathered for the current `seq`, in order; appended in batches. */
  candidates: PeerCandidate[];
  /** True once gathering for the current `seq` has completed. */
  candidatesComplete: boolean;
  updatedAt: Time;
}

export interface PeerCandidate {
  candidate: string;
  sdpMid: string | null;
  sdpMLineIndex: number | null;
}

export const PEER_LIMITS = {
  sessionIdMax: 64,
  sdpMax: 32_768,
  candidatesMax: 64,
} as const;

/**
 * consults/{consultId}/stats/{uid} — written by that participant only; read by it and the
 * clinician. Holds the pre-call device check and a compact call-quality summary.
 */
export interface StatsDoc<Time = unknown> {
  /** Pre-call progress reported by the patient's page. */
  lobby: 'device_check' | 'devices_ok' | 'waiting' | 'left' | null;
  lobbySeenAt: Time | null;
  connectMs: number | null;
  candidateType: 'host' | 'srflx' | 'prflx' | 'relay' | null;
  rttMs: number | null;
  jitterMs: number | null;
  packetLossPct: number | null;
  bitrateKbps: number | null;
  framesDecoded: number | null;
  iceRestarts: number;
  final: boolean;
  updatedAt: Time;
}

/** audit/{eventId} — append-only, written by functions only. */
export interface AuditEntry<Time = unknown> {
  /** The consult whose chain this entry extends, or null for the system chain. */
  consultId: string | null;
  seq: number;
  action: string;
  actorUid: string | null;
  actorRole: 'clinician' | 'admin' | 'patient' | 'system';
  /** Milliseconds since epoch from the functions' clock; part of the hash. */
  atMs: number;
  at: Time;
  /** Minimal request context: no secrets, no health data, IP hashed. */
  context: Record<string, string | number | boolean | null>;
  prevHash: string;
  hash: string;
}
