import { createHash } from 'node:crypto';
import type { ClinicIdentity } from '../lib/clinic';
import { fillClinic } from '../lib/clinic';
import { CONSENT_TEXTS } from './texts.generated';
import { CONSENT_VERSIONS } from './versions';

export type ConsentKind = keyof typeof CONSENT_VERSIONS;
export type ConsentLocale = 'pt-BR' | 'en';
export const CONSENT_LOCALES: readonly ConsentLocale[] = ['pt-BR', 'en'];

export interface ConsentText {
  version: string;
  text: string;
  /** hex SHA-256 of the text's exact UTF-8 bytes (the .md template with the clinic filled in); the web hashes the same bytes. */
  hash: string;
}

export function sha256Hex(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

const cache = new Map<string, ConsentText>();

/** The current consent text a person of this kind reads in this locale, naming this clinic. */
export function consentText(kind: ConsentKind, locale: ConsentLocale, clinic: ClinicIdentity): ConsentText {
  const key = `${kind}.${locale}.${clinic.name}.${clinic.cnpj}.${clinic.address}.${clinic.dpoName}.${clinic.dpoEmail}`;
  const cached = cache.get(key);
  if (cached) return cached;
  const template = CONSENT_TEXTS[`${kind}.${locale}`];
  if (template === undefined) throw new Error(`No consent text ${kind}.${locale}: run \`npm run build -w functions\` to embed texts/${kind}.${locale}.md.`);
  const text = fillClinic(template, clinic);
  const loaded: ConsentText = { version: CONSENT_VERSIONS[kind], text, hash: sha256Hex(text) };
  cache.set(key, loaded);
  return loaded;
}
