import { Timestamp, type Firestore } from 'firebase-admin/firestore';
import { logger } from 'firebase-functions/v2';
import type { Clock } from '../lib/clock';
import { NO_HEAD, systemHeadRef, type AuditHead } from './append';

/**
 * Audit chain heads anchored outside Firestore. A chain proves that no entry was changed or
 * removed after the fact only against a head nobody could rewrite with it: someone with write
 * access to the database could recompute every hash and the head together. So once a day each
 * head that moved is written as one structured log line, which a log sink copies to a
 * retention-locked bucket (docs/operations.md, "Audit anchors"); `npm run audit:verify --
 * <consultId> --anchor <file>` then checks the chain against what the bucket kept.
 */
export interface AuditAnchor {
  /** A consult id, or "system" for the chain of user, role and retention events. */
  chain: string;
  seq: number;
  hash: string;
  /** When the head was read, ms since the epoch. */
  anchoredAtMs: number;
}

/** The log line's payload key: the sink's filter is `jsonPayload.auditAnchor.chain:*`. */
export const ANCHOR_FIELD = 'auditAnchor';

export const SYSTEM_CHAIN = 'system';

export const ANCHOR_OVERLAP_MS = 3_600_000;

/** Where the last run's time is kept, so the next one anchors only the chains that moved since. */
export const anchorStateRef = (db: Firestore) => db.doc('system/auditAnchors');

export interface AnchorRun {
  /** Entries appended since this time were looked at (0 on the first run: every chain). */
  sinceMs: number;
  anchors: AuditAnchor[];
}

function headOf(value: unknown): AuditHead | null {
  const head = value as Partial<AuditHead> | undefined;
  return head && typeof head.seq === 'number' && typeof head.hash === 'string' ? { seq: head.seq, hash: head.hash } : null;
}

/** Every chain with an entry appended since `sinceMs`, read as it stands now. */
async function headsMovedSince(db: Firestore, sinceMs: number, nowMs: number): Promise<AuditAnchor[]> {
  const appended = await db.collection('audit').where('atMs', '>=', sinceMs).select('consultId').get();
  const chains = new Set<string | null>(appended.docs.map((d) => (d.get('consultId') as string | null) ?? null));
  const consultIds = [...chains].filter((c): c is string => typeof c === 'string').sort();
  const anchors: AuditAnchor[] = [];
  if (chains.has(null)) {
    const head = headOf((await systemHeadRef(db).get()).data()) ?? NO_HEAD;
    anchors.push({ chain: SYSTEM_CHAIN, ...head, anchoredAtMs: nowMs });
  }
  for (let i = 0; i < consultIds.length; i += 300) {
    const snaps = await db.getAll(...consultIds.slice(i, i + 300).map((id) => db.collection('consults').doc(id)));
    for (const snap of snaps) {
      // A consult purged after its retention has no head left to anchor.
      const head = snap.exists ? headOf(snap.get('auditHead')) : null;
      if (head) anchors.push({ chain: snap.id, ...head, anchoredAtMs: nowMs });
    }
  }
  return anchors;
}

/**
 * Writes one log line per chain head that moved since the last run, then records this run. A
 * run that fails before recording itself is repeated whole by the next one: an anchor written
 * twice is harmless.
 */
export async function anchorAuditHeads(
  db: Firestore,
  clock: Clock,
  write: (anchor: AuditAnchor) => void = (anchor) => logger.info(`audit head ${anchor.chain} #${anchor.seq}`, { [ANCHOR_FIELD]: anchor }),
): Promise<AnchorRun> {
  const nowMs = clock.now();
  const state = (await anchorStateRef(db).get()).data() as { lastRunMs?: unknown } | undefined;
  // An hour of overlap: an entry whose transaction committed after the last run read the log,
  // with a time before that run's, is anchored now rather than missed.
  const sinceMs = typeof state?.lastRunMs === 'number' ? Math.max(0, state.lastRunMs - ANCHOR_OVERLAP_MS) : 0;
  const anchors = await headsMovedSince(db, sinceMs, nowMs);
  for (const anchor of anchors) write(anchor);
  await anchorStateRef(db).set({ lastRunMs: nowMs, chains: anchors.length, at: Timestamp.fromMillis(nowMs) });
  return { sinceMs, anchors };
}
