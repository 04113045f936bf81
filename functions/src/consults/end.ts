import { Timestamp, type Firestore } from 'firebase-admin/firestore';
import { actorOf } from '../audit/append';
import type { ConsultRef, StatusResult } from '../lib/api';
import { callable, type CallableContext } from '../lib/callable';
import { systemClock, type Clock } from '../lib/clock';
import { firestore } from '../lib/firebase';
import { recordingCut } from '../media/cut';
import { zConsultRef } from '../lib/schemas';
import { assertOwner, peersRef, readConsult, recordChange } from './store';
import { nextStatus } from './status';

export async function endConsultWith(
  db: Firestore,
  clock: Clock,
  { data, caller, request }: CallableContext<ConsultRef>,
): Promise<StatusResult> {
  const { consultId } = data;
  return db.runTransaction(async (tx) => {
    const consult = await readConsult(tx, db, consultId);
    assertOwner(consult, caller);
    const status = nextStatus(consult.status, 'end');
    // Signaling documents (SDP, ICE candidates with addresses) go with the call that needed them.
    const peers = await tx.get(peersRef(db, consultId));
    const nowMs = clock.now();
    const endedAt = Timestamp.fromMillis(nowMs);
    const cut = recordingCut(consult, endedAt);
    recordChange(db, tx, {
      consultId,
      consult,
      patch: { status, endReason: 'clinician', endedAt, ...cut?.patch },
      action: 'consult.ended',
      actor: actorOf(caller),
      nowMs,
      request,
      details: { from: consult.status, endReason: 'clinician', peersDeleted: peers.size, ...cut?.details },
    });
    for (const peer of peers.docs) tx.delete(peer.ref);
    return { consultId, status };
  });
}

export const endConsult = callable('endConsult', zConsultRef, 'clinician', (ctx) =>
  endConsultWith(firestore(), systemClock, ctx),
);
