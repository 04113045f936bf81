import { onSchedule } from 'firebase-functions/v2/scheduler';
import { systemClock } from '../lib/clock';
import { firestore } from '../lib/firebase';
import { logOutcome } from '../lib/log';
import { anchorAuditHeads } from './anchor';

/** Once a day, after the purge: every audit chain head that moved goes to the anchor log. */
export const anchorAuditChains = onSchedule(
  { schedule: 'every day 03:30', timeZone: 'America/Sao_Paulo', timeoutSeconds: 300, retryCount: 1 },
  async () => {
    const started = Date.now();
    try {
      const run = await anchorAuditHeads(firestore(), systemClock);
      logOutcome({ fn: 'anchorAuditChains', outcome: 'ok', ms: Date.now() - started, figures: { chains: run.anchors.length, sinceMs: run.sinceMs } });
    } catch (error) {
      logOutcome({ fn: 'anchorAuditChains', outcome: 'error', reason: 'anchor_failed', ms: Date.now() - started });
      throw error;
    }
  },
);
