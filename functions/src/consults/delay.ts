import { Timestamp, type Firestore } from 'firebase-admin/firestore';
import { actorOf } from '../audit/append';
import type { AnnounceDelayRequest, AnnounceDelayResult } from '../lib/api';
import { callable, type CallableContext } from '../lib/callable';
import { systemClock, type Clock } from '../lib/clock';
import { firestore } from '../lib/firebase';
import { zAnnounceDelayRequest } from '../lib/schemas';
import { assertNotStarted } from './status';
import { assertOwner, readConsult, recordChange } from './store';

/**
 * "A profissional vai atrasar cerca de 10 minutos": shown live in the patient's waiting room.
 * The audit entry says how many minutes and whether a note was written, never the note itself
 * (a clinician may type anything there). No minutes and no note takes the message back.
 */
export async function announceDelayWith(
  db: Firestore,
  clock: Clock,
  { data, caller, request }: CallableContext<AnnounceDelayRequest>,
): Promise<AnnounceDelayResult> {
  const { consultId, minutes, note } = data;
  const nowMs = clock.now();
  const shown = minutes !== null || note !== null;
  return db.runTransaction(async (tx) => {
    const consult = await readConsult(tx, db, consultId);
    assertOwner(consult, caller);
    assertNotStarted(consult.status, { started: 'The patient is already in the call.', closed: 'This consult is closed: nobody is waiting.' });
    recordChange(db, tx, {
      consultId,
      consult,
      patch: { runningLate: shown ? { minutes, note, at: Timestamp.fromMillis(nowMs) } : null },
      action: shown ? 'consult.running_late' : 'consult.running_late_cleared',
      actor: actorOf(caller),
      nowMs,
      request,
      details: shown ? { minutes, withNote: note !== null } : undefined,
    });
    return { consultId, shown };
  });
}

export const announceDelay = callable('announceDelay', zAnnounceDelayRequest, 'clinician', (ctx) =>
  announceDelayWith(firestore(), systemClock, ctx),
);
