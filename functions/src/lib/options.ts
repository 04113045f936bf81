import { setGlobalOptions } from 'firebase-functions/v2';
import { defineInt } from 'firebase-functions/params';
import { FUNCTIONS_REGION } from './api';

// São Paulo: patients and clinicians are in Brazil, and LGPD favours data kept close.
setGlobalOptions({ region: FUNCTIONS_REGION, maxInstances: 20, memory: '256MiB', timeoutSeconds: 30 });

/**
 * Instances kept warm for the callables a person waits on at the moments that matter
 * (HOT_PATH_FUNCTIONS in warm.ts: the invite, the consent click, the connection settings,
 * admission). 0 on the emulators and in staging; 1 in production, where a cold start would add
 * seconds at those clicks (docs/operations.md, "Cold starts": measured, and what it costs).
 */
export const HOT_PATH_MIN_INSTANCES = defineInt('HOT_PATH_MIN_INSTANCES', {
  default: 0,
  description: 'Warm instances for redeemInvite, recordConsent, getIceServers and admitPatient (1 in production).',
});

export const HOT_PATH = { minInstances: HOT_PATH_MIN_INSTANCES };
