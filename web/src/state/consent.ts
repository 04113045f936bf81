// The consent texts exactly as the functions hash them (the clinic filled in), loaded only when shown.
import { CONSENT_VERSIONS } from '../../../functions/src/consent/versions';
import { fillClinic } from '../../../functions/src/lib/clinic';
import { CLINIC } from '../clinic';
import { sha256Hex } from '../call/hex';
import type { Locale } from '../i18n';

export type ConsentKind = keyof typeof CONSENT_VERSIONS;
export { CONSENT_VERSIONS };

const texts = import.meta.glob<string>('../../../functions/src/consent/texts/*.md', { query: '?raw', import: 'default' });

export interface LoadedConsent {
  kind: ConsentKind;
  locale: Locale;
  version: string;
  text: string;
  /** hex SHA-256 of the text's UTF-8 bytes: what recordConsent checks against the server's copy. */
  textHash: string;
}


const loaded = new Map<string, Promise<LoadedConsent>>();

/** The text once per kind and language for the page (a failed load is tried again next time). */
export function loadConsent(kind: ConsentKind, locale: Locale): Promise<LoadedConsent> {
  const key = `${kind}.${locale}`;
  let pending = loaded.get(key);
  if (!pending) {
    pending = readConsent(kind, locale);
    loaded.set(key, pending);
    pending.catch(() => loaded.delete(key));
  }
  return pending;
}

async function readConsent(kind: ConsentKind, locale: Locale): Promise<LoadedConsent> {
  const load = texts[`../../../functions/src/consent/texts/${kind}.${locale}.md`];
  if (!load) throw new Error(`No consent text for ${kind} in ${locale}`);
  const text = fillClinic(await load(), CLINIC);
  return { kind, locale, version: CONSENT_VERSIONS[kind], text, textHash: await sha256Hex(text) };
}
