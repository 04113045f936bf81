// The consent texts as the web shows them to the emulators' demo clinic: each .md template with
// the clinic filled in (web/src/state/consent.ts), hashed as the web hashes them.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { fillClinic } from '../../functions/src/lib/clinic';
import { clinicForProject } from '../../web/clinicConfig';
import { PROJECT_ID } from './emulators';

// import.meta.url, not __dirname: the bench loads this module as plain ESM, outside vitest.
const functionsDir = fileURLToPath(new URL('../../functions', import.meta.url));
export const DEMO_CLINIC = clinicForProject(PROJECT_ID, functionsDir);

export function shownConsentText(kind: 'patient' | 'clinician', locale: 'pt-BR' | 'en' = 'pt-BR'): string {
  return fillClinic(readFileSync(path.join(functionsDir, 'src/consent/texts', `${kind}.${locale}.md`), 'utf8'), DEMO_CLINIC);
}

/** What the web does: SHA-256 with SubtleCrypto over the text encoded as UTF-8. */
export async function shownConsentHash(kind: 'patient' | 'clinician', locale: 'pt-BR' | 'en' = 'pt-BR'): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(shownConsentText(kind, locale)));
  return Buffer.from(digest).toString('hex');
}
