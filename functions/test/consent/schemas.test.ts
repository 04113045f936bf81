import { describe, expect, it } from 'vitest';
import { zRecordConsentRequest } from '../../src/consent/schemas';
import { CONSENT_VERSIONS } from '../../src/consent/versions';
import { PHOTO_CONSENT_VERSION, consentVersionAtLeast } from '../../src/lib/model';

const request = (version: string) => ({ consultId: 'A'.repeat(20), version, locale: 'pt-BR', textHash: 'a'.repeat(64), recording: false });

describe('consent versions', () => {
  it('takes a day, or a day with its revision, as a version', () => {
    for (const version of ['2026-11-01', '2026-12-02.2', '2026-12-02.12', CONSENT_VERSIONS.patient]) {
      expect(zRecordConsentRequest.safeParse(request(version)).success, version).toBe(true);
    }
    for (const version of ['2026-12-02.', '2026-12-02.0', '2026-12-02.2.1', '2026-12-02-2', '2026-12-02.a', '2026-12-02.1234']) {
      expect(zRecordConsentRequest.safeParse(request(version)).success, version).toBe(false);
    }
  });

  it('orders versions by day, then revision (a day alone is its first revision)', () => {
    expect(consentVersionAtLeast('2026-12-02', PHOTO_CONSENT_VERSION)).toBe(false);
    expect(consentVersionAtLeast('2026-12-02.2', PHOTO_CONSENT_VERSION)).toBe(true);
    expect(consentVersionAtLeast('2026-12-02.10', PHOTO_CONSENT_VERSION)).toBe(true);
    expect(consentVersionAtLeast('2026-12-03', PHOTO_CONSENT_VERSION)).toBe(true);
    expect(consentVersionAtLeast('2026-11-30.9', PHOTO_CONSENT_VERSION)).toBe(false);
    expect(consentVersionAtLeast(CONSENT_VERSIONS.patient, PHOTO_CONSENT_VERSION)).toBe(true);
  });
});
