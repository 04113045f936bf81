import { Timestamp, type Firestore } from 'firebase-admin/firestore';
import { actorOf } from '../audit/append';
import { sha256Hex } from '../consent/texts';
import { assertStarted } from '../consults/status';
import { assertOwner, readConsult, recordChange, recordRef, type StoredRecord } from '../consults/store';
import type { SaveRecordRequest, SaveRecordResult } from '../lib/api';
import { callable, type CallableContext } from '../lib/callable';
import { systemClock, type Clock } from '../lib/clock';
import { fail } from '../lib/errors';
import { firestore } from '../lib/firebase';
import { RECORD_LIMITS } from '../lib/model';
import { zSaveRecordRequest } from '../lib/schemas';

/** What a save does to the record, or the refusal: a signed note never changes again. */
function nextRecord(record: StoredRecord | null, { text, mode }: Pick<SaveRecordRequest, 'text' | 'mode'>, by: string, now: Timestamp): StoredRecord {
  if (mode === 'addendum') {
    if (!record?.signedAt) fail('record_unsigned', 'The note is not signed yet: edit the note itself, or sign it first.');
    if (!text) fail('invalid_input', 'Invalid request — text: an addendum cannot be empty.');
    if (text.length > RECORD_LIMITS.addendumMax) fail('invalid_input', `Invalid request — text: an addendum must be at most ${RECORD_LIMITS.addendumMax} characters.`);
    if (record.addenda.length >= RECORD_LIMITS.addendaMax) fail('record_full', `This record already has ${RECORD_LIMITS.addendaMax} addenda; write further notes in the clinic's chart.`);
    return { ...record, addenda: [...record.addenda, { text, hash: sha256Hex(text), at: now, by }] };
  }
  if (record?.signedAt) fail('record_signed', 'The note is signed and cannot change: add an addendum instead.');
  if (mode === 'sign' && !text) fail('invalid_input', 'Invalid request — text: an empty note cannot be signed.');
  const signed = mode === 'sign';
  return { note: text, noteHash: sha256Hex(text), savedAt: now, signedAt: signed ? now : null, signedBy: signed ? by : null, addenda: [] };
}

/**
 * The clinician's entry in the chart for this consult, during or after the call. A draft may be
 * saved over; "Assinar registro" freezes it; later words are addenda. Each save is audited with
 * the hash of what was written, so a printed record can be checked against the chain.
 */
export async function saveRecordWith(
  db: Firestore,
  clock: Clock,
  { data, caller, request }: CallableContext<SaveRecordRequest>,
): Promise<SaveRecordResult> {
  const { consultId, text, mode } = data;
  return db.runTransaction(async (tx) => {
    const consult = await readConsult(tx, db, consultId);
    assertOwner(consult, caller);
    assertStarted(consult.status, 'The record is written once the call has started.');
    const snap = await tx.get(recordRef(db, consultId));
    const before = snap.exists ? (snap.data() as StoredRecord) : null;
    const nowMs = clock.now();
    const record = nextRecord(before, { text, mode }, caller.uid, Timestamp.fromMillis(nowMs));
    tx.set(recordRef(db, consultId), record);
    const written = mode === 'addendum' ? record.addenda[record.addenda.length - 1]! : { text: record.note, hash: record.noteHash };
    recordChange(db, tx, {
      consultId,
      consult,
      patch: {},
      action: mode === 'addendum' ? 'record.addendum' : mode === 'sign' ? 'record.signed' : 'record.saved',
      actor: actorOf(caller),
      nowMs,
      request,
      details: { hash: written.hash, chars: written.text.length, ...(mode === 'addendum' ? { addendum: record.addenda.length } : {}) },
    });
    return { consultId, signed: record.signedAt !== null, hash: written.hash, addenda: record.addenda.length };
  });
}

export const saveRecord = callable('saveRecord', zSaveRecordRequest, 'clinician', (ctx) => saveRecordWith(firestore(), systemClock, ctx));
