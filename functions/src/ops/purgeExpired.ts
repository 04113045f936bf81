import { getAuth } from 'firebase-admin/auth';
import { onSchedule } from 'firebase-functions/v2/scheduler';
import { systemClock } from '../lib/clock';
import { firestore } from '../lib/firebase';
import { logOutcome } from '../lib/log';
import { purge } from './purge';
import { retentionFromParams } from './retention';

/** The daily retention run, at night in the clinic's time zone when no consult is live. */
export const purgeExpired = onSchedule(
  { schedule: 'every day 03:00', timeZone: 'America/Sao_Paulo', timeoutSeconds: 540, memory: '512MiB', retryCount: 1 },
  async () => {
    const started = Date.now();
    try {
      const result = await purge(firestore(), systemClock, retentionFromParams(), getAuth());
      logOutcome({ fn: 'purgeExpired', outcome: 'ok', ms: Date.now() - started, figures: { ...result } });
    } catch (error) {
      logOutcome({ fn: 'purgeExpired', outcome: 'error', reason: 'purge_failed', ms: Date.now() - started });
      throw error;
    }
  },
);
