// Zod schemas of every callable's input, by callable. Each is strict (unknown fields are
// rejected), bounds every string, and is checked against its request type in api.ts.
import { z } from 'zod';
import type {
  AnnounceDelayRequest,
  ConfirmIdentityRequest,
  ConsultRef,
  IdentifyPatientRequest,
  PatientIdentityInput,
  PhotoEventRequest,
  RedeemInviteRequest,
  RescheduleConsultRequest,
  SaveRecordRequest,
  ScheduleConsultRequest,
  SetRecordingRequest,
} from './api';
import { IDENTITY_DOCUMENT_MAX, PATIENT_NAME_MAX, digitsOf, isValidCpf } from './identity';
import { MEDIA_LIMITS, RECORD_LIMITS, RUNNING_LATE_NOTE_MAX } from './model';
import { zConsultId } from './input';

// ── shared pieces ────────────────────────────────────────────────────────────────────────

/** C0/C1 controls, line/paragraph separators and bidi overrides: nothing a label needs. */
const CONTROL_CHARS = /[\p{Cc}\u2028\u2029\u202A-\u202E\u2066-\u2069]/u;

/** ISO 8601 with an explicit offset (Z or ±hh:mm), naming a day that exists. */
export const zIsoDateTimeWithOffset = z
  .string()
  .max(40)
  .pipe(z.iso.datetime({ offset: true, message: 'must be an ISO 8601 date and time with an offset, e.g. 2026-11-25T14:30:00-03:00' }))
  .refine(isRealDate, 'must be a date that exists in the calendar');

function isRealDate(iso: string): boolean {
  const match = /^(\d{4})-(\d{2})-(\d{2})T/.exec(iso);
  if (!match || Number.isNaN(Date.parse(iso))) return false;
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
  const daysInMonth = new Date(Date.UTC(year, month, 0)).getUTCDate();
  return month >= 1 && month <= 12 && day >= 1 && day <= daysInMonth;
}

// ── scheduleConsult ──────────────────────────────────────────────────────────────────────

export const PATIENT_LABEL_MAX = 80;

export const zScheduleConsultRequest = z.strictObject({
  patientLabel: z
    .string()
    .max(PATIENT_LABEL_MAX * 4)
    .trim()
    .min(1, 'must not be empty')
    .max(PATIENT_LABEL_MAX, `must be at most ${PATIENT_LABEL_MAX} characters`)
    .refine((s) => !CONTROL_CHARS.test(s), 'must not contain control characters'),
  scheduledFor: zIsoDateTimeWithOffset,
  durationMinutes: z.number().int().min(5).max(180),
}) satisfies z.ZodType<ScheduleConsultRequest>;

// ── rescheduleConsult, announceDelay ─────────────────────────────────────────────────────

export const zRescheduleConsultRequest = z.strictObject({
  consultId: zConsultId,
  scheduledFor: zIsoDateTimeWithOffset,
}) satisfies z.ZodType<RescheduleConsultRequest>;

export const zAnnounceDelayRequest = z.strictObject({
  consultId: zConsultId,
  minutes: z.union([z.literal(5), z.literal(10), z.literal(15), z.null()]),
  note: z
    .string()
    .max(RUNNING_LATE_NOTE_MAX * 4)
    .trim()
    .max(RUNNING_LATE_NOTE_MAX, `must be at most ${RUNNING_LATE_NOTE_MAX} characters`)
    .refine((s) => !CONTROL_CHARS.test(s), 'must not contain control characters')
    .transform((s) => (s === '' ? null : s))
    .nullable(),
}) satisfies z.ZodType<AnnounceDelayRequest>;

// ── cancelConsult, admitPatient, endConsult ──────────────────────────────────────────────

export const zConsultRef = z.strictObject({ consultId: zConsultId }) satisfies z.ZodType<ConsultRef>;

// ── redeemInvite ─────────────────────────────────────────────────────────────────────────

export const zRedeemInviteRequest = z.strictObject({
  consultId: zConsultId,
  secret: z.string().regex(/^[A-Za-z0-9_-]{43}$/, 'must be the key from the invite link (43 characters)'),
  look: z.boolean().optional(),
}) satisfies z.ZodType<RedeemInviteRequest>;

// ── identifyPatient, confirmIdentity ─────────────────────────────────────────────────────

/** A single line of plain text: trimmed, bounded, no control characters. */
function zLine(max: number) {
  return z
    .string()
    .max(max * 4)
    .trim()
    .max(max, `must be at most ${max} characters`)
    .refine((s) => !CONTROL_CHARS.test(s), 'must not contain control characters');
}

/** The date is checked against the clock (not in the future, at most 130 years back) in the function. */
const zBirthDate = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'must be a date as YYYY-MM-DD');

