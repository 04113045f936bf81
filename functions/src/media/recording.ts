import { Timestamp, type Firestore, type Transaction } from 'firebase-admin/firestore';
import { actorOf } from '../audit/append';
import { assertStarted } from '../consults/status';
import {
  assertOwner,
  mediaRef,
  readConsent,
  readConsult,
  recordChange,
  type StoredConsult,
  type StoredMedia,
  type StoredRecording,
} from '../consults/store';
import type { SetRecordingRequest, SetRecordingResult } from '../lib/api';
import { callable, type CallableContext, type Caller, type RequestContext } from '../lib/callable';
import { systemClock, type Clock } from '../lib/clock';
import { AppError, fail } from '../lib/errors';
import { firestore } from '../lib/firebase';
import type { RecordingMediaDoc } from '../lib/model';
import { zSetRecordingRequest } from '../lib/schemas';

type StartRequest = Extract<SetRecordingRequest, { action: 'start' }>;
type StopRequest = Extract<SetRecordingRequest, { action: 'stop' }>;

interface Step<R> {
  db: Firestore;
  tx: Transaction;
  consult: StoredConsult;
  data: R;
  caller: Caller;
  request: RequestContext;
  nowMs: number;
}

const isOpen = (recording: StoredRecording | null | undefined): recording is StoredRecording => Boolean(recording && !recording.closed);

/** Both people must have accepted recording in their consent (the checkbox below the text), and still be bound by it. */
async function assertRecordingConsented(tx: Transaction, db: Firestore, consultId: string, consult: StoredConsult): Promise<void> {
  const whose = [
    { uid: consult.patientUid, who: "The patient's consent" },
    { uid: consult.clinicianUid, who: 'Your consent' },
  ];
  for (const { uid, who } of whose) {
    const state = uid ? await readConsent(tx, db, consultId, uid) : null;
    if (!state?.inForce || !state.consent?.recording) {
      fail('recording_not_consented', `${who} to this consult does not allow recording, so the call cannot be recorded.`, {
        whose: uid === consult.clinicianUid ? 'clinician' : 'patient',
      });
    }
  }
}

/** The seq of the entry that started this recording, for a start repeated by a retry. */
async function startSeqOf(tx: Transaction, db: Firestore, consultId: string, recordingId: string): Promise<number> {
  const started = await tx.get(
    db
      .collection('audit')
      .where('consultId', '==', consultId)
      .where('action', '==', 'recording.started')
      .where('context.recordingId', '==', recordingId)
      .limit(1),
  );
  const seq: unknown = started.docs[0]?.get('seq');
  if (typeof seq !== 'number') throw new Error(`consult ${consultId}: recording ${recordingId} is under way without its recording.started entry`);
  return seq;
}

async function start({ db, tx, consult, data, caller, request, nowMs }: Step<StartRequest>): Promise<SetRecordingResult> {
  const { consultId, recordingId } = data;
  if (consult.status !== 'admitted') throw new AppError('illegal_transition', 'A recording is made during the call: admit the patient first.', { status: consult.status });
  await assertRecordingConsented(tx, db, consultId, consult);
  const current = consult.recording;
  if (isOpen(current)) {
    if (current.id !== recordingId) fail('recording_on', 'Another recording of this consult is under way: stop it before starting a new one.');
    return { consultId, recordingId, on: current.on, seq: await startSeqOf(tx, db, consultId, recordingId) };
  }
  const recording: StoredRecording = { id: recordingId, on: true, startedAt: Timestamp.fromMillis(nowMs), stoppedAt: null, closed: false };
  const head = recordChange(db, tx, {
    consultId,
    consult,
    patch: { recording },
    action: 'recording.started',
    actor: actorOf(caller),
    nowMs,
    request,
    details: { recordingId },
  });
  return { consultId, recordingId, on: true, seq: head.seq };
}

async function stop({ db, tx, consult, data, caller, request, nowMs }: Step<StopRequest>): Promise<SetRecordingResult> {
  const { consultId, recordingId, reason, file } = data;
  assertStarted(consult.status, 'No recording can be under way before the call.');
  const ref = mediaRef(db, consultId, recordingId);
  const saved = await tx.get(ref);
  const current = consult.recording;
  if (!isOpen(current) || current.id !== recordingId) {
    // A retry of a stop that was recorded with its file: the same answer again.
    const media = saved.exists ? (saved.data() as StoredMedia) : null;
    if (media?.kind === 'recording' && file && media.sha256 === file.sha256) return { consultId, recordingId, on: false, seq: media.seq };
    fail('recording_unknown', 'There is no recording under way with this id: it was already stopped, or never started.');
  }
  if (saved.exists && file) fail('recording_unknown', 'Something else is already kept under this recording id: start recordings with a new id.');

  const stoppedAt = current.stoppedAt ?? Timestamp.fromMillis(nowMs);
  const head = recordChange(db, tx, {
    consultId,
    consult,
    patch: { recording: { ...current, on: false, stoppedAt, closed: true } },
    action: 'recording.stopped',
    actor: actorOf(caller),
    nowMs,
    request,
    details: {
      recordingId,
      reason,
      sha256: file?.sha256 ?? null,
      bytes: file?.bytes ?? null,
      durationMs: file?.durationMs ?? null,
      mimeType: file?.mimeType ?? null,
    },
  });
  if (file) {
    const media: RecordingMediaDoc<Timestamp> = {
      kind: 'recording',
      ...file,
      startedAt: current.startedAt,
      stoppedAt,
      reason,
      at: Timestamp.fromMillis(nowMs),
      seq: head.seq,
      by: caller.uid,
    };
    tx.create(ref, media);
  }
  return { consultId, recordingId, on: false, seq: head.seq };
}

/**
 * The consult's recording, made and kept on the clinician's device: `start` when both consents
 * allow it and the call is under way (the patient's page shows "Gravando" from the consult's
 * `recording.on`); `stop` with the saved file's hash and size, also after the consult ended or a
 * withdrawal cut it, so that what the clinician keeps can be checked against the audit chain.
 */
export async function setRecordingWith(db: Firestore, clock: Clock, { data, caller, request }: CallableContext<SetRecordingRequest>): Promise<SetRecordingResult> {
  return db.runTransaction(async (tx) => {
    const consult = await readConsult(tx, db, data.consultId);
    assertOwner(consult, caller);
    const nowMs = clock.now();
    return data.action === 'start'
      ? start({ db, tx, consult, data, caller, request, nowMs })
      : stop({ db, tx, consult, data, caller, request, nowMs });
  });
}

export const setRecording = callable('setRecording', zSetRecordingRequest, 'clinician', (ctx) => setRecordingWith(firestore(), systemClock, ctx));
