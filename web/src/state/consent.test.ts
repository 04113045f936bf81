import { describe, expect, it } from 'vitest';
import { consentText } from '../../../functions/src/consent/texts';
import { CLINIC } from '../clinic';
import { loadConsent } from './consent';

describe('the consent texts the web shows', () => {
  for (const kind of ['patient', 'clinician'] as const) {
    for (const locale of ['pt-BR', 'en'] as const) {
      it(`hash like the server's copy: ${kind} in ${locale}`, async () => {
        const shown = await loadConsent(kind, locale);
        const server = consentText(kind, locale, CLINIC);
        expect(shown.text).toBe(server.text);
        expect(shown.version).toBe(server.version);
        expect(shown.textHash).toBe(server.hash);
      });
    }
  }
});