const identityShape = {
  fullName: zLine(PATIENT_NAME_MAX)
    .refine((s) => s.length >= 3, 'must be the full name')
    .transform((s) => s.replace(/\s+/g, ' ')),
  birthDate: zBirthDate,
  cpf: z
    .string()
    .max(20)
    .refine(isValidCpf, 'must be a valid CPF (11 digits whose check digits match)')
    .transform(digitsOf)
    .nullable(),
};

export const zPatientIdentityInput = z.strictObject(identityShape) satisfies z.ZodType<PatientIdentityInput>;

export const zIdentifyPatientRequest = z.strictObject({ consultId: zConsultId, ...identityShape }) satisfies z.ZodType<IdentifyPatientRequest>;

export const zConfirmIdentityRequest = z.strictObject({
  consultId: zConsultId,
  document: zLine(IDENTITY_DOCUMENT_MAX)
    .transform((s) => (s === '' ? null : s))
    .nullable(),
  correction: zPatientIdentityInput.nullable(),
}) satisfies z.ZodType<ConfirmIdentityRequest>;

// ── saveRecord ───────────────────────────────────────────────────────────────────────────

/** Clinical free text: line breaks and tabs allowed, other control characters not. */
const TEXT_CONTROL_CHARS = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F\u2028\u2029\u202A-\u202E\u2066-\u2069]/u;

export const zSaveRecordRequest = z.strictObject({
  consultId: zConsultId,
  text: z
    .string()
    .max(RECORD_LIMITS.noteMax * 4)
    .transform((s) => s.replace(/\r\n?/g, '\n').trim())
    .refine((s) => s.length <= RECORD_LIMITS.noteMax, `must be at most ${RECORD_LIMITS.noteMax} characters`)
    .refine((s) => !TEXT_CONTROL_CHARS.test(s), 'must not contain control characters'),
  mode: z.enum(['draft', 'sign', 'addendum']),
}) satisfies z.ZodType<SaveRecordRequest>;

// ── photoEvent, setRecording ─────────────────────────────────────────────────────────────

const zMediaId = z.string().regex(MEDIA_LIMITS.idPattern, 'must be an id of 12 to 40 letters, digits, "-" or "_"');
const zSha256 = z.string().regex(/^[0-9a-f]{64}$/, 'must be a hex SHA-256 (64 lowercase hex digits)');
const zInt = (min: number, max: number) => z.number().int().min(min).max(max);

/** Where on the body ("calcanhar esquerdo"): one short line, or null when not named. */
const zSite = zLine(MEDIA_LIMITS.siteMax).min(1, 'must not be empty (send null for no site)').nullable();

/**
 * What MediaRecorder reports, e.g. `video/webm;codecs=vp8,opus` or `audio/mp4; codecs="mp4a.40.2"`:
 * a video or audio type with optional parameters, printable ASCII only.
 */
const MIME_TYPE = /^(?:video|audio)\/[a-z0-9][a-z0-9.+-]{0,63}(?: ?; ?[a-z0-9-]{1,32}=(?:[a-z0-9.,+-]{1,64}|"[a-z0-9.,+ -]{1,64}"))*$/i;

const photoBase = { consultId: zConsultId, photoId: zMediaId, site: zSite };

export const zPhotoEventRequest = z.discriminatedUnion('event', [
  z.strictObject({ ...photoBase, event: z.literal('requested') }),
  z.strictObject({ ...photoBase, event: z.literal('declined') }),
  z.strictObject({
    ...photoBase,
    event: z.literal('received'),
    requested: z.boolean(),
    sha256: zSha256,
    bytes: zInt(1, MEDIA_LIMITS.photoBytesMax),
    width: zInt(1, MEDIA_LIMITS.photoSideMax),
    height: zInt(1, MEDIA_LIMITS.photoSideMax),
  }),
]) satisfies z.ZodType<PhotoEventRequest>;

export const zRecordingFile = z.strictObject({
  sha256: zSha256,
  bytes: zInt(1, MEDIA_LIMITS.recordingBytesMax),
  durationMs: zInt(0, MEDIA_LIMITS.recordingDurationMaxMs),
  mimeType: z
    .string()
    .max(MEDIA_LIMITS.mimeTypeMax, `must be at most ${MEDIA_LIMITS.mimeTypeMax} characters`)
    .regex(MIME_TYPE, 'must be a video/ or audio/ media type such as video/webm;codecs=vp8,opus'),
});

export const zSetRecordingRequest = z.discriminatedUnion('action', [
  z.strictObject({ consultId: zConsultId, action: z.literal('start'), recordingId: zMediaId }),
  z.strictObject({
    consultId: zConsultId,
    action: z.literal('stop'),
    recordingId: zMediaId,
    reason: z.enum(['clinician', 'ended', 'consent_withdrawn', 'failed']),
    file: zRecordingFile.nullable(),
  }),
]) satisfies z.ZodType<SetRecordingRequest>;
