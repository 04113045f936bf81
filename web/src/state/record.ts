// The consult's record on the clinician's side: the note and its addenda (record/note, read live),
// the patient's identity check, and what the printed record gathers (both consents, both
// quality summaries). Writes go through the callables only: a signed note cannot change.
import { signal } from '@preact/signals';
import { collection, doc, getDoc, getDocs, onSnapshot } from 'firebase/firestore';
import type { ConfirmIdentityRequest, SaveRecordRequest } from '../../../functions/src/lib/api';
import type { ConsentDoc, ConsultDoc, MediaDoc, PhotoMediaDoc, RecordDoc, RecordingMediaDoc, StatsDoc } from '../../../functions/src/lib/model';
import { db } from '../db';
import { callable } from '../firebase';
import { consultFromDoc, toDate, type Consult } from './consult';
import { describeError } from './errors';

const saveRecordCall = callable('saveRecord');
const confirmIdentityCall = callable('confirmIdentity');

export type ClinicalRecord = Omit<RecordDoc<Date>, 'savedAt' | 'signedAt' | 'addenda'> & {
  savedAt: Date;
  signedAt: Date | null;
  addenda: Array<{ text: string; hash: string; at: Date; by: string }>;
};

function recordFromDoc(data: RecordDoc): ClinicalRecord {
  return {
    ...data,
    savedAt: toDate(data.savedAt) ?? new Date(0),
    signedAt: toDate(data.signedAt),
    addenda: data.addenda.map((a) => ({ ...a, at: toDate(a.at) ?? new Date(0) })),
  };
}

/** The note of one consult, live; `undefined` until the first answer, null when none was written yet. */
export function createRecordModel(consultId: string) {
  const record = signal<ClinicalRecord | null | undefined>(undefined);
  const problem = signal<string | null>(null);
  const busy = signal<SaveRecordRequest['mode'] | 'identity' | null>(null);
  const error = signal<string | null>(null);

  const stop = onSnapshot(
    doc(db, 'consults', consultId, 'record', 'note'),
    (snap) => {
      record.value = snap.exists() ? recordFromDoc(snap.data() as RecordDoc) : null;
      problem.value = null;
    },
    (err) => (problem.value = describeError(err)),
  );

  async function run(kind: NonNullable<typeof busy.value>, action: () => Promise<unknown>): Promise<boolean> {
    busy.value = kind;
    error.value = null;
    try {
      await action();
      return true;
    } catch (err) {
      error.value = describeError(err);
      return false;
    } finally {
      busy.value = null;
    }
  }

  return {
    record,
    problem,
    busy,
    error,
    save: (text: string, mode: SaveRecordRequest['mode']) => run(mode, () => saveRecordCall({ consultId, text, mode })),
    confirmIdentity: (request: Omit<ConfirmIdentityRequest, 'consultId'>) =>
      run('identity', () => confirmIdentityCall({ consultId, ...request })),
    dispose: stop,
  };
}

export type RecordModel = ReturnType<typeof createRecordModel>;

export interface Evidence {
  consents: { clinician: ConsentDoc<Date> | null; patient: ConsentDoc<Date> | null };
  stats: { clinician: StatsDoc<Date> | null; patient: StatsDoc<Date> | null };
}

async function read<T>(path: string[]): Promise<T | null> {
  const [first, ...rest] = path;
  const snap = await getDoc(doc(db, first!, ...rest));
  return snap.exists() ? (snap.data() as T) : null;
}

const consentOf = (data: ConsentDoc | null): ConsentDoc<Date> | null =>
  data && { ...data, acceptedAt: toDate(data.acceptedAt) ?? new Date(0) };
const statsOf = (data: StatsDoc | null): StatsDoc<Date> | null =>
  data && { ...data, lobbySeenAt: toDate(data.lobbySeenAt), updatedAt: toDate(data.updatedAt) ?? new Date(0) };

/** The consents and quality summaries of both participants, read once for the printed record. */
export async function loadEvidence(consultId: string, clinicianUid: string, patientUid: string | null): Promise<Evidence> {
  const base = ['consults', consultId];
  const [clinicianConsent, patientConsent, clinicianStats, patientStats] = await Promise.all([
    read<ConsentDoc>([...base, 'consents', clinicianUid]),
    patientUid ? read<ConsentDoc>([...base, 'consents', patientUid]) : null,
    read<StatsDoc>([...base, 'stats', clinicianUid]),
    patientUid ? read<StatsDoc>([...base, 'stats', patientUid]).catch(() => null) : null,
  ]);
  return {
    consents: { clinician: consentOf(clinicianConsent), patient: consentOf(patientConsent) },
    stats: { clinician: statsOf(clinicianStats), patient: statsOf(patientStats) },
  };
}

/** A photo or a recording as the record lists it: what the chain holds of it, never the file. */
export type MediaEntry =
  | (Omit<PhotoMediaDoc<Date>, 'at'> & { id: string; at: Date })
  | (Omit<RecordingMediaDoc<Date>, 'at' | 'startedAt' | 'stoppedAt'> & { id: string; at: Date; startedAt: Date; stoppedAt: Date });

function mediaOf(id: string, data: MediaDoc): MediaEntry {
  const at = toDate(data.at) ?? new Date(0);
  return data.kind === 'photo'
    ? { ...data, id, at }
    : { ...data, id, at, startedAt: toDate(data.startedAt) ?? at, stoppedAt: toDate(data.stoppedAt) ?? at };
}

/** The consult's photos and recordings, in the order they entered the chain. */
export async function loadMedia(consultId: string): Promise<MediaEntry[]> {
  const snap = await getDocs(collection(db, 'consults', consultId, 'media'));
  return snap.docs.map((d) => mediaOf(d.id, d.data() as MediaDoc)).sort((a, b) => a.seq - b.seq);
}

/** Everything the printed record shows besides the live note: the consult, its chain head, consents, quality, media. */
export interface RecordSheet extends Evidence {
  consult: Consult;
  auditHead: { seq: number; hash: string };
  media: MediaEntry[];
}

export async function loadRecordSheet(consultId: string): Promise<RecordSheet> {
  const snap = await getDoc(doc(db, 'consults', consultId));
  if (!snap.exists()) throw Object.assign(new Error('not-found'), { code: 'not-found' });
  const data = snap.data() as ConsultDoc;
  const consult = consultFromDoc(consultId, data);
  const [evidence, media] = await Promise.all([loadEvidence(consultId, consult.clinicianUid, consult.patientUid), loadMedia(consultId)]);
  return { consult, auditHead: data.auditHead, media, ...evidence };
}
