// How the admin tools read and judge an audit chain: `audit:verify` checks one chain, the restore
// drill every chain of a database. Both hash with the functions' own compiled chain code.
import { CliError, functionsLib } from './admin-cli.mjs';

/** "consult <id>" or "system chain": how a chain is named in every message. */
export const chainName = (consultId) => (consultId === null ? 'system chain' : `consult ${consultId}`);

/**
 * The head a chain must end at, from its owner document's data (consults/<id>, or system/auditHead
 * for the system chain, where no document yet means no entry yet). Throws a CliError saying why a
 * consult's head cannot be used.
 */
export function headFrom(consultId, data) {
  if (consultId === null) {
    const head = data ?? functionsLib('audit/append').NO_HEAD;
    return { seq: head.seq, hash: head.hash };
  }
  if (!data) throw new CliError(`Unknown consult ${consultId}: there is no consults/${consultId}.`);
  const head = data.auditHead;
  if (!head || typeof head.seq !== 'number' || typeof head.hash !== 'string') {
    throw new CliError(`consults/${consultId} has no valid auditHead, so its chain cannot be checked against it.`);
  }
  return { seq: head.seq, hash: head.hash };
}

/**
 * Verifies entries (with their event ids) against the head; returns the line to print when the
 * chain is sound, or throws a CliError naming where it breaks.
 */
export function judgeChain(consultId, entries, head) {
  const result = functionsLib('audit/chain').verifyChain(entries, head);
  const which = chainName(consultId);
  if (!result.ok) {
    throw new CliError(`chain BROKEN (${which}) at seq ${result.atSeq}${result.eventId ? `, event ${result.eventId}` : ''}: ${result.problem}.`);
  }
  return { length: result.length, head: result.head, line: `chain OK: ${result.length} entries, head ${result.head} (${which})` };
}

/** One chain's entries (with their event ids) and its head, read at one instant. */
export async function readChain(db, consultId) {
  const { systemHeadRef } = functionsLib('audit/append');
  const headRef = consultId === null ? systemHeadRef(db) : db.collection('consults').doc(consultId);
  const query = db.collection('audit').where('consultId', '==', consultId);
  // One read-only transaction: an entry appended meanwhile cannot make a sound chain look broken.
  const [headSnap, entries] = await db.runTransaction((tx) => Promise.all([tx.get(headRef), tx.get(query)]), { readOnly: true });
  return {
    head: headFrom(consultId, headSnap.exists ? headSnap.data() : undefined),
    entries: entries.docs.map((doc) => ({ ...doc.data(), id: doc.id })),
  };
}

/**
 * Every chain of a database: each consult's and the system chain, with audit entries of a consult
 * that no longer exists reported too. Reads the audit log once (a restored database is not being
 * written). Returns one result per chain: { consultId, ok, line } where line is audit:verify's.
 */
export async function verifyEveryChain(db) {
  const { systemHeadRef } = functionsLib('audit/append');
  const [consults, audit, systemHead] = await Promise.all([
    db.collection('consults').select('auditHead').get(),
    db.collection('audit').get(),
    systemHeadRef(db).get(),
  ]);
  const byChain = new Map([[null, []], ...consults.docs.map((doc) => [doc.id, []])]);
  for (const doc of audit.docs) {
    const consultId = doc.get('consultId') ?? null;
    if (!byChain.has(consultId)) byChain.set(consultId, []);
    byChain.get(consultId).push({ ...doc.data(), id: doc.id });
  }
  const owners = new Map(consults.docs.map((doc) => [doc.id, doc.data()]));
  owners.set(null, systemHead.exists ? systemHead.data() : undefined);
  const results = [];
  for (const [consultId, entries] of byChain) {
    try {
      const { line } = judgeChain(consultId, entries, headFrom(consultId, owners.get(consultId)));
      results.push({ consultId, ok: true, line });
    } catch (error) {
      if (!(error instanceof CliError)) throw error;
      results.push({ consultId, ok: false, line: error.message });
    }
  }
  return results;
}
