// Requests and results of the callable functions: the contract with the web app.
// Functions re-check every request with the zod schemas in schemas.ts.
import type { ConsultStatus } from './model';
import region from './region.json';

/** In region.json because the emulator scripts, plain Node, cannot import TypeScript. */
export const FUNCTIONS_REGION: string = region.functions;

export interface ScheduleConsultRequest {
  patientLabel: string;
  /** ISO 8601 with offset, e.g. 2026-11-25T14:30:00-03:00 */
  scheduledFor: string;
  durationMinutes: number;
}
export interface ScheduleConsultResult {
  consultId: string;
  /** The invite key (base64url, 43 characters); the web builds its own link from it. Shown once, stored only as a hash. */
  secret: string;
  /** `${origin}/join/${consultId}#k=${secret}` — the only time the secret is ever shown. */
  inviteUrl: string;
  inviteExpiresAt: string;
}

export interface ConsultRef {
  consultId: string;
}
export interface StatusResult {
  consultId: string;
  status: ConsultStatus;
}

export interface RedeemInviteRequest {
  consultId: string;
  secret: string;
  /**
   * Only look: check the secret and describe the consult, binding nothing. The patient's page
   * looks when it opens and binds when the patient accepts the consent, so a link scanner or a
   * chat app's preview that runs the page takes nothing.
   */
  look?: boolean;
}
export interface RedeemInviteResult {
  consultId: string;
  status: ConsultStatus;
  patientLabel: string;
  scheduledFor: string;
  durationMinutes: number;
  /** True when this patient already has a consent in force (reopened link). */
  consentRecorded: boolean;
  /** True when the invite is bound to the caller; false after a look at an unbound invite. */
  bound: boolean;
  /** The consent version the patient must accept (texts: functions/src/consent/texts). */
  consentVersion: string;
}

export interface RecordConsentRequest {
  consultId: string;
  version: string;
  locale: 'pt-BR' | 'en';
  /** hex SHA-256 of the exact text the person read; must match the server's copy. */
  textHash: string;
  recording: boolean;
}
export interface RecordConsentResult {
  consultId: string;
  status: ConsultStatus;
  acceptedAt: string;
}

export interface WithdrawConsentResult {
  consultId: string;
  status: ConsultStatus;
  withdrawnAt: string;
}

export interface RescheduleConsultRequest {
  consultId: string;
  /** ISO 8601 with offset, as for scheduleConsult. */
  scheduledFor: string;
}
export interface RescheduleConsultResult {
  consultId: string;
  scheduledFor: string;
  /** The same link keeps working until then. */
  inviteExpiresAt: string;
}

export interface AnnounceDelayRequest {
  consultId: string;
  /** About how late (5, 10 or 15), or null with a note only, or null and no note to take the message back. */
  minutes: 5 | 10 | 15 | null;
  note: string | null;
}
export interface AnnounceDelayResult {
  consultId: string;
  /** False when the message was taken back. */
  shown: boolean;
}

export interface PatientIdentityInput {
  fullName: string;
  /** YYYY-MM-DD */
  birthDate: string;
  /** With or without its dots and dash; required when the clinic asks for it, else null. */
  cpf: string | null;
}
export interface IdentifyPatientRequest extends PatientIdentityInput {
  consultId: string;
}
export interface IdentifyPatientResult {
  consultId: string;
  statedAt: string;
}

export interface ConfirmIdentityRequest {
  consultId: string;
  /** The document the patient showed on video ("RG 12.345.678-9"), or null. */
  document: string | null;
  /** What the clinician writes instead of what the patient gave (or for a patient who gave nothing), or null. */
  correction: PatientIdentityInput | null;
}
export interface ConfirmIdentityResult {
  consultId: string;
  confirmedAt: string;
}

export interface SaveRecordRequest {
  consultId: string;
  text: string;
  /** draft: save the note (before signing); sign: save and sign it, for good; addendum: add to a signed note. */
  mode: 'draft' | 'sign' | 'addendum';
}
export interface SaveRecordResult {
  consultId: string;
  signed: boolean;
  /** hex SHA-256 of what was saved (the note or the addendum), as in the audit chain. */
  hash: string;
  addenda: number;
}

