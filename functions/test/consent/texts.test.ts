import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { CONSENT_LOCALES, consentText, sha256Hex, type ConsentKind } from '../../src/consent/texts';
import { CONSENT_TEXTS } from '../../src/consent/texts.generated';
import { CONSENT_VERSIONS } from '../../src/consent/versions';
import { clinicOrThrow, parseEnvFiles, type ClinicIdentity } from '../../src/lib/clinic';

const functionsDir = path.resolve(__dirname, '../..');
/** The demo project's clinic, from the files the emulators load. */
const demo = clinicOrThrow(parseEnvFiles(...['.env', '.env.demo-teleconsulta'].map((f) => readFileSync(path.join(functionsDir, f), 'utf8'))), 'demo');
const other: ClinicIdentity = { ...demo, name: 'Outra Clínica', cnpj: '11.444.777/0001-61' };

const textsDir = path.resolve(__dirname, '../../src/consent/texts');
const kinds: ConsentKind[] = ['patient', 'clinician'];
const cases = kinds.flatMap((kind) => CONSENT_LOCALES.map((locale) => ({ kind, locale })));

describe('consent texts', () => {
  it('the current versions are the ones the web and the rules expect', () => {
    expect(CONSENT_VERSIONS).toEqual({ patient: '2026-12-02.2', clinician: '2026-12-02.2' });
  });

  it.each(cases)('the $kind text in $locale is its .md template with the clinic filled in, hashed as UTF-8 bytes', ({ kind, locale }) => {
    const template = readFileSync(path.join(textsDir, `${kind}.${locale}.md`), 'utf8');
    const filled = template
      .replace('{{CLINIC_NAME}}', demo.name).replace('{{CLINIC_CNPJ}}', demo.cnpj).replace('{{CLINIC_ADDRESS}}', demo.address)
      .replace('{{DPO_NAME}}', demo.dpoName).replace('{{DPO_EMAIL}}', demo.dpoEmail);
    const loaded = consentText(kind, locale, demo);
    expect(loaded.text).toBe(filled);
    expect(loaded.hash).toBe(createHash('sha256').update(Buffer.from(filled, 'utf8')).digest('hex'));
    expect(loaded.version).toBe(CONSENT_VERSIONS[kind]);
  });

  it.each(cases)('the $kind text in $locale names the clinic, its CNPJ and its DPO, with no placeholder left', ({ kind, locale }) => {
    const { text } = consentText(kind, locale, demo);
    for (const value of [demo.name, demo.cnpj, demo.address, demo.dpoName, demo.dpoEmail]) expect(text).toContain(value);
    expect(text).not.toMatch(/\{\{|\[[A-ZÇÃÉÍ -]+\]/);
  });

  it('another clinic reads another text, with another hash', () => {
    expect(consentText('patient', 'pt-BR', other).hash).not.toBe(consentText('patient', 'pt-BR', demo).hash);
    expect(consentText('patient', 'pt-BR', other).text).toContain('Outra Clínica');
  });

  it.each(cases)('the embedded $kind text in $locale is the .md file as it is now (rebuild after editing)', ({ kind, locale }) => {
    expect(CONSENT_TEXTS[`${kind}.${locale}`]).toBe(readFileSync(path.join(textsDir, `${kind}.${locale}.md`), 'utf8'));
  });

  it('hashing is stable across calls and differs between texts', () => {
    const hashes = cases.map(({ kind, locale }) => consentText(kind, locale, demo).hash);
    expect(cases.map(({ kind, locale }) => consentText(kind, locale, demo).hash)).toEqual(hashes);
    expect(new Set(hashes).size).toBe(cases.length);
  });

  it('hashes UTF-8 bytes the way SubtleCrypto does (known vectors computed elsewhere)', () => {
    expect(sha256Hex('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
    expect(sha256Hex('Consentimento — versão\n')).toBe('5ceed043f240a7b004e09b74dcc55b1688cb3a2d4ef7cba610fa1ce78a0532f6');
  });

  it.each(cases)('the $kind text in $locale names its version, CFM 2.314/2022, the LGPD and the rights it grants', ({ kind, locale }) => {
    const { text, version } = consentText(kind, locale, demo);
    expect(text).toContain(version);
    expect(text).toMatch(/2\.314\/2022|2,314\/2022/);
    expect(text).toMatch(/13\.709\/2018|13,709\/2018/);
    expect(text).toMatch(locale === 'en' ? /withdraw this consent/ : /revogar este consentimento/);
    expect(text).toMatch(locale === 'en' ? /not recorded/ : /não é gravada/);
    expect(text).toContain('DPO');
    expect(text.endsWith('\n')).toBe(true);
    expect(text).not.toContain('\r');
    expect(text.charCodeAt(0)).not.toBe(0xfeff);
  });
});
