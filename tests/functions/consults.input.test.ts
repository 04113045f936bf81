import { afterAll, describe, expect, it } from 'vitest';
import {
  anonymousPatient,
  clinician,
  closeSessions,
  expectRefusal,
  idTokenOf,
  inMinutes,
  rawCall,
  schedule,
  scheduleRequest,
  signedOut,
} from './consults.support';
import { PREFLIGHT_MAX_AGE_SECONDS } from '../../functions/src/lib/callable';
import { callableUrl } from '../support/callableHttp';

afterAll(closeSessions);

const ID = 'AbCdEfGhIjKlMnOpQrSt';
const SECRET = 'x'.repeat(43);

describe('consult callables refuse malformed input as invalid-argument, never internal', () => {
  const badSchedules: Array<[string, unknown]> = [
    ['an unknown field', { ...scheduleRequest(), status: 'admitted' }],
    ['a label of the wrong type', { ...scheduleRequest(), patientLabel: 42 }],
    ['an oversize label', { ...scheduleRequest(), patientLabel: 'x'.repeat(10_000) }],
    ['a label with a newline', { ...scheduleRequest(), patientLabel: 'Maria\nS.' }],
    ['a label with a lone surrogate', { ...scheduleRequest(), patientLabel: 'Maria \uD800' }],
    ['an impossible date', { ...scheduleRequest(), scheduledFor: '2026-02-31T10:00:00-03:00' }],
    ['a date without an offset', { ...scheduleRequest(), scheduledFor: inMinutes(30).slice(0, 19) }],
    ['a date as a number', { ...scheduleRequest(), scheduledFor: Date.now() }],
    ['a duration of zero', { ...scheduleRequest(), durationMinutes: 0 }],
    ['a fractional duration', { ...scheduleRequest(), durationMinutes: 12.5 }],
    ['no data at all', null],
    ['an array', [scheduleRequest()]],
  ];

  it.each(badSchedules)('scheduleConsult: %s', async (_label, data) => {
    const doctor = await clinician();
    await expectRefusal(doctor.session.call('scheduleConsult', data), 'invalid-argument', 'invalid_input');
  });

  const badRefs: Array<[string, unknown]> = [
    ['a missing consultId', {}],
    ['a consultId of the wrong type', { consultId: 12345 }],
    ['a path in the consultId', { consultId: `${ID}/private/invite` }],
    ['an oversize consultId', { consultId: 'A'.repeat(5000) }],
    ['an unknown field', { consultId: ID, status: 'ended' }],
  ];

  for (const name of ['cancelConsult', 'admitPatient', 'endConsult'] as const) {
    it.each(badRefs)(`${name}: %s`, async (_label, data) => {
      const doctor = await clinician();
      await expectRefusal(doctor.session.call(name, data), 'invalid-argument', 'invalid_input');
    });
  }

  const badRedeems: Array<[string, unknown]> = [
    ['a missing secret', { consultId: ID }],
    ['a short secret', { consultId: ID, secret: 'abc' }],
    ['an oversize secret', { consultId: ID, secret: 'x'.repeat(100_000) }],
    ['a secret of the wrong type', { consultId: ID, secret: ['x'] }],
    ['an unknown field', { consultId: ID, secret: SECRET, uid: 'someone' }],
  ];

  it.each(badRedeems)('redeemInvite: %s', async (_label, data) => {
    const patient = await anonymousPatient();
    await expectRefusal(patient.session.call('redeemInvite', data), 'invalid-argument', 'invalid_input');
  });

  it('refuses a __proto__ payload carrying the fields a schema would read', async () => {
    const doctor = await clinician();
    const token = await idTokenOf(doctor);
    const body = `{"data":{"__proto__":${JSON.stringify(scheduleRequest())}}}`;
    const response = await rawCall('scheduleConsult', body, token);
    expect(response.status).toBe(400);
    expect(response.json.error?.status).toBe('INVALID_ARGUMENT');
    expect(response.json.error?.details?.reason).toBe('invalid_input');
  });

  it('refuses __proto__ beside real fields in every consult callable', async () => {
    const doctor = await clinician();
    const patient = await anonymousPatient();
    const { consultId, secret } = await schedule(doctor);
    const cases: Array<[string, string, string]> = [
      ['cancelConsult', `{"data":{"consultId":"${consultId}","__proto__":{"admin":true}}}`, await idTokenOf(doctor)],
      ['admitPatient', `{"data":{"__proto__":{"consultId":"${consultId}"}}}`, await idTokenOf(doctor)],
      ['endConsult', `{"data":{"consultId":"${consultId}","__proto__":{"status":"ended"}}}`, await idTokenOf(doctor)],
      ['redeemInvite', `{"data":{"__proto__":{"consultId":"${consultId}","secret":"${secret}"}}}`, await idTokenOf(patient)],
      ['scheduleConsult', `{"data":{"patientLabel":"x","constructor":{"prototype":{"polluted":true}}}}`, await idTokenOf(doctor)],
    ];
    for (const [name, body, token] of cases) {
      const response = await rawCall(name, body, token);
      expect(response.json.error?.status, `${name}: ${JSON.stringify(response.json)}`).toBe('INVALID_ARGUMENT');
    }
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
  });

  it('checks the caller before the input: a signed-out malformed call is unauthenticated', async () => {
    const anonymous = signedOut();
    for (const name of ['scheduleConsult', 'cancelConsult', 'admitPatient', 'endConsult', 'redeemInvite']) {
      await expectRefusal(anonymous.call(name, { nonsense: true }), 'unauthenticated', 'unauthenticated');
    }
  });
});

describe('the CORS preflight of a callable', () => {
  it('may be remembered by the browser for two hours, so repeated calls skip a round trip', async () => {
    for (const name of ['admitPatient', 'getIceServers', 'redeemInvite']) {
      const res = await fetch(callableUrl(name), {
        method: 'OPTIONS',
        headers: { origin: 'http://127.0.0.1:5050', 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization,content-type' },
      });
      expect(res.status, name).toBeLessThan(300);
      expect(res.headers.get('access-control-max-age'), name).toBe(String(PREFLIGHT_MAX_AGE_SECONDS));
      expect(res.headers.get('access-control-allow-methods'), name).toContain('POST');
    }
  });
});