/** hex SHA-256, 64 lowercase digits. */
export type Sha256Hex = string;

/**
 * One step of a wound photo, told by the clinician's page (the photo itself never reaches us):
 * asked for (with the body site, if named), declined by the patient, or received whole with the
 * hash the patient's page sent and the clinician's page checked.
 */
export type PhotoEventRequest =
  | { consultId: string; event: 'requested'; photoId: string; site: string | null }
  | { consultId: string; event: 'declined'; photoId: string; site: string | null }
  | {
      consultId: string;
      event: 'received';
      photoId: string;
      site: string | null;
      /** Whether the clinician asked for it (false: the patient sent it unprompted). */
      requested: boolean;
      sha256: Sha256Hex;
      bytes: number;
      width: number;
      height: number;
    };
export interface PhotoEventResult {
  consultId: string;
  photoId: string;
  /** The audit entry's seq: the same number the record page prints beside the photo. */
  seq: number;
}

/**
 * The consult's recording, made on the clinician's device. `start` needs both consents with
 * recording allowed and a call under way; `stop` carries what was saved (null when nothing could be).
 */
export type SetRecordingRequest =
  | { consultId: string; action: 'start'; recordingId: string }
  | {
      consultId: string;
      action: 'stop';
      recordingId: string;
      /** What stopped it: the clinician, the end of the consult, a withdrawal, or the page failing. */
      reason: 'clinician' | 'ended' | 'consent_withdrawn' | 'failed';
      file: { sha256: Sha256Hex; bytes: number; durationMs: number; mimeType: string } | null;
    };
export interface SetRecordingResult {
  consultId: string;
  recordingId: string;
  on: boolean;
  seq: number;
}

export interface GetIceServersRequest {
  consultId: string;
}
export interface IceServer {
  urls: string | string[];
  username?: string;
  credential?: string;
}
export interface GetIceServersResult {
  iceServers: IceServer[];
  /** ISO time after which the credentials stop working. */
  expiresAt: string;
  provider: 'twilio' | 'coturn' | 'stun';
}

/** Every callable by name, with what it takes and what it answers: functions and web type against this one map. */
export interface Callables {
  scheduleConsult: { request: ScheduleConsultRequest; result: ScheduleConsultResult };
  cancelConsult: { request: ConsultRef; result: StatusResult };
  rescheduleConsult: { request: RescheduleConsultRequest; result: RescheduleConsultResult };
  announceDelay: { request: AnnounceDelayRequest; result: AnnounceDelayResult };
  /** A new link (the same result as scheduling gives): the old one stops working. */
  reissueInvite: { request: ConsultRef; result: ScheduleConsultResult };
  redeemInvite: { request: RedeemInviteRequest; result: RedeemInviteResult };
  recordConsent: { request: RecordConsentRequest; result: RecordConsentResult };
  withdrawConsent: { request: ConsultRef; result: WithdrawConsentResult };
  identifyPatient: { request: IdentifyPatientRequest; result: IdentifyPatientResult };
  confirmIdentity: { request: ConfirmIdentityRequest; result: ConfirmIdentityResult };
  saveRecord: { request: SaveRecordRequest; result: SaveRecordResult };
  photoEvent: { request: PhotoEventRequest; result: PhotoEventResult };
  setRecording: { request: SetRecordingRequest; result: SetRecordingResult };
  admitPatient: { request: ConsultRef; result: StatusResult };
  endConsult: { request: ConsultRef; result: StatusResult };
  getIceServers: { request: GetIceServersRequest; result: GetIceServersResult };
  /** Emulator only: the baseline of `npm run bench`. */
  benchNoop: { request: ConsultRef; result: ConsultRef };
}
export type CallableName = keyof Callables;
export type RequestOf<N extends CallableName> = Callables[N]['request'];
export type ResultOf<N extends CallableName> = Callables[N]['result'];
