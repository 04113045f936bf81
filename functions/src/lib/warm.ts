import { firestore } from './firebase';

/**
 * The callables a person waits on at the moments that matter: opening the invite, the consent
 * click, the connection settings and admission. They keep an instance warm in production
 * (HOT_PATH) and connect to Firestore as an instance starts rather than on its first request:
 * `npm run bench` measured that first connection at 0.3–2 s on top of the instance's start.
 */
export const HOT_PATH_FUNCTIONS = ['redeemInvite', 'recordConsent', 'getIceServers', 'admitPatient'] as const;

/**
 * Started once per instance, from index.ts. One document read (the health probe's, which need
 * not exist); a failure is ignored, the first request then connects as it would have. Not while
 * firebase-tools reads the functions' manifest at deploy (FUNCTIONS_CONTROL_API).
 */
export function warmOnStart(env: NodeJS.ProcessEnv = process.env): Promise<void> | null {
  const target = env['FUNCTION_TARGET'];
  if (!target || env['FUNCTIONS_CONTROL_API'] === 'true') return null;
  if (!(HOT_PATH_FUNCTIONS as readonly string[]).includes(target)) return null;
  return firestore()
    .doc('system/health')
    .get()
    .then(
      () => undefined,
      () => undefined,
    );
}
