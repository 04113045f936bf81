import { Timestamp, type Firestore } from 'firebase-admin/firestore';
import { actorOf } from '../audit/append';
import type { RescheduleConsultRequest, RescheduleConsultResult } from '../lib/api';
import { callable, type CallableContext } from '../lib/callable';
import { systemClock, type Clock } from '../lib/clock';
import { firestore } from '../lib/firebase';
import { zRescheduleConsultRequest } from '../lib/schemas';
import { inviteExpiresAtMs } from './invite';
import { checkScheduledFor } from './schedule';
import { assertNotStarted } from './status';
import { assertOwner, inviteRef, readConsult, recordChange } from './store';

/**
 * Moves a consult that has not started (scheduled, or its patient waiting) to another time. The
 * invite keeps its secret and its binding, and now works until the new time's grace ends; a
 * running-late message no longer applies and is taken back. The patient's screen reads the new
 * time from the consult document.
 */
export async function rescheduleConsultWith(
  db: Firestore,
  clock: Clock,
  { data, caller, request }: CallableContext<RescheduleConsultRequest>,
): Promise<RescheduleConsultResult> {
  const { consultId } = data;
  const nowMs = clock.now();
  const scheduledForMs = Date.parse(data.scheduledFor);
  checkScheduledFor(scheduledForMs, nowMs);
  return db.runTransaction(async (tx) => {
    const consult = await readConsult(tx, db, consultId);
    assertOwner(consult, caller);
    assertNotStarted(consult.status, { started: 'This consult has already started: it can no longer be moved.', closed: 'This consult is closed: schedule a new one instead.' });
    const expiresAtMs = inviteExpiresAtMs(scheduledForMs, consult.durationMinutes);
    const fromMs = consult.scheduledFor.toMillis();
    recordChange(db, tx, {
      consultId,
      consult,
      patch: { scheduledFor: Timestamp.fromMillis(scheduledForMs), runningLate: null },
      action: 'consult.rescheduled',
      actor: actorOf(caller),
      nowMs,
      request,
      details: { fromMs, toMs: scheduledForMs, inviteExpiresAtMs: expiresAtMs },
    });
    tx.update(inviteRef(db, consultId), { expiresAt: Timestamp.fromMillis(expiresAtMs) });
    return { consultId, scheduledFor: new Date(scheduledForMs).toISOString(), inviteExpiresAt: new Date(expiresAtMs).toISOString() };
  });
}

export const rescheduleConsult = callable('rescheduleConsult', zRescheduleConsultRequest, 'clinician', (ctx) =>
  rescheduleConsultWith(firestore(), systemClock, ctx),
);
