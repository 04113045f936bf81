import { Timestamp, type Firestore } from 'firebase-admin/firestore';
import { actorOf } from '../audit/append';
import type { ConsultRef, StatusResult } from '../lib/api';
import { callable, type CallableContext } from '../lib/callable';
import { systemClock, type Clock } from '../lib/clock';
import { firestore } from '../lib/firebase';
import { recordingCut } from '../media/cut';
import { zConsultRef } from '../lib/schemas';
import type { StatsDoc } from '../lib/model';
import { assertOwner, peersRef, readConsult, recordChange, roleIn } from './store';
import { nextStatus } from './status';

export async function endConsultWith(
  db: Firestore,
  clock: Clock,
  { data, caller, request, note }: CallableContext<ConsultRef>,
): Promise<StatusResult> {
  const { consultId } = data;
  let from: string | null = null;
  const result = await db.runTransaction(async (tx) => {
    const consult = await readConsult(tx, db, consultId);
    // Its clinician, or an administrator (a consult left running, a clinician who cannot be
    // reached): the entry names who ended it, and why it ended says which.
    assertOwner(consult, caller, { adminAllowed: true });
    const endReason = roleIn(consult, caller.uid) === 'clinician' ? 'clinician' : 'admin';
    from = consult.status;
    const status = nextStatus(consult.status, 'end');
    // Signaling documents (SDP, ICE candidates with addresses) go with the call that needed them.
    const peers = await tx.get(peersRef(db, consultId));
    const nowMs = clock.now();
    const endedAt = Timestamp.fromMillis(nowMs);
    const cut = recordingCut(consult, endedAt);
    recordChange(db, tx, {
      consultId,
      consult,
      patch: { status, endReason, endedAt, ...cut?.patch },
      action: 'consult.ended',
      actor: actorOf(caller),
      nowMs,
      request,
      details: { from: consult.status, endReason, peersDeleted: peers.size, ...cut?.details },
    });
    for (const peer of peers.docs) tx.delete(peer.ref);
    return { consultId, status };
  });
  if (from === 'admitted' && note) note(await callOutcome(db, consultId));
  return result;
}

/**
 * Whether the call of a consult that was admitted ever connected, and through a relay: what the
 * connection-success and stuck-call alerts count, read from the participants' stats after the
 * end (outside the transaction: their pages may still be writing).
 */
async function callOutcome(db: Firestore, consultId: string): Promise<{ admitted: true; connected: boolean; relayed: boolean }> {
  const stats = await db.collection('consults').doc(consultId).collection('stats').get().catch(() => null);
  const docs = stats?.docs.map((d) => d.data() as Partial<StatsDoc>) ?? [];
  return {
    admitted: true,
    connected: docs.some((s) => typeof s.connectMs === 'number'),
    relayed: docs.some((s) => s.candidateType === 'relay'),
  };
}

export const endConsult = callable('endConsult', zConsultRef, 'clinician', (ctx) =>
  endConsultWith(firestore(), systemClock, ctx),
);
