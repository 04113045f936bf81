import { defineString } from 'firebase-functions/params';

/**
 * Web origins allowed to call the callables, per project (functions/.env.<projectId>):
 * a comma-separated list such as `https://teleconsulta-prod.web.app,https://teleconsulta-prod.firebaseapp.com`,
 * or `*` (any origin) — meant only for the demo project on the emulators.
 */
export const ALLOWED_ORIGINS = defineString('ALLOWED_ORIGINS', {
  default: '*',
  description: 'Comma-separated web origins allowed to call the callables; * only for the demo project.',
});

/** The `cors` option of onCall for a raw ALLOWED_ORIGINS value. */
export function corsFor(raw: string): true | string[] {
  const origins = raw.split(',').map((o) => o.trim()).filter(Boolean);
  if (origins.length === 0 || origins.includes('*')) return true;
  return origins;
}

/**
 * Read when each callable is defined (module load): at run time params are in the environment.
 * During deploy discovery no request is served, so the value does not matter and is not read.
 */
export function callableCors(): true | string[] {
  if (process.env['FUNCTIONS_CONTROL_API'] === 'true') return true;
  return corsFor(ALLOWED_ORIGINS.value());
}
