import { describe, expect, it } from 'vitest';
import { consultIdOf, logEntry } from '../../src/lib/log';
import { corsFor } from '../../src/lib/origins';

describe('structured log lines', () => {
  it('carry the function, outcome, rounded duration and the consult id as correlation id', () => {
    expect(logEntry({ fn: 'admitPatient', consultId: 'AbCdEfGhIjKlMnOpQrSt', outcome: 'ok', ms: 12.7 })).toEqual({
      fn: 'admitPatient', consultId: 'AbCdEfGhIjKlMnOpQrSt', outcome: 'ok', ms: 13,
    });
  });

  it('drop a consult id or reason that is not an identifier, so free text cannot leak personal data', () => {
    const entry = logEntry({ fn: 'redeemInvite', consultId: 'Maria da Silva <maria@x.com>', outcome: 'rejected', reason: 'called from 10.0.0.1', ms: 1 });
    expect(entry).toEqual({ fn: 'redeemInvite', outcome: 'rejected', ms: 1 });
  });

  it('take the correlation id only from an own consultId property', () => {
    expect(consultIdOf({ consultId: 'AbCdEfGhIjKlMnOpQrSt', secret: 'x' })).toBe('AbCdEfGhIjKlMnOpQrSt');
    expect(consultIdOf(Object.create({ consultId: 'AbCdEfGhIjKlMnOpQrSt' }))).toBeNull();
    expect(consultIdOf({ patientLabel: 'Maria' })).toBeNull();
    expect(consultIdOf(null)).toBeNull();
  });
});

describe('allowed origins of the callables', () => {
  it('are any origin only when the param is * (the demo project)', () => {
    expect(corsFor('*')).toBe(true);
  });

  it('are exactly the listed origins otherwise', () => {
    expect(corsFor('https://teleconsulta-prod.web.app, https://teleconsulta-prod.firebaseapp.com')).toEqual([
      'https://teleconsulta-prod.web.app',
      'https://teleconsulta-prod.firebaseapp.com',
    ]);
  });
});
