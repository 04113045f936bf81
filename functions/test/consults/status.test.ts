import { describe, expect, it } from 'vitest';
import { AppError } from '../../src/lib/errors';
import type { ConsultStatus } from '../../src/lib/model';
import { isClosed, nextStatus, transition, type ConsultEvent } from '../../src/consults/status';

const STATUSES: ConsultStatus[] = ['scheduled', 'waiting', 'admitted', 'ended', 'cancelled'];
const EVENTS: ConsultEvent[] = ['patient_consented', 'admit', 'end', 'cancel', 'consent_withdrawn', 'expire'];

/** Every legal move; anything not listed must be refused. */
const LEGAL: Array<[ConsultStatus, ConsultEvent, ConsultStatus]> = [
  ['scheduled', 'patient_consented', 'waiting'],
  ['scheduled', 'cancel', 'cancelled'],
  ['scheduled', 'end', 'ended'],
  ['scheduled', 'consent_withdrawn', 'ended'],
  ['scheduled', 'expire', 'ended'],
  ['waiting', 'admit', 'admitted'],
  ['waiting', 'cancel', 'cancelled'],
  ['waiting', 'end', 'ended'],
  ['waiting', 'consent_withdrawn', 'ended'],
  ['waiting', 'expire', 'ended'],
  ['admitted', 'end', 'ended'],
  ['admitted', 'consent_withdrawn', 'ended'],
  ['admitted', 'expire', 'ended'],
];

describe('the consult status machine', () => {
  it.each(LEGAL)('moves a %s consult on %s to %s', (from, event, to) => {
    expect(transition(from, event)).toEqual({ ok: true, status: to });
    expect(nextStatus(from, event)).toBe(to);
  });

  const illegal = STATUSES.flatMap((from) => EVENTS.map((event) => [from, event] as const)).filter(
    ([from, event]) => !LEGAL.some(([f, e]) => f === from && e === event),
  );

  it.each(illegal)('refuses %s on %s with a sentence', (from, event) => {
    const result = transition(from, event);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.reason).toBe('illegal_transition');
    expect(result.message).toMatch(/^This consult cannot .+: .+\.$/);
  });

  it('throws an illegal_transition AppError from nextStatus, naming the status and the event', () => {
    let caught: unknown;
    try {
      nextStatus('admitted', 'cancel');
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(AppError);
    expect((caught as AppError).reason).toBe('illegal_transition');
    expect((caught as AppError).message).toBe('This consult cannot cancel: the call is already under way.');
    expect((caught as AppError).details).toEqual({ status: 'admitted', event: 'cancel' });
  });

  it('cannot reach admitted without passing through the waiting room', () => {
    expect(transition('scheduled', 'admit').ok).toBe(false);
  });

  it('lets nothing happen to a closed consult', () => {
    for (const status of ['ended', 'cancelled'] as const) {
      expect(isClosed(status)).toBe(true);
      for (const event of EVENTS) expect(transition(status, event).ok).toBe(false);
    }
    for (const status of ['scheduled', 'waiting', 'admitted'] as const) expect(isClosed(status)).toBe(false);
  });
});
