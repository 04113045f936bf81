// The consult as screens see it, read from Firestore documents (see functions/src/lib/model.ts).
// No Firestore import here: the patient's first chunk uses these types too.
import type { ConsultDoc, ConsultStatus, PatientIdentity, PatientProgress, StatsDoc } from '../../../functions/src/lib/model';
import type { Professional } from '../../../functions/src/lib/identity';

export type { Professional };

/** The patient's identity as shown: who gave it, and whether the clinician confirmed it on video. */
export type Identity = PatientIdentity<Date>;

export interface Consult {
  id: string;
  clinicianUid: string;
  patientUid: string | null;
  patientLabel: string;
  scheduledFor: Date;
  durationMinutes: number;
  status: ConsultStatus;
  patientProgress: PatientProgress;
  admittedAt: Date | null;
  endedAt: Date | null;
  endReason: ConsultDoc['endReason'];
  /** What the clinician told the waiting patient about a delay. */
  runningLate: { minutes: number | null; note: string | null; at: Date } | null;
  /** Who treats the patient (name and council registration), shown on the patient's screens. */
  clinician: Professional | null;
  patientIdentity: Identity | null;
  /** The clinician's recording, as the functions keep it: `on` is the "Gravando" both screens show. */
  recording: { id: string; on: boolean; startedAt: Date; closed: boolean } | null;
}

export type Lobby = StatsDoc['lobby'];

export function toDate(value: unknown): Date | null {
  if (value instanceof Date) return value;
  if (value && typeof value === 'object' && typeof (value as { toDate?: unknown }).toDate === 'function') {
    return (value as { toDate(): Date }).toDate();
  }
  return null;
}

export function consultFromDoc(id: string, data: ConsultDoc): Consult {
  return {
    id,
    clinicianUid: data.clinicianUid,
    patientUid: data.patientUid ?? null,
    patientLabel: data.patientLabel,
    scheduledFor: toDate(data.scheduledFor) ?? new Date(0),
    durationMinutes: data.durationMinutes,
    status: data.status,
    patientProgress: data.patientProgress ?? 'invited',
    admittedAt: toDate(data.admittedAt),
    endedAt: toDate(data.endedAt),
    endReason: data.endReason ?? null,
    runningLate: data.runningLate ? { minutes: data.runningLate.minutes, note: data.runningLate.note, at: toDate(data.runningLate.at) ?? new Date(0) } : null,
    clinician: data.clinician ?? null,
    patientIdentity: identityFromDoc(data.patientIdentity),
    recording: data.recording
      ? { id: data.recording.id, on: data.recording.on, startedAt: toDate(data.recording.startedAt) ?? new Date(0), closed: data.recording.closed }
      : null,
  };
}

function identityFromDoc(data: ConsultDoc['patientIdentity']): Identity | null {
  if (!data) return null;
  return { ...data, statedAt: toDate(data.statedAt) ?? new Date(0), confirmedAt: toDate(data.confirmedAt) };
}

export const isClosed = (status: ConsultStatus) => status === 'ended' || status === 'cancelled';

/** A consult is "past" once closed or once its slot is over. */
export function isPast(consult: Consult, now: Date): boolean {
  if (isClosed(consult.status)) return true;
  if (consult.status === 'admitted' || consult.status === 'waiting') return false;
  return consult.scheduledFor.getTime() + consult.durationMinutes * 60_000 < now.getTime();
}

/** The stats document of the patient's lobby progress, with every key the rules expect. */
export function lobbyStats<Time>(lobby: Lobby, now: Time): StatsDoc<Time> {
  return {
    lobby,
    lobbySeenAt: now,
    connectMs: null,
    candidateType: null,
    rttMs: null,
    jitterMs: null,
    packetLossPct: null,
    bitrateKbps: null,
    framesDecoded: null,
    iceRestarts: 0,
    final: false,
    updatedAt: now,
  };
}
