import type { Firestore } from 'firebase-admin/firestore';
import { actorOf } from '../audit/append';
import type { ConsultRef, StatusResult } from '../lib/api';
import { callable, type CallableContext } from '../lib/callable';
import { systemClock, type Clock } from '../lib/clock';
import { firestore } from '../lib/firebase';
import { zConsultRef } from '../lib/schemas';
import { assertOwner, readConsult, recordChange } from './store';
import { nextStatus } from './status';

export async function cancelConsultWith(
  db: Firestore,
  clock: Clock,
  { data, caller, request }: CallableContext<ConsultRef>,
): Promise<StatusResult> {
  const { consultId } = data;
  return db.runTransaction(async (tx) => {
    const consult = await readConsult(tx, db, consultId);
    assertOwner(consult, caller, { adminAllowed: true });
    const status = nextStatus(consult.status, 'cancel');
    recordChange(db, tx, {
      consultId,
      consult,
      patch: { status },
      action: 'consult.cancelled',
      actor: actorOf(caller),
      nowMs: clock.now(),
      request,
      details: { from: consult.status },
    });
    return { consultId, status };
  });
}

export const cancelConsult = callable('cancelConsult', zConsultRef, 'clinician', (ctx) =>
  cancelConsultWith(firestore(), systemClock, ctx),
);
